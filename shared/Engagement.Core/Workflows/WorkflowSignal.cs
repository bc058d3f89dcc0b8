using System.Text.Json;

namespace Engagement.Core.Workflows;

/// <summary>What happened to a running workflow: the one input of <see cref="IDecider{TInput, TState}.Decide"/>.</summary>
public abstract record WorkflowSignal
{
    private WorkflowSignal()
    {
    }

    /// <summary>The wake-up time the last decision asked for has come.</summary>
    /// <param name="ScheduledFor">The time asked for.</param>
    public sealed record Woke(DateTimeOffset ScheduledFor) : WorkflowSignal;

    /// <summary>A command ran; its activity answered <paramref name="Result"/>.</summary>
    /// <param name="CommandId">The command's id.</param>
    /// <param name="Result">The activity's answer (JSON).</param>
    public sealed record CommandCompleted(string CommandId, JsonElement Result) : WorkflowSignal;

    /// <summary>A command failed every attempt; the decider chooses what now (retry later, skip, stop).</summary>
    /// <param name="CommandId">The command's id.</param>
    /// <param name="Error">What went wrong, for people.</param>
    public sealed record CommandFailed(string CommandId, string Error) : WorkflowSignal;

    /// <summary>An event from outside (an HTTP call, a reply, a marketer's action).</summary>
    /// <param name="Name">The event's name.</param>
    /// <param name="Payload">Its payload (JSON).</param>
    public sealed record External(string Name, JsonElement Payload) : WorkflowSignal;

    /// <summary>Someone cancelled the workflow.</summary>
    /// <param name="Reason">Why, when given.</param>
    public sealed record Cancelled(string? Reason) : WorkflowSignal;

    /// <summary>A short description for the history of decisions.</summary>
    public string Describe() => this switch
    {
        Woke w => $"woke (due {w.ScheduledFor:yyyy-MM-dd HH:mm:ss}Z)",
        CommandCompleted c => $"command {c.CommandId} completed",
        CommandFailed f => $"command {f.CommandId} failed: {f.Error}",
        External e => $"event {e.Name}",
        Cancelled c => c.Reason is null ? "cancelled" : $"cancelled: {c.Reason}",
        _ => GetType().Name,
    };
}
