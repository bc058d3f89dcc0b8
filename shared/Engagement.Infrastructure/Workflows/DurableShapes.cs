using System.Text.Json;
using Engagement.Core.Workflows;

namespace Engagement.Infrastructure.Workflows;

/// <summary>How a Durable orchestration retries activities; fixed when the instance starts, so replays agree.</summary>
/// <param name="MaxAttempts">Attempts per command.</param>
/// <param name="FirstRetryDelay">The first retry's delay; each next doubles.</param>
/// <param name="MaxRetryDelay">The longest delay.</param>
public sealed record WorkflowRetry(int MaxAttempts, TimeSpan FirstRetryDelay, TimeSpan MaxRetryDelay)
{
    /// <summary>The retry settings of <paramref name="options"/>.</summary>
    public static WorkflowRetry From(WorkflowOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.MaxAttempts, options.FirstRetryDelay, options.MaxRetryDelay);
    }
}

/// <summary>
/// The input of a Durable workflow orchestration: at the start, the type and its input; after <c>ContinueAsNew</c>,
/// the snapshot and the latest decisions carried over, so history stays small however long the workflow runs.
/// </summary>
/// <param name="Type">The workflow type.</param>
/// <param name="Input">The start input.</param>
/// <param name="Snapshot">Where the instance stood when it continued as new; null at the start.</param>
/// <param name="History">The latest decisions.</param>
/// <param name="Retry">How commands are retried.</param>
public sealed record WorkflowEnvelope(string Type, JsonElement Input, WorkflowSnapshot? Snapshot, IReadOnlyList<WorkflowDecisionEntry> History, WorkflowRetry Retry);

/// <summary>The one external event a Durable workflow waits for: an outside event or a cancellation.</summary>
/// <param name="Name">The event's name (null for a cancellation).</param>
/// <param name="Payload">Its payload.</param>
/// <param name="EventId">Its idempotency key, if any.</param>
/// <param name="Cancel">True for a cancellation.</param>
/// <param name="Reason">Why it was cancelled.</param>
public sealed record WorkflowEventMessage(string? Name, JsonElement Payload, string? EventId, bool Cancel = false, string? Reason = null)
{
    /// <summary>The Durable event name every workflow listens to.</summary>
    public const string EventName = "workflow-signal";

    /// <summary>The signal it carries.</summary>
    public WorkflowSignal ToSignal() => Cancel ? new WorkflowSignal.Cancelled(Reason) : new WorkflowSignal.External(Name ?? string.Empty, Payload);
}

/// <summary>What a Durable activity receives: which instance's command to run.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Command">The command.</param>
public sealed record WorkflowCommandCall(string InstanceId, WorkflowCommand Command);

/// <summary>A Durable orchestration's custom status: where it stands and its latest decisions, read by <c>GET /api/workflows/{id}</c>.</summary>
/// <param name="Snapshot">Where it stands.</param>
/// <param name="History">Its latest decisions, oldest first.</param>
public sealed record WorkflowProgress(WorkflowSnapshot Snapshot, IReadOnlyList<WorkflowDecisionEntry> History)
{
    // Durable keeps a custom status of at most 16 KB.
    private const int MaxStatusBytes = 15 * 1024;

    /// <summary>The progress with as many of the latest decisions as fit a custom status.</summary>
    public static WorkflowProgress Bounded(WorkflowSnapshot snapshot, IReadOnlyList<WorkflowDecisionEntry> history)
    {
        var kept = history.TakeLast(20).ToList();
        var progress = new WorkflowProgress(snapshot, kept);
        while (kept.Count > 0 && JsonSerializer.SerializeToUtf8Bytes(progress, WorkflowJson.Options).Length > MaxStatusBytes)
        {
            kept.RemoveAt(0);
            progress = new WorkflowProgress(snapshot, [.. kept]);
        }

        return progress;
    }

    /// <summary>The API's view of it.</summary>
    public WorkflowView ToView() => new(
        Snapshot.Id, Snapshot.Type, Snapshot.Status, Snapshot.State, Snapshot.Pending, Snapshot.WakeAt, Snapshot.CreatedAt, Snapshot.UpdatedAt, Snapshot.Turn, History);
}
