using System.Text.Json;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Workflows;
using Microsoft.DurableTask;

namespace Engagement.Functions.Workflows;

/// <summary>
/// The generic Durable orchestration that drives a decider: runs the commands of each decision as activities (fan-out,
/// with retry), feeds each result back as it arrives, then races the wake-up timer against the one external event,
/// cancelling the loser, and continues as new every <see cref="TurnsPerGeneration"/> turns (after draining buffered
/// events into the state) so the replayed history stays small. The turn rules are <see cref="WorkflowTurn"/>'s, the
/// same as the self-hosted runtime's. Deterministic: time from the context only, no I/O.
/// </summary>
public static class DurableWorkflow
{
    /// <summary>The activity that runs every workflow command.</summary>
    public const string ActivityName = "RunWorkflowCommand";

    private const int TurnsPerGeneration = 50;

    /// <summary>Runs (or continues) an instance; returns its final envelope.</summary>
    public static async Task<WorkflowEnvelope> RunAsync(TaskOrchestrationContext context, WorkflowEnvelope envelope, WorkflowCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(catalog);
        var definition = catalog.Definition(envelope.Type)
            ?? throw new InvalidOperationException($"No workflow type is named '{envelope.Type}'.");
        var retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
            envelope.Retry.MaxAttempts, envelope.Retry.FirstRetryDelay, 2.0, envelope.Retry.MaxRetryDelay));
        var history = envelope.History.ToList();
        var running = new Dictionary<Task<JsonElement>, WorkflowCommand>();
        WorkflowSnapshot snapshot;

        void Launch(IEnumerable<WorkflowCommand> commands)
        {
            foreach (var command in commands)
            {
                running[context.CallActivityAsync<JsonElement>(ActivityName, new WorkflowCommandCall(context.InstanceId, command), retry)] = command;
            }
        }

        void Apply(WorkflowSignal signal, string? eventId)
        {
            var turn = WorkflowTurn.Apply(definition, snapshot, signal, eventId, Now(context));
            if (turn.Outcome == SignalOutcome.Accepted)
            {
                snapshot = turn.Next!;
                history.Add(turn.Entry!);
                Launch(turn.Issued);
            }
        }

        if (envelope.Snapshot is { } carried)
        {
            snapshot = carried;
        }
        else
        {
            var started = WorkflowTurn.Start(definition, context.InstanceId, envelope.Input, Now(context));
            snapshot = started.Next!;
            history.Add(started.Entry!);
        }

        Launch(snapshot.Pending);
        var turns = 0;
        while (true)
        {
            context.SetCustomStatus(WorkflowProgress.Bounded(snapshot, history));
            if (running.Count > 0)
            {
                var done = await Task.WhenAny(running.Keys);
                var command = running[done];
                running.Remove(done);
                WorkflowSignal signal;
                try
                {
                    signal = new WorkflowSignal.CommandCompleted(command.Id, await done);
                }
                catch (TaskFailedException ex)
                {
                    signal = new WorkflowSignal.CommandFailed(command.Id, ex.FailureDetails?.ErrorMessage ?? ex.Message);
                }

                Apply(signal, null);
                continue;
            }

            if (snapshot.Status != WorkflowStatus.Running)
            {
                return envelope with { Snapshot = snapshot, History = Tail(history) };
            }

            if (turns >= TurnsPerGeneration)
            {
                // Events raised meanwhile are buffered; take them into the state now, so none is lost across ContinueAsNew.
                if (await DrainAsync(context, Apply) && running.Count == 0 && snapshot.Status == WorkflowStatus.Running)
                {
                    context.ContinueAsNew(envelope with { Snapshot = snapshot, History = Tail(history) }, preserveUnprocessedEvents: true);
                    return envelope with { Snapshot = snapshot, History = Tail(history) };
                }

                turns = 0;
                continue;
            }

            using (var waiting = new CancellationTokenSource())
            {
                var next = context.WaitForExternalEvent<WorkflowEventMessage>(WorkflowEventMessage.EventName, waiting.Token);
                if (snapshot.WakeAt is { } wakeAt)
                {
                    var timer = context.CreateTimer(wakeAt.UtcDateTime, waiting.Token);
                    var first = await Task.WhenAny(next, timer);
                    // Always cancel the loser: an open timer keeps the instance alive, an open wait takes the next event.
                    await waiting.CancelAsync();
                    if (first == timer)
                    {
                        Apply(new WorkflowSignal.Woke(wakeAt), null);
                        turns++;
                        continue;
                    }
                }

                var message = await next;
                Apply(message.ToSignal(), message.EventId);
                turns++;
            }
        }
    }

    private static async Task<bool> DrainAsync(TaskOrchestrationContext context, Action<WorkflowSignal, string?> apply)
    {
        while (true)
        {
            using var draining = new CancellationTokenSource();
            var next = context.WaitForExternalEvent<WorkflowEventMessage>(WorkflowEventMessage.EventName, draining.Token);
            var now = context.CreateTimer(context.CurrentUtcDateTime, draining.Token);
            var first = await Task.WhenAny(next, now);
            await draining.CancelAsync();
            if (first != next)
            {
                return true;
            }

            var message = await next;
            apply(message.ToSignal(), message.EventId);
        }
    }

    private static DateTimeOffset Now(TaskOrchestrationContext context) => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc));

    private static List<WorkflowDecisionEntry> Tail(List<WorkflowDecisionEntry> history) => history.TakeLast(50).ToList();
}
