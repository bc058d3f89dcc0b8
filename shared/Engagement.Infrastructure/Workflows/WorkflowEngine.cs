using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Queues;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Workflows;

/// <summary>A unit of work on the self-hosted runtime's queue: run a command, or wake an instance.</summary>
/// <param name="Instance">The instance id.</param>
/// <param name="Command">The command to run (null for a wake-up).</param>
/// <param name="WakeAt">The wake-up time (null for a command).</param>
public sealed record WorkflowWork(
    [property: JsonPropertyName("i")] string Instance,
    [property: JsonPropertyName("c")] string? Command,
    [property: JsonPropertyName("w")] DateTimeOffset? WakeAt);

/// <summary>
/// The self-hosted workflow runtime: instances in a Table row (ETag concurrency), commands and wake-ups as Storage-queue
/// messages, wake-ups beyond the queue's 7-day visibility limit re-armed on arrival. The row is the truth and the queue
/// only a reminder: a message that was never sent, or sent twice, is harmless, because <see cref="ResumeAsync"/>
/// re-queues every unfinished instance's pending commands and wake-up (at start and every few minutes), and work for a
/// command that is no longer pending, or a wake-up that is no longer due, is dropped.
/// </summary>
public sealed partial class WorkflowEngine : IWorkflowRuntime
{
    /// <summary>The longest a queue message can stay invisible (7 days), less a margin.</summary>
    internal static readonly TimeSpan MaxQueueDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(5);

    private const int MaxAttemptsPerDecision = 20;

