using System.Text.Json;
using Engagement.Core.Triggers;
using Engagement.Core.Workflows;

namespace Engagement.Core.Tests.Triggers;

public sealed class TriggeredEmailTests
{
    private static readonly DateTimeOffset CartAt = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly TriggerDefinition Cart = new("cart", "Cart reminder", TriggerKind.AbandonedCart, "cart-template", AbandonedCart: new AbandonedCartSettings(WaitHours: 4));
    private readonly TriggeredEmail _decider = new();

    [Fact]
    public void AStartedRunWaitsUntilTheWaitIsOver()
    {
        var decision = _decider.Start(Input(), CartAt);

        Assert.Equal(TriggerRunPhase.Waiting, decision.State.Phase);
        Assert.Equal(CartAt.AddHours(4), decision.WakeAt);
        Assert.Empty(decision.Commands);
        Assert.False(decision.Completed);
    }

    [Fact]
    public void WakingWhenDueIssuesOneSendWithAStableId()
    {
        var state = _decider.Start(Input(), CartAt).State;

        var decision = _decider.Decide(state, new WorkflowSignal.Woke(CartAt.AddHours(4)), CartAt.AddHours(4));

        var send = Assert.Single(decision.Commands);
        Assert.Equal(TriggeredEmail.SendCommandId, send.Id);
        Assert.Equal(TriggeredEmail.SendActivity, send.Activity);
        var input = WorkflowJson.Read<TriggerSendInput>(send.Input);
        Assert.Equal(new TriggerSendInput("cart", "subject1", Input().Step), input);
        Assert.Equal(TriggerRunPhase.Sending, decision.State.Phase);
        Assert.Null(decision.WakeAt);
    }

    [Fact]
    public void AnEarlyWakeUpKeepsWaitingForTheSameTime()
    {
        var state = _decider.Start(Input(), CartAt).State;

        var decision = _decider.Decide(state, new WorkflowSignal.Woke(CartAt.AddHours(1)), CartAt.AddHours(1));

        Assert.Empty(decision.Commands);
        Assert.Equal(CartAt.AddHours(4), decision.WakeAt);
    }

    [Fact]
    public void TheAwaitedEventWhileWaitingCompletesTheRunCancelledAndSendsNothing()
    {
        var state = _decider.Start(Input(), CartAt).State;

        var decision = _decider.Decide(state, Event(TriggeredEmail.AwaitedEvent, CartAt.AddHours(1)), CartAt.AddHours(1));

        Assert.True(decision.Completed);
        Assert.Equal(TriggerRunOutcome.Cancelled, decision.State.Outcome);
        var record = Assert.Single(decision.Commands);
        Assert.Equal(TriggeredEmail.RecordActivity, record.Activity);
        Assert.Equal(TriggerRunOutcome.Cancelled, WorkflowJson.Read<TriggerRunRecord>(record.Input).Outcome);
        Assert.DoesNotContain(decision.Commands, c => c.Activity == TriggeredEmail.SendActivity);
    }

    [Fact]
    public void AnAwaitedEventOlderThanTheRunDoesNotCancelIt()
    {
        var state = _decider.Start(Input(), CartAt).State;

        var decision = _decider.Decide(state, Event(TriggeredEmail.AwaitedEvent, CartAt.AddHours(-2)), CartAt.AddHours(1));

        Assert.False(decision.Completed);
        Assert.Equal(CartAt.AddHours(4), decision.WakeAt);
    }

    [Fact]
    public void AnotherStartEventWhileWaitingMovesTheWait()
    {
        var state = _decider.Start(Input(), CartAt).State;

        var decision = _decider.Decide(state, Event(TriggeredEmail.RestartEvent, CartAt.AddHours(2)), CartAt.AddHours(2));

        Assert.Equal(CartAt.AddHours(6), decision.WakeAt);
        Assert.Equal(1, decision.State.Restarts);
        Assert.Empty(decision.Commands);
    }

    [Fact]
    public void AStartEventNoNewerThanTheLatestChangesNothing()
    {
        var state = _decider.Start(Input(), CartAt).State;
        state = _decider.Decide(state, Event(TriggeredEmail.RestartEvent, CartAt.AddHours(2)), CartAt.AddHours(2)).State;

        var repeated = _decider.Decide(state, Event(TriggeredEmail.RestartEvent, CartAt.AddHours(2)), CartAt.AddHours(3));
        var older = _decider.Decide(state, Event(TriggeredEmail.RestartEvent, CartAt.AddHours(1)), CartAt.AddHours(3));

        Assert.Equal(state, repeated.State);
        Assert.Equal(state, older.State);
        Assert.Equal(CartAt.AddHours(6), repeated.WakeAt);
    }

    [Theory]
    [InlineData(TriggerRunOutcome.Sent, null)]
    [InlineData(TriggerRunOutcome.Excluded, "consent-missing")]
    [InlineData(TriggerRunOutcome.Failed, "550 mailbox unavailable")]
    public void TheSendsAnswerIsTheOutcome(TriggerRunOutcome outcome, string? reason)
    {
        var sending = Sending();

        var decision = _decider.Decide(sending, new WorkflowSignal.CommandCompleted(TriggeredEmail.SendCommandId, WorkflowJson.Write(new TriggerSendResult(outcome, reason))), CartAt.AddHours(4));

        Assert.True(decision.Completed);
        Assert.Equal(outcome, decision.State.Outcome);
        Assert.Equal(reason, decision.State.Reason);
        Assert.Equal(outcome, WorkflowJson.Read<TriggerRunRecord>(Assert.Single(decision.Commands).Input).Outcome);
    }

