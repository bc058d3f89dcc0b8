using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Workflows;

namespace Engagement.Integration.Tests.Workflows;

public sealed record TallyInput(int Sends, int IntervalMilliseconds);

public sealed record TallyState(int Sends, int Sent, int IntervalMilliseconds, DateTimeOffset? WakeAt, int Events, IReadOnlyList<string> Failed);

/// <summary>A small workflow for the runtime's tests: sends one message per wake-up until it has sent enough.</summary>
public sealed class TallyDecider : IDecider<TallyInput, TallyState>
{
    public const string Type = "tally";

    public string WorkflowType => Type;

    public IReadOnlyList<string> Validate(TallyInput input) =>
        input.Sends is < 1 or > 1000 ? ["sends must be 1–1000"] : [];

    public Decision<TallyState> Start(TallyInput input, DateTimeOffset now) =>
        Decision.Continue(new TallyState(input.Sends, 0, input.IntervalMilliseconds, null, 0, []), "send the first", null, Send(1));

    public Decision<TallyState> Decide(TallyState state, WorkflowSignal signal, DateTimeOffset now)
    {
        switch (signal)
        {
            case WorkflowSignal.CommandCompleted:
            case WorkflowSignal.CommandFailed:
                var failed = signal is WorkflowSignal.CommandFailed f ? [.. state.Failed, f.CommandId] : state.Failed;
                var sent = state.Sent + 1;
                if (sent >= state.Sends)
                {
                    return Decision.Complete(state with { Sent = sent, Failed = failed, WakeAt = null }, "all sent");
                }

                var wake = now.AddMilliseconds(state.IntervalMilliseconds);
                return Decision.Continue(state with { Sent = sent, Failed = failed, WakeAt = wake }, $"sent {sent}, next at the wake-up", wake);
            case WorkflowSignal.Woke:
                return Decision.Continue(state with { WakeAt = null }, "woke: send the next", null, Send(state.Sent + 1));
            case WorkflowSignal.External { Name: "add" } add:
                return Decision.Continue(state with { Sends = state.Sends + add.Payload.GetInt32(), Events = state.Events + 1 }, "more to send", state.WakeAt);
            case WorkflowSignal.External { Name: "finish" }:
                return Decision.Complete(state with { Events = state.Events + 1 }, "finished on request");
            case WorkflowSignal.External:
                return Decision.Continue(state with { Events = state.Events + 1 }, "unknown event ignored", state.WakeAt);
            case WorkflowSignal.Cancelled:
                return Decision.Complete(state, "cancelled");
            default:
                return Decision.Continue(state, "nothing to do", state.WakeAt);
        }
    }

    private static WorkflowCommand Send(int n) => WorkflowCommand.Of($"send-{n}", TallyActivity.ActivityName, new { n });
}

/// <summary>Writes one row per command (insert-only, so a re-run writes nothing) and counts every run.</summary>
public sealed class TallyActivity(Infrastructure.Storage.EngagementStorage storage) : IWorkflowActivity
{
    public const string ActivityName = "tally.send";

    public static readonly ConcurrentDictionary<string, int> Runs = new();

    /// <summary>Instance ids whose commands fail this many times before succeeding.</summary>
    public static readonly ConcurrentDictionary<string, int> FailFirst = new();

    public string Name => ActivityName;

    public static TableClient Table(Infrastructure.Storage.EngagementStorage storage) => storage.TableService.GetTableClient("tallysends");

    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        Runs.AddOrUpdate($"{context.InstanceId}/{context.CommandId}", 1, (_, n) => n + 1);
        if (FailFirst.TryGetValue(context.InstanceId, out var failures) && context.Attempt <= failures)
        {
            throw new InvalidOperationException($"attempt {context.Attempt} fails on purpose");
        }

        var table = Table(storage);
        await table.CreateIfNotExistsAsync(cancellationToken);
        try
        {
            await table.AddEntityAsync(new TableEntity(context.InstanceId, context.CommandId), cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already done by an earlier run.
        }

        return WorkflowJson.Write(new { sent = context.CommandId });
    }
}
