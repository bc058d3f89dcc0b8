namespace Engagement.Core.Workflows;

/// <summary>What a decider decided: its new state, the commands to run, when to wake it, whether it is done.</summary>
/// <typeparam name="TState">The decider's state: counters and cursors.</typeparam>
/// <param name="State">The new state.</param>
/// <param name="Commands">Commands to run now (each id new for this instance).</param>
/// <param name="WakeAt">When to send <see cref="WorkflowSignal.Woke"/>; null: only commands or outside events wake it.</param>
/// <param name="Completed">True when the workflow is finished; no more signals reach it.</param>
/// <param name="Note">One line for the history of decisions (what was decided and why).</param>
public sealed record Decision<TState>(
    TState State,
    IReadOnlyList<WorkflowCommand> Commands,
    DateTimeOffset? WakeAt,
    bool Completed,
    string Note);

/// <summary>Shorthands for the usual decisions.</summary>
public static class Decision
{
    /// <summary>Goes on waiting with a new state.</summary>
    public static Decision<TState> Continue<TState>(TState state, string note, DateTimeOffset? wakeAt = null, params WorkflowCommand[] commands) =>
        new(state, commands, wakeAt, false, note);

    /// <summary>Finishes, optionally running last commands.</summary>
    public static Decision<TState> Complete<TState>(TState state, string note, params WorkflowCommand[] commands) =>
        new(state, commands, null, true, note);
}

/// <summary>
/// A long-running workflow as a pure function: given its input it starts, given its state and a signal it decides.
/// No I/O, no clock (time comes as <c>now</c>), no unseeded randomness, so every runtime (Durable Functions in Azure,
/// the Table+Queue runtime locally) can replay it and gets the same decisions.
/// </summary>
/// <typeparam name="TInput">What starts it.</typeparam>
/// <typeparam name="TState">What it remembers.</typeparam>
public interface IDecider<in TInput, TState>
{
    /// <summary>The workflow type's name, e.g. <c>consent-drive</c>.</summary>
    string WorkflowType { get; }

    /// <summary>What is wrong with an input (empty when it may start).</summary>
    IReadOnlyList<string> Validate(TInput input);

    /// <summary>Starts a workflow.</summary>
    Decision<TState> Start(TInput input, DateTimeOffset now);

    /// <summary>Decides what to do about a signal.</summary>
    Decision<TState> Decide(TState state, WorkflowSignal signal, DateTimeOffset now);
}
