using System.Text.Json;
using Engagement.Core.Campaigns;
using Engagement.Core.Workflows;

namespace Engagement.Core.Tests.Campaigns;

/// <summary>
/// Plays a workflow runtime around the campaign decider with a fake clock: runs each decision's commands against a
/// <see cref="SimulatedAudience"/> (or an answer function), feeds their answers back one by one, then moves the clock
/// to the wake-up time. Every signal and decision is logged so a test can replay them.
/// </summary>
internal sealed class CampaignRun
{
    private readonly Queue<WorkflowSignal> _inbox = new();
    private readonly Func<WorkflowCommand, DateTimeOffset, WorkflowSignal?> _execute;

    private CampaignRun(CampaignInput input, DateTimeOffset now, Func<WorkflowCommand, DateTimeOffset, WorkflowSignal?> execute)
    {
        _execute = execute;
        Now = now;
        var decision = Decider.Start(input, now);
        Log.Add(new Turn(now, null, decision));
        Apply(decision);
        Drain();
    }

    public CampaignDecider Decider { get; } = new();

    public DateTimeOffset Now { get; private set; }

    public List<Turn> Log { get; } = [];

    public CampaignState State => Last.State;

    public Decision<CampaignState> Last => Log[^1].Decision;

    public IEnumerable<WorkflowCommand> Commands => Log.SelectMany(t => t.Decision.Commands);

    /// <summary>Commands held back (not answered yet) by a <c>hold</c> rule.</summary>
    public List<WorkflowCommand> Held { get; } = [];

    /// <summary>
    /// Starts a campaign whose commands run against <paramref name="audience"/>; <paramref name="fails"/> may make a run
    /// fail instead (its error), <paramref name="hold"/> may keep a command unanswered (in <see cref="Held"/>).
    /// </summary>
    public static CampaignRun Against(SimulatedAudience audience, CampaignInput input, DateTimeOffset now, Func<WorkflowCommand, string?>? fails = null, Func<WorkflowCommand, bool>? hold = null)
    {
        var held = new List<WorkflowCommand>();
        var run = new CampaignRun(input, now, (command, at) =>
        {
            if (hold?.Invoke(command) == true)
            {
                held.Add(command);
                return null;
            }

            return fails?.Invoke(command) is { } error
                ? new WorkflowSignal.CommandFailed(command.Id, error)
                : new WorkflowSignal.CommandCompleted(command.Id, audience.Run(command, at));
        });
        run.Held.AddRange(held);
        return run;
    }

    /// <summary>Starts a campaign whose commands are answered by <paramref name="answer"/> (the answer object is written as JSON).</summary>
    public static CampaignRun Answering(CampaignInput input, DateTimeOffset now, Func<WorkflowCommand, DateTimeOffset, object> answer) =>
        new(input, now, (command, at) => command.Activity == CampaignActivities.Report
            ? new WorkflowSignal.CommandCompleted(command.Id, WorkflowJson.Write(new { }))
            : new WorkflowSignal.CommandCompleted(command.Id, JsonSerializer.SerializeToElement(answer(command, at), answer(command, at).GetType(), WorkflowJson.Options)));

    /// <summary>Sends a signal now and runs whatever follows.</summary>
    public Decision<CampaignState> Send(WorkflowSignal signal)
    {
        var decision = Decider.Decide(State, signal, Now);
        Log.Add(new Turn(Now, signal, decision));
        Apply(decision);
        Drain();
        return decision;
    }

    /// <summary>Moves the clock to the wake-up the last decision asked for and wakes the campaign.</summary>
    public void Sleep()
    {
        var wake = Last.WakeAt ?? throw new InvalidOperationException("The campaign asked for no wake-up.");
        Now = wake > Now ? wake : Now;
        Send(new WorkflowSignal.Woke(wake));
    }

    /// <summary>Sleeps until the campaign is over, or <paramref name="until"/> says stop.</summary>
    public void RunToEnd(Func<CampaignRun, bool>? until = null, int wakes = 10_000)
    {
        for (var i = 0; i < wakes && !Last.Completed && until?.Invoke(this) != true; i++)
        {
            Sleep();
        }
    }

    /// <summary>Moves the clock without waking the campaign.</summary>
    public void Wait(TimeSpan time) => Now += time;

    public IReadOnlyList<string> DecisionsAsJson() => Log.Select(t => JsonSerializer.Serialize(t.Decision, WorkflowJson.Options)).ToList();

    /// <summary>When the command with <paramref name="id"/> was first issued.</summary>
    public DateTimeOffset IssuedAt(string id) => Log.First(t => t.Decision.Commands.Any(c => c.Id == id)).At;

    private void Apply(Decision<CampaignState> decision)
    {
        foreach (var command in decision.Commands)
        {
            if (_execute(command, Now) is { } signal)
            {
                _inbox.Enqueue(signal);
            }
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

    internal sealed record Turn(DateTimeOffset At, WorkflowSignal? Signal, Decision<CampaignState> Decision);
}
