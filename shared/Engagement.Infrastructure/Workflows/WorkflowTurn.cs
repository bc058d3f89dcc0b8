using System.Text.Json;
using Engagement.Core.Workflows;

namespace Engagement.Infrastructure.Workflows;

/// <summary>Where an instance stands between two decisions: what both runtimes keep (a table row locally, the orchestration's input in Azure).</summary>
/// <param name="Id">The instance id.</param>
/// <param name="Type">The workflow type.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="State">The decider's state.</param>
/// <param name="Pending">Commands issued and not yet completed.</param>
/// <param name="WakeAt">The wake-up asked for.</param>
/// <param name="Turn">How many decisions it has made.</param>
/// <param name="CreatedAt">When it started.</param>
/// <param name="UpdatedAt">When it last decided.</param>
/// <param name="RecentEvents">Ids of the latest outside events delivered, so a repeated one is delivered once.</param>
public sealed record WorkflowSnapshot(
    string Id,
    string Type,
    WorkflowStatus Status,
    JsonElement State,
    IReadOnlyList<WorkflowCommand> Pending,
    DateTimeOffset? WakeAt,
    int Turn,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> RecentEvents);

/// <summary>One decision's effect: the outcome, and when accepted the next snapshot, its history entry and the commands it issued.</summary>
/// <param name="Outcome">Accepted, or why nothing happened.</param>
/// <param name="Next">The instance after the decision.</param>
/// <param name="Entry">The decision for the history.</param>
/// <param name="Issued">Commands to run now.</param>
public sealed record WorkflowTurnResult(SignalOutcome Outcome, WorkflowSnapshot? Next, WorkflowDecisionEntry? Entry, IReadOnlyList<WorkflowCommand> Issued);

/// <summary>
/// The rules of a turn, shared by both runtimes: which signals are duplicates (a command no longer pending, a wake-up no
/// longer asked for, an event id already seen), how a decision changes pending commands, status and wake-up, and what the
/// history records. A cancelled instance runs only what the decider asks on cancelling; a finished one only its final commands.
/// </summary>
public static class WorkflowTurn
{
    private const int MaxRecentEvents = 100;
    private const int MaxCommandsInHistory = 40;

    /// <summary>
    /// The checks before an instance starts, the same in both runtimes: a known type, a valid id (made when none is given),
    /// an existing instance answered as it is, an input its decider accepts. Returns the definition and id to start with,
    /// or the answer to give instead.
    /// </summary>
    public static async Task<(IWorkflowDefinition? Definition, string Id, WorkflowStartResult? Answer)> PrepareStartAsync(
        IWorkflowDefinition? definition, string type, JsonElement input, string? instanceId, Func<string, Task<WorkflowView?>> existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        if (definition is null)
        {
            return (null, string.Empty, new WorkflowStartResult(null, false, [$"no workflow type is named '{type}'"]));
        }

        var id = instanceId ?? $"{type}-{Guid.NewGuid():N}";
        if (!WorkflowIds.IsValid(id))
        {
            return (null, id, new WorkflowStartResult(null, false, [WorkflowIds.Rule]));
        }

        if (await existing(id) is { } view)
        {
            return (null, id, new WorkflowStartResult(view, false, []));
        }

        var errors = definition.Validate(input);
        return errors.Count > 0 ? (null, id, new WorkflowStartResult(null, false, errors)) : (definition, id, null);
    }

    /// <summary>The first decision of a new instance.</summary>
    public static WorkflowTurnResult Start(IWorkflowDefinition definition, string id, JsonElement input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var decision = definition.Start(input, now);
        var commands = Distinct(decision.Commands);
        var next = new WorkflowSnapshot(
            id, definition.Type, decision.Completed ? WorkflowStatus.Completed : WorkflowStatus.Running, decision.State, commands,
            decision.Completed ? null : decision.WakeAt, 1, now, now, []);
        return new WorkflowTurnResult(SignalOutcome.Accepted, next, Entry(1, now, "started", decision, commands), commands);
    }

    /// <summary>Feeds a signal to an instance.</summary>
    public static WorkflowTurnResult Apply(IWorkflowDefinition definition, WorkflowSnapshot instance, WorkflowSignal signal, string? eventId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(signal);
        if (eventId is not null && instance.RecentEvents.Contains(eventId))
        {
            return Nothing(SignalOutcome.Duplicate);
        }

        var finished = signal switch
        {
            WorkflowSignal.CommandCompleted c => c.CommandId,
            WorkflowSignal.CommandFailed f => f.CommandId,
            _ => null,
        };
        if (finished is not null && instance.Pending.All(c => c.Id != finished))
        {
            return Nothing(SignalOutcome.Duplicate);
        }

        if (signal is WorkflowSignal.Woke woke && (instance.Status != WorkflowStatus.Running || instance.WakeAt != woke.ScheduledFor))
        {
            return Nothing(SignalOutcome.Duplicate);
        }

        var remaining = instance.Pending.Where(c => c.Id != finished).ToList();
        var turn = instance.Turn + 1;
        if (instance.Status != WorkflowStatus.Running)
        {
            if (finished is null)
            {
                return Nothing(SignalOutcome.NotRunning);
            }

            // A final command of a finished instance: the decider has nothing more to say.
            var done = instance with { Pending = remaining, Turn = turn, UpdatedAt = now };
            return new WorkflowTurnResult(SignalOutcome.Accepted, done, new WorkflowDecisionEntry(turn, now, signal.Describe(), "final command done", [], null), []);
        }

        var decision = definition.Decide(instance.State, signal, now);
        var cancelled = signal is WorkflowSignal.Cancelled;
        var issued = Distinct(decision.Commands.Where(c => remaining.All(r => r.Id != c.Id)));
        var next = instance with
        {
            Status = cancelled ? WorkflowStatus.Cancelled : decision.Completed ? WorkflowStatus.Completed : WorkflowStatus.Running,
            State = decision.State,
            Pending = cancelled ? issued : [.. remaining, .. issued],
            WakeAt = cancelled || decision.Completed ? null : decision.WakeAt,
            Turn = turn,
            UpdatedAt = now,
            RecentEvents = eventId is null ? instance.RecentEvents : [.. instance.RecentEvents.Append(eventId).TakeLast(MaxRecentEvents)],
        };
        return new WorkflowTurnResult(SignalOutcome.Accepted, next, Entry(turn, now, signal.Describe(), decision, issued), issued);
    }

    private static WorkflowTurnResult Nothing(SignalOutcome outcome) => new(outcome, null, null, []);

    private static List<WorkflowCommand> Distinct(IEnumerable<WorkflowCommand> commands) =>
        commands.GroupBy(c => c.Id, StringComparer.Ordinal).Select(g => g.First()).ToList();

    private static WorkflowDecisionEntry Entry(int turn, DateTimeOffset at, string signal, Decision<JsonElement> decision, List<WorkflowCommand> issued)
    {
        var commands = issued.Take(MaxCommandsInHistory).Select(c => $"{c.Id} ({c.Activity})").ToList();
        if (issued.Count > MaxCommandsInHistory)
        {
            commands.Add($"… and {issued.Count - MaxCommandsInHistory} more");
        }

        return new WorkflowDecisionEntry(turn, at, signal, decision.Note, commands, decision.Completed ? null : decision.WakeAt);
    }
}