    private readonly WorkflowStore _store;
    private readonly WorkflowCatalog _catalog;
    private readonly QueueClient _queue;
    private readonly WorkflowOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<WorkflowEngine> _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Instance, string Command), bool> _running = new();

    /// <summary>Creates the runtime.</summary>
    public WorkflowEngine(EngagementStorage storage, WorkflowCatalog catalog, IOptions<WorkflowOptions> options, TimeProvider clock, ILogger<WorkflowEngine> logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _store = new WorkflowStore(storage);
        _catalog = catalog;
        _queue = storage.WorkflowQueue;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The queue the worker reads.</summary>
    public QueueClient Queue => _queue;

    /// <inheritdoc />
    public async Task<WorkflowStartResult> StartAsync(string type, JsonElement input, string? instanceId = null, CancellationToken cancellationToken = default)
    {
        var (definition, id, answer) = await WorkflowTurn.PrepareStartAsync(_catalog.Definition(type), type, input, instanceId, known => GetAsync(known, cancellationToken));
        if (answer is not null)
        {
            return answer;
        }

        var started = WorkflowTurn.Start(definition!, id, input, _clock.GetUtcNow());
        if (!await _store.CreateAsync(started.Next!, started.Entry!, cancellationToken))
        {
            return new WorkflowStartResult(await GetAsync(id, cancellationToken), false, []);
        }

        LogStarted(_logger, type, id, started.Issued.Count);
        await ScheduleAsync(started.Next!, started.Issued, wake: true, cancellationToken);
        return new WorkflowStartResult(await GetAsync(id, cancellationToken), true, []);
    }

    /// <inheritdoc />
    public async Task<WorkflowView?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (!WorkflowIds.IsValid(instanceId) || await _store.ReadAsync(instanceId, cancellationToken) is not { Snapshot: var instance })
        {
            return null;
        }

        var history = await _store.HistoryAsync(instanceId, _options.HistoryInView, cancellationToken);
        return new WorkflowView(instance.Id, instance.Type, instance.Status, instance.State, instance.Pending, instance.WakeAt, instance.CreatedAt, instance.UpdatedAt, instance.Turn, history);
    }

    /// <inheritdoc />
    public Task<SignalOutcome> RaiseAsync(string instanceId, string name, JsonElement payload, string? eventId = null, CancellationToken cancellationToken = default) =>
        ApplyAsync(instanceId, new WorkflowSignal.External(name, payload), eventId, cancellationToken);

    /// <inheritdoc />
    public Task<SignalOutcome> CancelAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        ApplyAsync(instanceId, new WorkflowSignal.Cancelled(reason), null, cancellationToken);

    /// <summary>
    /// Works one queue message: runs a pending command and feeds its result to the decider, or wakes an instance that is
    /// due. Throws when a command failed and attempts remain (the caller makes the message visible again later); after
    /// the last attempt the decider is told the command failed.
    /// </summary>
    public async Task ProcessAsync(WorkflowWork work, int attempt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!WorkflowIds.IsValid(work.Instance) || await _store.ReadAsync(work.Instance, cancellationToken) is not { Snapshot: var instance })
        {
            return;
        }

        if (work.Command is { } commandId)
        {
            if (instance.Pending.FirstOrDefault(c => c.Id == commandId) is not { } command)
            {
                return;
            }

            // A second reminder of a command this process is running (a resume pass, a redelivery) has nothing to add.
            if (!_running.TryAdd((instance.Id, command.Id), true))
            {
                return;
            }

            try
            {
                JsonElement result;
                try
                {
                    result = await _catalog.RunAsync(instance.Id, command, attempt, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException && attempt >= _options.MaxAttempts)
                {
                    LogCommandGaveUp(_logger, command.Id, instance.Id, attempt, ex);
                    await ApplyAsync(instance.Id, new WorkflowSignal.CommandFailed(command.Id, ex.Message), null, cancellationToken);
                    return;
                }

                await ApplyAsync(instance.Id, new WorkflowSignal.CommandCompleted(command.Id, result), null, cancellationToken);
                return;
            }
            finally
            {
                _running.TryRemove((instance.Id, command.Id), out _);
            }
        }

        if (work.WakeAt is { } wakeAt && instance.Status == WorkflowStatus.Running && instance.WakeAt == wakeAt)
        {
            if (wakeAt > _clock.GetUtcNow())
            {
                // Beyond the queue's visibility limit: arm the next leg.
                await EnqueueAsync(new WorkflowWork(instance.Id, null, wakeAt), wakeAt - _clock.GetUtcNow(), cancellationToken);
                return;
            }

            await ApplyAsync(instance.Id, new WorkflowSignal.Woke(wakeAt), null, cancellationToken);
        }
    }

    /// <summary>
    /// Re-queues the pending commands and wake-up of every unfinished instance (with <paramref name="idleFor"/>: only of
    /// those that decided nothing for that long, so commands being worked on are not reminded of); safe to run any time.
    /// </summary>
    public async Task<int> ResumeAsync(TimeSpan? idleFor = null, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await foreach (var instance in _store.UnfinishedAsync(cancellationToken))
        {
            if (idleFor is { } idle && instance.UpdatedAt > _clock.GetUtcNow() - idle)
            {
                continue;
            }

            await ScheduleAsync(instance, instance.Pending, wake: true, cancellationToken);
            count++;
        }

        return count;
    }

    private async Task<SignalOutcome> ApplyAsync(string id, WorkflowSignal signal, string? eventId, CancellationToken cancellationToken)
    {
        if (!WorkflowIds.IsValid(id))
        {
            return SignalOutcome.NotFound;
        }

        for (var attempt = 1; attempt <= MaxAttemptsPerDecision; attempt++)
        {
            if (await _store.ReadAsync(id, cancellationToken) is not { } stored)
            {
                return SignalOutcome.NotFound;
            }

            var definition = _catalog.Definition(stored.Snapshot.Type)
                ?? throw new InvalidOperationException($"Instance {id} is of type '{stored.Snapshot.Type}', which this host does not know.");
            var turn = WorkflowTurn.Apply(definition, stored.Snapshot, signal, eventId, _clock.GetUtcNow());
            if (turn.Outcome != SignalOutcome.Accepted)
            {
                return turn.Outcome;
            }

            if (!await _store.TryCommitAsync(turn.Next!, stored.ETag, turn.Entry!, cancellationToken))
            {
                continue;
            }

            var next = turn.Next!;
            await ScheduleAsync(next, turn.Issued, wake: next.WakeAt is not null && next.WakeAt != stored.Snapshot.WakeAt, cancellationToken);
            return SignalOutcome.Accepted;
        }

        throw new InvalidOperationException($"Instance {id} changed under {MaxAttemptsPerDecision} attempts in a row to decide on it.");
    }

    private async Task ScheduleAsync(WorkflowSnapshot instance, IEnumerable<WorkflowCommand> commands, bool wake, CancellationToken cancellationToken)
    {
        foreach (var command in commands)
        {
            await EnqueueAsync(new WorkflowWork(instance.Id, command.Id, null), TimeSpan.Zero, cancellationToken);
        }

        if (wake && instance.Status == WorkflowStatus.Running && instance.WakeAt is { } wakeAt)
        {
            await EnqueueAsync(new WorkflowWork(instance.Id, null, wakeAt), wakeAt - _clock.GetUtcNow(), cancellationToken);
        }
    }

    private async Task EnqueueAsync(WorkflowWork work, TimeSpan delay, CancellationToken cancellationToken)
    {
        var visibility = delay <= TimeSpan.Zero ? (TimeSpan?)null : delay > MaxQueueDelay ? MaxQueueDelay : delay;
        await _queue.SendMessageAsync(JsonSerializer.Serialize(work, WorkflowJson.Options), visibility, TimeSpan.FromSeconds(-1), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started {Type} workflow {Instance} with {Commands} commands")]
    private static partial void LogStarted(ILogger logger, string type, string instance, int commands);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command {Command} of workflow {Instance} failed its last attempt ({Attempt})")]
    private static partial void LogCommandGaveUp(ILogger logger, string command, string instance, int attempt, Exception exception);
}

/// <summary>What an instance id may be: it is a table partition key and a URL segment.</summary>
public static class WorkflowIds
{
    /// <summary>The rule, for error messages.</summary>
    public const string Rule = "an instance id is 1–100 characters: letters, digits, '-', '_' and '.'";

    /// <summary>Whether <paramref name="id"/> follows <see cref="Rule"/>.</summary>
    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
