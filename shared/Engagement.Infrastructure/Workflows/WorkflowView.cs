using System.Text.Json;
using Engagement.Core.Workflows;

namespace Engagement.Infrastructure.Workflows;

/// <summary>Where an instance stands.</summary>
public enum WorkflowStatus
{
    /// <summary>Waiting for commands, a wake-up or an event.</summary>
    Running,
    /// <summary>The decider finished it.</summary>
    Completed,
    /// <summary>Someone cancelled it.</summary>
    Cancelled,
    /// <summary>The runtime stopped it after an unexpected error (Durable Functions only; the self-hosted runtime retries instead).</summary>
    Failed,
}

/// <summary>One decision in an instance's history.</summary>
/// <param name="Turn">1 for the start, then one more per signal.</param>
/// <param name="At">When it was decided.</param>
/// <param name="Signal">What it answered (<c>started</c> for the first).</param>
/// <param name="Note">What the decider said it decided.</param>
/// <param name="Commands">The commands it issued, as <c>id (activity)</c>.</param>
/// <param name="WakeAt">The wake-up it asked for.</param>
public sealed record WorkflowDecisionEntry(int Turn, DateTimeOffset At, string Signal, string Note, IReadOnlyList<string> Commands, DateTimeOffset? WakeAt);

/// <summary>An instance as <c>GET /api/workflows/{id}</c> answers it.</summary>
/// <param name="Id">The instance id.</param>
/// <param name="Type">The workflow type.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="State">The decider's state.</param>
/// <param name="Pending">Commands issued and not yet completed.</param>
/// <param name="NextWakeUp">When it wakes next, if it asked to.</param>
/// <param name="CreatedAt">When it started.</param>
/// <param name="UpdatedAt">When it last decided.</param>
/// <param name="Turns">How many decisions it has made.</param>
/// <param name="History">Its latest decisions, oldest first.</param>
public sealed record WorkflowView(
    string Id,
    string Type,
    WorkflowStatus Status,
    JsonElement State,
    IReadOnlyList<WorkflowCommand> Pending,
    DateTimeOffset? NextWakeUp,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    int Turns,
    IReadOnlyList<WorkflowDecisionEntry> History);

/// <summary>What happened to a request to start an instance.</summary>
/// <param name="View">The instance (the existing one when <paramref name="Created"/> is false).</param>
/// <param name="Created">False when an instance with the id already existed.</param>
/// <param name="Errors">Why it could not start (unknown type, invalid input); <paramref name="View"/> is then null.</param>
public sealed record WorkflowStartResult(WorkflowView? View, bool Created, IReadOnlyList<string> Errors);

/// <summary>What happened to an event or a cancellation.</summary>
public enum SignalOutcome
{
    /// <summary>The decider got it.</summary>
    Accepted,
    /// <summary>An event with the same id was already delivered: nothing happened.</summary>
    Duplicate,
    /// <summary>No such instance.</summary>
    NotFound,
    /// <summary>The instance has finished.</summary>
    NotRunning,
}

/// <summary>
/// A workflow runtime as the HTTP endpoints use it: the Table+Queue runtime when self-hosted, Durable Functions in Azure.
/// </summary>
public interface IWorkflowRuntime
{
    /// <summary>Starts an instance of a type; with an id that exists, answers the existing instance.</summary>
    Task<WorkflowStartResult> StartAsync(string type, JsonElement input, string? instanceId = null, CancellationToken cancellationToken = default);

    /// <summary>An instance with its latest decisions; null when unknown.</summary>
    Task<WorkflowView?> GetAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Delivers an outside event; a repeated <paramref name="eventId"/> is delivered once.</summary>
    Task<SignalOutcome> RaiseAsync(string instanceId, string name, JsonElement payload, string? eventId = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels an instance.</summary>
    Task<SignalOutcome> CancelAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default);
}
