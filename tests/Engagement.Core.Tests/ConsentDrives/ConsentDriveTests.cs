using System.Text.Json;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Workflows;
using static Engagement.Core.Tests.ConsentDrives.DriveInputBuilder;

namespace Engagement.Core.Tests.ConsentDrives;

public sealed class ConsentDriveTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public void FormDisplaysShiftToTheVariantThatConvertsClearlyBetter()
    {
        var population = Population(5000);
        var run = DriveRun.Against(population, Drive(target: 0.95, channels: [Forms()]));

        run.RunToEnd(population.LivePeriod);

        var allocations = Allocations(run).Where(a => a.Variants.Any(v => v.Displays > 0)).ToList();
        Assert.True(allocations.Count >= 25, $"{allocations.Count} allocations");
        Assert.InRange(Share(allocations[0], "page-b"), 0.3, 0.7);
        Assert.All(allocations.TakeLast(10), a => Assert.True(Share(a, "page-b") > 0.95, $"allocation {a.Number} gives page-b {Share(a, "page-b"):P1}"));
        var variants = run.State.Variants.ToDictionary(v => v.Variant);
        Assert.True(variants["page-b"].Displays > 5 * variants["popup-a"].Displays, $"page-b {variants["page-b"].Displays} vs popup-a {variants["popup-a"].Displays} displays");
        Assert.All(allocations, a => Assert.InRange(a.Variants.Sum(v => v.Displays), 1, 5000));
    }

    [Fact]
    public void FormAllocationsStayWithinTheCapsAndTheChannelsDisplayLimit()
    {
        var population = Population(2000);
        var forms = Forms() with { BatchSize = 300 };
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 10, channels: [forms]));

        run.RunToEnd(population.LivePeriod);

        var allocations = Allocations(run).Where(a => a.Variants.Any(v => v.Displays > 0)).ToList();
        Assert.NotEmpty(allocations);
        Assert.All(allocations, a =>
        {
            Assert.Equal(300, a.Variants.Sum(v => v.Displays));
            Assert.Equal(new DisplayCaps(1, 4), a.Caps);
            Assert.Equal(1, a.Variants.Sum(v => v.Share), 6);
        });
    }

    [Fact]
    public void ALaggingDriveEscalatesChannelByChannelInPlanOrderOnePerReview()
    {
        var population = Population(5000);
        var run = DriveRun.Against(population, Drive(target: 0.9));

        run.RunToEnd(population.LivePeriod);

        var escalations = run.State.Escalations;
        Assert.Equal([DriveChannel.Email, DriveChannel.Sms, DriveChannel.CallCentre], escalations.Select(e => e.Channel));
        Assert.Equal(escalations.Count, escalations.Select(e => e.At).Distinct().Count());
        Assert.All(escalations, e => Assert.True(e.Planned - e.Share > 0.02, e.Reason));
        Assert.All(escalations, e => Assert.Contains("behind the plan", e.Reason, StringComparison.Ordinal));
        var formsOpened = run.State.Channels.Single(c => c.Channel == DriveChannel.WebForm).OpenedAt;
        Assert.Equal(Start, formsOpened);
    }

    [Fact]
    public void ADriveOnPlanDoesNotEscalate()
    {
        var population = Population(2000);
        population.VariantRates["popup-a"] = 0.5;
        population.VariantRates["page-b"] = 0.5;
        population.PortalVisitRate = 0.5;
        var run = DriveRun.Against(population, Drive(target: 0.9, days: 10));

        run.RunToEnd(population.LivePeriod);

        Assert.Empty(run.State.Escalations);
        Assert.DoesNotContain(run.Commands, c => c.Activity is ConsentDriveActivities.SendWave or ConsentDriveActivities.CallList);
    }

    [Fact]
    public void EscalationWaitsForTheNextChannelsEarliestStartAndSkipsNoChannel()
    {
        var population = Population(5000);
        var emailFrom = Start + (10 * Day);
        var run = DriveRun.Against(population, Drive(target: 0.9, channels: [Forms(), Email(notBefore: emailFrom), Sms()]));

        run.RunToEnd(population.LivePeriod);

        var escalations = run.State.Escalations;
        Assert.Equal(DriveChannel.Email, escalations[0].Channel);
        Assert.Equal(emailFrom, escalations[0].At);
        Assert.True(escalations.Count < 2 || escalations[1].At > emailFrom);
        Assert.Contains(run.Log, t => t.At < emailFrom && t.Decision.Note.Contains("email, next in the plan, may not open before 2026-03-11", StringComparison.Ordinal));
        Assert.All(run.Commands.Where(c => c.Id.StartsWith("wave-", StringComparison.Ordinal)), c => Assert.True(Issued(run, c.Id) >= emailFrom, c.Id));
    }

    [Fact]
    public void TheFirstChannelOpensAtItsEarliestStartWithoutAnEscalation()
    {
        var population = Population(1000);
        var opens = Start + (3 * Day);
        var run = DriveRun.Against(population, Drive(target: 0.9, days: 10, channels: [Forms() with { NotBefore = opens }], tolerance: 0.99));

        run.RunToEnd(population.LivePeriod);

        Assert.Equal(opens, run.State.Channels[0].OpenedAt);
        Assert.Empty(run.State.Escalations);
        Assert.Equal(opens, Issued(run, ConsentDrive.AllocationCommandId(1)));
    }

    [Fact]
    public void WavesGoOutInBatchesOnlyToTheNotYetAskedAndStopWhenNoneRemain()
    {
        var population = Population(1000);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 12, channels: [Email(batch: 300, waves: 50)]));

        run.RunToEnd();

        var waves = run.Commands.Where(c => c.Activity == ConsentDriveActivities.SendWave).Select(c => WorkflowJson.Read<OutreachBatch>(c.Input)).ToList();
        var reachable = population.Reachable(DriveChannel.Email);
        Assert.Equal((int)Math.Ceiling(reachable / 300.0), waves.Count);
        Assert.Equal(Enumerable.Range(1, waves.Count), waves.Select(w => w.Wave));
        Assert.All(waves, w => Assert.Equal(300, w.BatchSize));
        Assert.Null(waves[0].Cursor);
        Assert.Empty(population.CursorMismatches);
        var asked = population.AskedOver[DriveChannel.Email];
        Assert.Equal(asked.Count, asked.Distinct().Count());
        Assert.Equal(reachable, asked.Count);
        Assert.Equal(DriveOutcome.DeadlinePassed, run.State.Outcome);
        Assert.Contains(run.Log, t => t.Decision.Note.Contains("email: nobody left to ask", StringComparison.Ordinal));
        var email = ConsentDriveReport.Of(run.State).Channels.Single();
        Assert.Equal(DriveChannelStanding.Done, email.Standing);
        Assert.Equal(reachable, email.Contacted);
    }

    [Fact]
    public void WavesStopAfterTheLastPlannedWave()
    {
        var population = Population(2000);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 10, channels: [Sms(batch: 100, waves: 3)]));

        run.RunToEnd();

        Assert.Equal(["wave-sms-1", "wave-sms-2", "wave-sms-3"], run.Commands.Where(c => c.Activity == ConsentDriveActivities.SendWave).Select(c => c.Id));
        Assert.Equal(300, population.AskedOver[DriveChannel.Sms].Count);
    }

    [Fact]
    public void CallCentreAndStoreGetListsOneAtATime()
    {
        var population = Population(1000);
        var store = new DriveChannelPlan(DriveChannel.Store, null, 50, 2);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 6, channels: [CallCentre(batch: 100, lists: 2), store], tolerance: 0));

        run.RunToEnd();

        var lists = run.Commands.Where(c => c.Activity == ConsentDriveActivities.CallList).Select(c => c.Id).ToList();
        Assert.Equal(["list-call-centre-1", "list-call-centre-2", "list-store-1", "list-store-2"], lists.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(run.Commands, c => c.Activity == ConsentDriveActivities.SendWave);
        Assert.Equal(lists.Count, lists.Distinct().Count());
    }

    [Fact]
    public void TheReactivationWaveForContactsOfUnknownProvenanceRunsOnce()
    {
        var population = Population(2000);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 10));

        run.RunToEnd(population.LivePeriod);

        var reactivations = run.Commands.Where(c => c.Activity == ConsentDriveActivities.Reactivate).ToList();
        var command = Assert.Single(reactivations);
        Assert.Equal(ConsentDrive.ReactivateCommandId, command.Id);
        var input = WorkflowJson.Read<Reactivation>(command.Input);
        Assert.Equal([DriveChannel.Email, DriveChannel.Sms], input.Channels);
        Assert.True(input.Contacts > 0);
        Assert.Equal(1, population.ReactivationsSent);
        Assert.Equal(ReactivationStatus.Done, run.State.Reactivation.Status);
        Assert.Equal(input.Contacts, run.State.Reactivation.Result!.ByEmail + run.State.Reactivation.Result.BySms + run.State.Reactivation.Result.Unreachable);
    }

    [Fact]
    public void NoReactivationWhenSwitchedOffOrNobodyHasUnknownProvenance()
    {
        var noUnknown = new SimulatedPopulation(500, seed: 3, unknownShare: 0);
        var off = Population(500);
        var runWithout = DriveRun.Against(noUnknown, Drive(target: 0.95, days: 3));
        var runOff = DriveRun.Against(off, Drive(target: 0.95, days: 3) with { ReactivateUnknownProvenance = false });

        runWithout.RunToEnd();
        runOff.RunToEnd();

        Assert.DoesNotContain(runWithout.Commands, c => c.Activity == ConsentDriveActivities.Reactivate);
        Assert.DoesNotContain(runOff.Commands, c => c.Activity == ConsentDriveActivities.Reactivate);
        Assert.True(runOff.State.UnknownProvenance > 0);
    }

    [Fact]
    public void TheDriveStopsWhenTheTargetIsReachedAndStopsShowingForms()
    {
        var population = Population(2000);
        var run = DriveRun.Against(population, Drive(target: 0.05));

        run.RunToEnd(population.LivePeriod);

        Assert.True(run.Last.Completed);
        Assert.Equal(DriveOutcome.TargetReached, run.State.Outcome);
        Assert.True(run.Now < run.State.Deadline);
        Assert.True(run.State.Share >= 0.05);
        Assert.Contains("target reached", run.Last.Note, StringComparison.Ordinal);
        var stop = WorkflowJson.Read<FormAllocation>(Assert.Single(run.Last.Commands, c => c.Activity == ConsentDriveActivities.AllocateForms).Input);
        Assert.All(stop.Variants, v => Assert.Equal(0, v.Displays));
        Assert.Null(run.Last.WakeAt);
    }

    [Fact]
    public void TheDriveStopsAtTheDeadline()
    {
        var population = Population(1000);
        var run = DriveRun.Against(population, Drive(target: 0.99, days: 10));

        run.RunToEnd(population.LivePeriod);

        Assert.True(run.Last.Completed);
        Assert.Equal(DriveOutcome.DeadlinePassed, run.State.Outcome);
        Assert.Equal(Start + (10 * Day), run.Now);
        Assert.Equal(11, run.State.Progress.Count);
        Assert.Equal(Start + (10 * Day), run.State.Progress[^1].At);
        Assert.Equal(0.99, run.State.Progress[^1].Planned, 6);
    }

    [Fact]
    public void TheSameSignalsReplayedMakeIdenticalDecisionsAndCommands()
    {
        var population = Population(3000);
        var input = Drive(target: 0.9, seed: 42);
        var run = DriveRun.Against(population, input);
        run.RunToEnd(population.LivePeriod);

        var decider = new ConsentDrive();
        var replayed = new List<string> { JsonSerializer.Serialize(decider.Start(input, run.Log[0].At), WorkflowJson.Options) };
        var state = decider.Start(input, run.Log[0].At).State;
        foreach (var turn in run.Log.Skip(1))
        {
            var decision = decider.Decide(state, turn.Signal!, turn.At);
            replayed.Add(JsonSerializer.Serialize(decision, WorkflowJson.Options));
            state = decision.State;
        }

        Assert.Equal(run.DecisionsAsJson(), replayed);
        Assert.True(run.Log.Count > 100);
    }

    [Fact]
    public void TheSameInputAndPopulationRunTwiceMakeTheSameDecisions()
    {
        var first = Population(2000);
        var second = Population(2000);
        var a = DriveRun.Against(first, Drive(target: 0.9, days: 15, seed: 5));
        var b = DriveRun.Against(second, Drive(target: 0.9, days: 15, seed: 5));

        a.RunToEnd(first.LivePeriod);
        b.RunToEnd(second.LivePeriod);

        Assert.Equal(a.DecisionsAsJson(), b.DecisionsAsJson());
    }

    [Fact]
    public void TheStateSurvivesAJsonRoundTripMidDrive()
    {
        var population = Population(2000);
        var run = DriveRun.Against(population, Drive(target: 0.9, days: 20));
        for (var i = 0; i < 8; i++)
        {
            run.Sleep(population.LivePeriod);
        }

        var stored = JsonSerializer.Deserialize<ConsentDriveState>(JsonSerializer.Serialize(run.State, WorkflowJson.Options), WorkflowJson.Options)!;
        var wake = new WorkflowSignal.Woke(run.Last.WakeAt!.Value);
        var fromMemory = run.Decider.Decide(run.State, wake, wake.ScheduledFor);
        var fromStore = run.Decider.Decide(stored, wake, wake.ScheduledFor);

        Assert.Equal(JsonSerializer.Serialize(fromMemory, WorkflowJson.Options), JsonSerializer.Serialize(fromStore, WorkflowJson.Options));
        Assert.Equal(JsonSerializer.Serialize(run.State, WorkflowJson.Options), JsonSerializer.Serialize(stored, WorkflowJson.Options));
    }

    [Fact]
    public void ACompressedCadenceMakesTheSameDecisionsInSeconds()
    {
        var daily = Population(2000);
        var fast = Population(2000);
        var byDay = DriveRun.Against(daily, Drive(target: 0.9, days: 20));
        var bySeconds = DriveRun.Against(fast, Drive(target: 0.9, days: 20, reviewEvery: TimeSpan.FromSeconds(5)));

        byDay.RunToEnd(daily.LivePeriod);
        bySeconds.RunToEnd(fast.LivePeriod);

        Assert.Equal(Start + TimeSpan.FromSeconds(100), bySeconds.Now);
        Assert.Equal(DriveOutcome.DeadlinePassed, bySeconds.State.Outcome);
        Assert.Equal(byDay.Commands.Select(c => c.Id), bySeconds.Commands.Select(c => c.Id));
        Assert.Equal(Allocations(byDay).Select(a => a.Variants.Select(v => v.Displays).ToList()), Allocations(bySeconds).Select(a => a.Variants.Select(v => v.Displays).ToList()));
        Assert.Equal(byDay.State.Escalations.Select(e => e.Channel), bySeconds.State.Escalations.Select(e => e.Channel));
    }

    [Fact]
    public void AFailedCommandRunsAgainWithTheSameIdAndInputAtTheNextReview()
    {
        var population = Population(1000);
        var failures = 0;
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 10, channels: [Email(batch: 100)]), c => c.Id == "wave-email-2" && failures++ < 1 ? "SMTP relay unavailable" : null);

        run.RunToEnd();

        var issued = run.Log.SelectMany(t => t.Decision.Commands.Select(c => (t.At, Command: c))).Where(x => x.Command.Id == "wave-email-2").ToList();
        Assert.Equal(2, issued.Count);
        Assert.Equal(issued[0].At + Day, issued[1].At);
        Assert.Equal(issued[0].Command.Input.GetRawText(), issued[1].Command.Input.GetRawText());
        Assert.Contains(run.Log, t => t.Decision.Note.Contains("wave-email-2 failed (attempt 1 of 3): SMTP relay unavailable; it runs again at the next review", StringComparison.Ordinal));
        Assert.Contains(run.Log, t => t.Decision.Note.Contains("running wave-email-2 again (attempt 2 of 3)", StringComparison.Ordinal));
        Assert.Contains(run.Commands, c => c.Id == "wave-email-3");
        Assert.Empty(run.State.GivenUp);
        Assert.Empty(population.CursorMismatches);
    }

    [Fact]
    public void AWaveThatFailsEveryAttemptIsGivenUpAndItsChannelSendsNoMore()
    {
        var population = Population(1000);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 10, channels: [Email(batch: 100), Sms()], maxAttempts: 3), c => c.Id == "wave-email-1" ? "SMTP relay unavailable" : null);

        run.RunToEnd();

        Assert.Equal(3, run.Commands.Count(c => c.Id == "wave-email-1"));
        Assert.DoesNotContain(run.Commands, c => c.Id == "wave-email-2");
        var given = Assert.Single(run.State.GivenUp);
        Assert.Equal(("wave-email-1", 3, "SMTP relay unavailable"), (given.CommandId, given.Attempts, given.Error));
        Assert.True(run.State.Channels.Single(c => c.Channel == DriveChannel.Email).GaveUp);
        Assert.Contains(run.Log, t => t.Decision.Note.Contains("gave up on wave-email-1 after 3 attempts: SMTP relay unavailable", StringComparison.Ordinal));
        Assert.Equal(DriveChannelStanding.GaveUp, ConsentDriveReport.Of(run.State).Channels[0].Standing);
    }

    [Fact]
    public void AMeasurementThatFailsEveryAttemptIsGivenUpAndTheNextReviewMeasuresAfresh()
    {
        var population = Population(500);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 10, channels: [Forms()], maxAttempts: 2), c => c.Id == "measure-2" ? "storage timed out" : null);

        run.RunToEnd(population.LivePeriod);

        var measures = run.Commands.Where(c => c.Activity == ConsentDriveActivities.Measure).Select(c => c.Id).ToList();
        Assert.Equal(["measure-1", "measure-2", "measure-2", "measure-3", "measure-4"], measures.Take(5));
        Assert.Equal("measure-2", Assert.Single(run.State.GivenUp).CommandId);
        Assert.Equal(DriveOutcome.DeadlinePassed, run.State.Outcome);
    }

    [Fact]
    public void AnImpossibleMeasurementCountsAsAFailure()
    {
        var answers = 0;
        var run = DriveRun.Answering(Drive(channels: [Forms()]), Start, c => c.Activity == ConsentDriveActivities.Measure && answers++ == 0
            ? new WorkflowSignal.CommandCompleted(c.Id, WorkflowJson.Write(Measurement(audience: 100, optedIn: 150)))
            : new WorkflowSignal.CommandCompleted(c.Id, WorkflowJson.Write(Measurement(audience: 100, optedIn: 10))));

        Assert.Contains("measure-1 failed (attempt 1 of 3): unusable answer: more opted in (150) than in the audience (100)", run.Last.Note, StringComparison.Ordinal);
        Assert.Empty(run.State.Progress);

        run.Sleep();

        Assert.Single(run.State.Progress);
        Assert.Equal(0.1, run.State.Share);
    }

    [Fact]
    public void AnUnreadableAnswerCountsAsAFailure()
    {
        var run = DriveRun.Answering(Drive(channels: [Forms()]), Start, c => new WorkflowSignal.CommandCompleted(c.Id, JsonDocument.Parse("\"not a measurement\"").RootElement));

        Assert.Contains("measure-1 failed (attempt 1 of 3): unusable answer:", run.Last.Note, StringComparison.Ordinal);
        Assert.True(run.State.Pending.Single().AwaitingRetry);
    }

    [Fact]
    public void AMeasurementAnsweredWhilePausedIsRecordedButNothingIsSent()
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(), Start);
        var paused = decider.Decide(started.State, Event("pause", new PauseDrive("legal review")), Start + TimeSpan.FromMinutes(1));

        var measured = decider.Decide(paused.State, Completed("measure-1", Measurement(audience: 1000, optedIn: 0)), Start + TimeSpan.FromMinutes(2));

        Assert.Empty(measured.Commands);
        Assert.Single(measured.State.Progress);
        Assert.Equal(DriveStatus.Paused, measured.State.Status);
        Assert.Equal(measured.State.Deadline, measured.WakeAt);
        Assert.Contains("paused: nothing sent", measured.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void PauseStopsTheFormsUntilResumeWhichReviewsAtOnce()
    {
        var population = Population(1000);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 20, channels: [Forms()]));
        run.Sleep(population.LivePeriod);
        run.Wait(TimeSpan.FromHours(3));

        var paused = run.Send(Event("pause", new PauseDrive("legal review")));

        Assert.Equal(DriveStatus.Paused, run.State.Status);
        Assert.Equal("legal review", run.State.PausedBecause);
        Assert.Equal(run.State.Deadline, paused.WakeAt);
        var stop = WorkflowJson.Read<FormAllocation>(Assert.Single(paused.Commands).Input);
        Assert.All(stop.Variants, v => Assert.Equal(0, v.Displays));
        Assert.Contains("already paused; ignored", run.Send(Event("pause", new PauseDrive())).Note, StringComparison.Ordinal);

        run.Wait(3 * Day);
        var resumed = run.Send(Event("resume"));

        Assert.Equal(DriveStatus.Running, run.State.Status);
        Assert.Equal(ConsentDriveActivities.Measure, Assert.Single(resumed.Commands).Activity);
        Assert.Contains("resumed; reviewing now", resumed.Note, StringComparison.Ordinal);
        var after = WorkflowJson.Read<FormAllocation>(run.Commands.Last(c => c.Activity == ConsentDriveActivities.AllocateForms).Input);
        Assert.True(after.Variants.Sum(v => v.Displays) > 0);
        Assert.Contains("not paused; ignored", run.Send(Event("resume")).Note, StringComparison.Ordinal);
    }

    [Fact]
    public void APausedDriveStillStopsAtItsDeadline()
    {
        var population = Population(500);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 5, channels: [Forms()]));
        run.Send(Event("pause"));

        run.Sleep();

        Assert.True(run.Last.Completed);
        Assert.Equal(DriveOutcome.DeadlinePassed, run.State.Outcome);
        Assert.Contains("passed while paused", run.State.EndNote, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtendMovesTheDeadlineAndTheDriveRunsOnToIt()
    {
        var population = Population(500);
        var run = DriveRun.Against(population, Drive(target: 0.95, days: 5, channels: [Forms()]));
        var later = Start + (8 * Day);

        var extended = run.Send(Event("extend", new ExtendDeadline(later)));
        run.RunToEnd(population.LivePeriod);

        Assert.Contains("deadline moved from 2026-03-06 00:00:00Z to 2026-03-09 00:00:00Z", extended.Note, StringComparison.Ordinal);
        Assert.Equal(later, run.State.Deadline);
        Assert.Equal(later, run.Now);
        Assert.Equal(9, run.State.Progress.Count);
    }

    [Theory]
    [InlineData("{\"deadline\":\"2026-03-03T00:00:00Z\"}", "extend ignored: the new deadline 2026-03-03 00:00:00Z must be later than the current one")]
    [InlineData("{\"deadline\":\"soon\"}", "extend ignored: ")]
    [InlineData("null", "extend ignored: the event needs a payload")]
    public void AnInvalidExtendIsIgnoredWithANote(string payload, string note)
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(days: 5), Start);

        var decision = decider.Decide(started.State, new WorkflowSignal.External("extend", JsonDocument.Parse(payload).RootElement), Start);

        Assert.Contains(note, decision.Note, StringComparison.Ordinal);
        Assert.Equal(started.State.Deadline, decision.State.Deadline);
        Assert.Empty(decision.Commands);
        Assert.Equal(started.WakeAt, decision.WakeAt);
    }

    [Fact]
    public void ALowerTargetFinishesTheDriveAtTheNextReview()
    {
        var population = Population(2000);
        var run = DriveRun.Against(population, Drive(target: 0.9, days: 30));
        for (var i = 0; i < 5; i++)
        {
            run.Sleep(population.LivePeriod);
        }

        var share = run.State.Share!.Value;
        var changed = run.Send(Event("target", new ChangeTarget(share / 2)));
        run.Sleep(population.LivePeriod);

        Assert.Contains("target moved from 90.0 % to", changed.Note, StringComparison.Ordinal);
        Assert.Equal(share / 2, run.State.Target);
        Assert.Equal(DriveOutcome.TargetReached, run.State.Outcome);
    }

    [Theory]
    [InlineData("{\"targetOptInShare\":1.5}", "target ignored: targetOptInShare must be above 0 and at most 1, not 1.5")]
    [InlineData("{\"targetOptInShare\":0}", "target ignored: targetOptInShare must be above 0 and at most 1, not 0")]
    [InlineData("{\"targetOptInShare\":\"half\"}", "target ignored: ")]
    public void AnInvalidTargetIsIgnoredWithANote(string payload, string note)
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(target: 0.4), Start);

        var decision = decider.Decide(started.State, new WorkflowSignal.External("target", JsonDocument.Parse(payload).RootElement), Start);

        Assert.Contains(note, decision.Note, StringComparison.Ordinal);
        Assert.Equal(0.4, decision.State.Target);
    }

    [Fact]
    public void AnUnknownEventIsIgnoredWithANote()
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(), Start);

        var decision = decider.Decide(started.State, Event("accelerate"), Start);

        Assert.Contains("unknown event 'accelerate' ignored (known: pause, resume, extend, target)", decision.Note, StringComparison.Ordinal);
        Assert.Equal(JsonSerializer.Serialize(started.State, WorkflowJson.Options), JsonSerializer.Serialize(decision.State, WorkflowJson.Options));
    }

    [Fact]
    public void CancellingCompletesTheDriveWithTheReasonAndStopsTheForms()
    {
        var population = Population(500);
        var run = DriveRun.Against(population, Drive(channels: [Forms()]));

        var cancelled = run.Send(new WorkflowSignal.Cancelled("budget withdrawn"));

        Assert.True(cancelled.Completed);
        Assert.Equal(DriveOutcome.Cancelled, run.State.Outcome);
        Assert.Equal("cancelled: budget withdrawn", run.State.EndNote);
        Assert.Contains("cancelled: budget withdrawn", cancelled.Note, StringComparison.Ordinal);
        var stop = WorkflowJson.Read<FormAllocation>(Assert.Single(cancelled.Commands).Input);
        Assert.All(stop.Variants, v => Assert.Equal(0, v.Displays));
        Assert.True(new ConsentDrive().Decide(run.State, new WorkflowSignal.Woke(run.Now), run.Now).Completed);
    }

    [Fact]
    public void CancellingAPausedDriveDoesNotStopTheFormsTwice()
    {
        var population = Population(500);
        var run = DriveRun.Against(population, Drive(channels: [Forms()]));
        run.Send(Event("pause"));

        var cancelled = run.Send(new WorkflowSignal.Cancelled(null));

        Assert.True(cancelled.Completed);
        Assert.Empty(cancelled.Commands);
        Assert.Equal("cancelled", run.State.EndNote);
        Assert.Equal(2, population.Allocations.Count);
    }

    [Fact]
    public void ADriveStartedBeforeItsStartWaitsForIt()
    {
        var decision = new ConsentDrive().Start(Drive(), Start - TimeSpan.FromHours(2));

        Assert.Empty(decision.Commands);
        Assert.Equal(Start, decision.WakeAt);
        Assert.Contains("waits for its start", decision.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void ADriveStartedOnTimeMeasuresAtOnceAndReviewsDaily()
    {
        var decision = new ConsentDrive().Start(Drive(), Start);

        var measure = Assert.Single(decision.Commands);
        Assert.Equal(("measure-1", ConsentDriveActivities.Measure), (measure.Id, measure.Activity));
        var input = WorkflowJson.Read<MeasureDrive>(measure.Input);
        Assert.Equal([DriveChannel.WebForm, DriveChannel.Email, DriveChannel.Sms, DriveChannel.CallCentre], input.Channels);
        Assert.Equal(["popup-a", "page-b"], input.Variants);
        Assert.Equal(["marketing", "profiling"], input.Purposes);
        Assert.Equal(Start + Day, decision.WakeAt);
    }

    [Fact]
    public void AnEarlyWakeUpIsIgnored()
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(), Start);

        var decision = decider.Decide(started.State, new WorkflowSignal.Woke(Start + TimeSpan.FromHours(2)), Start + TimeSpan.FromHours(2));

        Assert.Empty(decision.Commands);
        Assert.Equal(Start + Day, decision.WakeAt);
        Assert.Contains("the next review is due at 2026-03-02 00:00:00Z; waiting", decision.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void AReviewDueWhileTheLastMeasurementStillRunsWaitsForIt()
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(), Start);

        var decision = decider.Decide(started.State, new WorkflowSignal.Woke(Start + Day), Start + Day);

        Assert.Empty(decision.Commands);
        Assert.Contains("measurement 1 is still running", decision.Note, StringComparison.Ordinal);
        Assert.Equal(Start + (2 * Day), decision.WakeAt);
    }

    [Fact]
    public void AnAnswerToACommandNotWaitingIsIgnored()
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(), Start);
        var measured = decider.Decide(started.State, Completed("measure-1", Measurement(1000, 0)), Start);

        var again = decider.Decide(measured.State, Completed("measure-1", Measurement(1000, 900)), Start);
        var failed = decider.Decide(measured.State, new WorkflowSignal.CommandFailed("wave-email-9", "?"), Start);

        Assert.Contains("no command measure-1 is waiting; its answer is ignored", again.Note, StringComparison.Ordinal);
        Assert.Single(again.State.Progress);
        Assert.Empty(again.Commands);
        Assert.Contains("no command wave-email-9 is waiting; its failure is ignored", failed.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyAudienceFinishesTheDrive()
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(), Start);

        var decision = decider.Decide(started.State, Completed("measure-1", Measurement(0, 0)), Start);

        Assert.True(decision.Completed);
        Assert.Equal(DriveOutcome.AudienceEmpty, decision.State.Outcome);
    }

    [Fact]
    public void AnInvalidInputCannotStart()
    {
        var error = Assert.Throws<ArgumentException>(() => new ConsentDrive().Start(Drive(target: 2), Start));

        Assert.Contains("targetOptInShare must be above 0 and at most 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CommandIdsNameTheWork()
    {
        Assert.Equal("measure-3", ConsentDrive.MeasureCommandId(3));
        Assert.Equal("allocate-forms-2", ConsentDrive.AllocationCommandId(2));
        Assert.Equal("wave-email-2", ConsentDrive.OutreachCommandId(DriveChannel.Email, 2));
        Assert.Equal("wave-sms-1", ConsentDrive.OutreachCommandId(DriveChannel.Sms, 1));
        Assert.Equal("list-call-centre-4", ConsentDrive.OutreachCommandId(DriveChannel.CallCentre, 4));
        Assert.Equal("list-store-1", ConsentDrive.OutreachCommandId(DriveChannel.Store, 1));
        Assert.Equal("consent-drive", new ConsentDrive().WorkflowType);
    }

    internal static SimulatedPopulation Population(int size, int seed = 11)
    {
        var population = new SimulatedPopulation(size, seed);
        population.VariantRates["popup-a"] = 0.01;
        population.VariantRates["page-b"] = 0.06;
        return population;
    }

    internal static DriveMeasurement Measurement(long audience, long optedIn) =>
        new(audience, optedIn, [new ChannelMeasurement(DriveChannel.WebForm, 0, 0, Math.Max(0, audience - optedIn))], [], [], 0, Math.Max(0, audience - optedIn));

    private static WorkflowSignal.External Event(string name, object? payload = null) =>
        new(name, payload is null ? default : WorkflowJson.Write(payload));

    private static WorkflowSignal.CommandCompleted Completed(string id, DriveMeasurement measurement) => new(id, WorkflowJson.Write(measurement));

    private static List<FormAllocation> Allocations(DriveRun run) =>
        run.Commands.Where(c => c.Activity == ConsentDriveActivities.AllocateForms).Select(c => WorkflowJson.Read<FormAllocation>(c.Input)).ToList();

    private static double Share(FormAllocation allocation, string variant) => allocation.Variants.Single(v => v.Variant == variant).Share;

    private static DateTimeOffset Issued(DriveRun run, string commandId) => run.Log.First(t => t.Decision.Commands.Any(c => c.Id == commandId)).At;
}