    [Fact]
    public void ASendThatFailedEveryAttemptEndsFailed()
    {
        var decision = _decider.Decide(Sending(), new WorkflowSignal.CommandFailed(TriggeredEmail.SendCommandId, "relay down"), CartAt.AddHours(5));

        Assert.True(decision.Completed);
        Assert.Equal(TriggerRunOutcome.Failed, decision.State.Outcome);
        Assert.Equal("relay down", decision.State.Reason);
    }

    [Fact]
    public void EventsAfterTheSendWentOutChangeNothing()
    {
        var sending = Sending();

        var awaited = _decider.Decide(sending, Event(TriggeredEmail.AwaitedEvent, CartAt.AddHours(5)), CartAt.AddHours(5));
        var restart = _decider.Decide(sending, Event(TriggeredEmail.RestartEvent, CartAt.AddHours(5)), CartAt.AddHours(5));
        var woke = _decider.Decide(sending, new WorkflowSignal.Woke(CartAt.AddHours(4)), CartAt.AddHours(5));

        foreach (var decision in new[] { awaited, restart, woke })
        {
            Assert.False(decision.Completed);
            Assert.Empty(decision.Commands);
            Assert.Equal(sending, decision.State);
        }
    }

    [Fact]
    public void CancellingARunRecordsItCancelled()
    {
        var state = _decider.Start(Input(), CartAt).State;

        var decision = _decider.Decide(state, new WorkflowSignal.Cancelled("trigger disabled"), CartAt.AddHours(1));

        Assert.True(decision.Completed);
        Assert.Equal(TriggerRunOutcome.Cancelled, decision.State.Outcome);
        Assert.Equal(TriggeredEmail.RecordCommandId, Assert.Single(decision.Commands).Id);
    }

    [Fact]
    public void ReplayingTheSameSignalsGivesTheSameDecisions()
    {
        WorkflowSignal[] signals =
        [
            Event(TriggeredEmail.RestartEvent, CartAt.AddHours(1)),
            new WorkflowSignal.Woke(CartAt.AddHours(4)),
            new WorkflowSignal.Woke(CartAt.AddHours(5)),
            new WorkflowSignal.CommandCompleted(TriggeredEmail.SendCommandId, WorkflowJson.Write(new TriggerSendResult(TriggerRunOutcome.Sent))),
        ];

        string Play()
        {
            var decision = _decider.Start(Input(), CartAt);
            var log = new List<string> { JsonSerializer.Serialize(decision, WorkflowJson.Options) };
            var now = CartAt;
            foreach (var signal in signals)
            {
                now = now.AddHours(1);
                decision = _decider.Decide(decision.State, signal, now);
                log.Add(JsonSerializer.Serialize(decision, WorkflowJson.Options));
            }

            return string.Join('\n', log);
        }

        var first = Play();
        Assert.Equal(first, Play());
        Assert.Contains("\"outcome\":\"sent\"", first, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownEventIsIgnored()
    {
        var state = _decider.Start(Input(), CartAt).State;

        var decision = _decider.Decide(state, Event("pause", CartAt), CartAt);

        Assert.Equal(state, decision.State);
        Assert.Equal(CartAt.AddHours(4), decision.WakeAt);
    }

    [Fact]
    public void AnInputWithABadSubjectKeyIsRefused()
    {
        Assert.NotEmpty(_decider.Validate(Input() with { SubjectKey = "a|b" }));
        Assert.Empty(_decider.Validate(Input()));
    }

    [Fact]
    public void RunIdsAreTheSameForTheSameStartAndDifferPerKindRule()
    {
        var welcome = new TriggerDefinition("hello", "Welcome", TriggerKind.Welcome, "t", Welcome: new WelcomeSettings(30));
        var intent = new TriggerDefinition("buyers", "Buyers", TriggerKind.Intent, "t", Intent: new IntentSettings("order", 0.5));

        Assert.Equal(TriggerRuns.Input(Cart, "s", "m1", CartAt), TriggerRuns.Input(Cart, "s", "m1", CartAt));
        Assert.NotEqual(TriggerRuns.Step(Cart, "m1", CartAt), TriggerRuns.Step(Cart, "m2", CartAt));
        Assert.Equal(TriggerRuns.Step(welcome, "m1", CartAt), TriggerRuns.Step(welcome, "m2", CartAt.AddDays(9)));
        Assert.Equal(CartAt.AddMinutes(30), TriggerRuns.DueAt(welcome, CartAt));
        Assert.Equal("i20261122", TriggerRuns.Step(intent, "x", CartAt));
        Assert.True(TriggerRuns.InstanceId(new string('a', 40), TriggerRuns.Step(Cart, "m", CartAt), new string('f', 32)).Length <= 100);
    }

    [Fact]
    public void ARunDueLongerAgoThanADayIsStale()
    {
        var input = Input();

        Assert.False(TriggerRuns.IsStale(input, input.DueAt));
        Assert.False(TriggerRuns.IsStale(input, input.DueAt.AddHours(23)));
        Assert.True(TriggerRuns.IsStale(input, input.DueAt.AddDays(2)));
    }

    private static TriggeredEmailInput Input() => TriggerRuns.Input(Cart, "subject1", "msg-1", CartAt);

    private TriggeredEmailState Sending()
    {
        var state = _decider.Start(Input(), CartAt).State;
        return _decider.Decide(state, new WorkflowSignal.Woke(CartAt.AddHours(4)), CartAt.AddHours(4)).State;
    }

    private static WorkflowSignal.External Event(string name, DateTimeOffset at) => new(name, WorkflowJson.Write(new TriggerEventPayload(at)));
}
