using System.Text.Json;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Workflows;

namespace Engagement.Core.Tests.ConsentDrives;

/// <summary>
/// Plays a workflow runtime around the decider: runs each decision's commands (by default against a
/// <see cref="SimulatedPopulation"/>), feeds their answers back one by one, then moves the clock to the wake-up time.
/// Every signal and decision is logged so a test can replay them.
/// </summary>
internal sealed class DriveRun
{
    private readonly Queue<WorkflowSignal> _inbox = new();
    private readonly Func<WorkflowCommand, WorkflowSignal> _execute;

    private DriveRun(ConsentDriveInput input, DateTimeOffset now, Func<WorkflowCommand, WorkflowSignal> execute)
    {
        _execute = execute;
        Now = now;
        var decision = Decider.Start(input, now);
        Log.Add(new Turn(now, null, decision));
        Apply(decision);
    }

    /// <summary>The decider under test.</summary>
    public ConsentDrive Decider { get; } = new();

    /// <summary>The clock.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>Every decision with the signal that led to it (null for the start) and when.</summary>
    public List<Turn> Log { get; } = [];

    /// <summary>The state after the last decision.</summary>
    public ConsentDriveState State => Last.State;

    /// <summary>The last decision.</summary>
    public Decision<ConsentDriveState> Last => Log[^1].Decision;

    /// <summary>Every command issued, in order.</summary>
    public IEnumerable<WorkflowCommand> Commands => Log.SelectMany(t => t.Decision.Commands);

    /// <summary>
    /// Starts a drive whose commands run against <paramref name="population"/>; <paramref name="fails"/> may make a
    /// command fail (answer its error) instead of running.
    /// </summary>
    public static DriveRun Against(SimulatedPopulation population, ConsentDriveInput input, Func<WorkflowCommand, string?>? fails = null)
    {
        var run = new DriveRun(input, input.StartsAt, command =>
            fails?.Invoke(command) is { } error
                ? new WorkflowSignal.CommandFailed(command.Id, error)
                : new WorkflowSignal.CommandCompleted(command.Id, population.Run(command)));
        run.Drain();
        return run;
    }

    /// <summary>Starts a drive whose commands are answered by <paramref name="answer"/>.</summary>
    public static DriveRun Answering(ConsentDriveInput input, DateTimeOffset now, Func<WorkflowCommand, WorkflowSignal> answer)
    {
        var run = new DriveRun(input, now, answer);
        run.Drain();
        return run;
    }

    /// <summary>Sends a signal now and runs whatever follows from it.</summary>
    public Decision<ConsentDriveState> Send(WorkflowSignal signal)
    {
        var decision = Decider.Decide(State, signal, Now);
        Log.Add(new Turn(Now, signal, decision));
        Apply(decision);
        Drain();
        return decision;
    }

    /// <summary>Lets time pass to the wake-up the last decision asked for (calling <paramref name="between"/> first), and wakes the drive.</summary>
    public void Sleep(Action? between = null)
    {
        var wake = Last.WakeAt ?? throw new InvalidOperationException("The drive asked for no wake-up.");
        between?.Invoke();
        Now = wake;
        Send(new WorkflowSignal.Woke(wake));
    }

    /// <summary>Moves the clock without waking the drive.</summary>
    public void Wait(TimeSpan time) => Now += time;

    /// <summary>Sleeps review after review until the drive completes (or <paramref name="reviews"/> pass).</summary>
    public void RunToEnd(Action? eachPeriod = null, int reviews = 1000)
    {
        for (var i = 0; i < reviews && !Last.Completed; i++)
        {
            Sleep(eachPeriod);
        }
    }

    /// <summary>Every decision as JSON, to compare runs.</summary>
    public IReadOnlyList<string> DecisionsAsJson() => Log.Select(t => JsonSerializer.Serialize(t.Decision, WorkflowJson.Options)).ToList();

    private void Apply(Decision<ConsentDriveState> decision)
    {
        foreach (var command in decision.Commands)
        {
            _inbox.Enqueue(_execute(command));
        }
    }

    private void Drain()
    {
        while (_inbox.Count > 0 && !Last.Completed)
        {
            var signal = _inbox.Dequeue();
            var decision = Decider.Decide(State, signal, Now);
            Log.Add(new Turn(Now, signal, decision));
            Apply(decision);
        }

        _inbox.Clear();
    }

    /// <summary>One decision: when, on which signal (null: the start), and what.</summary>
    internal sealed record Turn(DateTimeOffset At, WorkflowSignal? Signal, Decision<ConsentDriveState> Decision);
}
