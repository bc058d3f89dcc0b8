using System.Text.Json;
using Engagement.Core.Campaigns;
using Engagement.Core.Workflows;
using static Engagement.Core.Tests.Campaigns.CampaignBuilder;

namespace Engagement.Core.Tests.Campaigns;

public sealed class CampaignDeciderTests
{
    [Fact]
    public void WithoutAnAbTestEveryoneGetsTheDefaultVariantInOneMainStepAndTheReportFollowsTheAttributionWindow()
    {
        var audience = new SimulatedAudience(1200, excluded: 30);
        var run = CampaignRun.Against(audience, Input(Definition()), Start);

        run.RunToEnd();

        Assert.Equal(CampaignOutcome.Sent, run.State.Outcome);
        Assert.Equal(CampaignPhase.Completed, run.State.Phase);
        Assert.Equal(1170, audience.Sent.Count);
        Assert.All(audience.Sent, s => Assert.Equal(("main", "a"), (s.Key.Step, s.Value.Variant)));
        Assert.Equal(0, audience.DuplicateSends);
        Assert.DoesNotContain(run.Commands, c => c.Id == CampaignDecider.MeasureTestCommandId);
        Assert.Equal(["send-main-1-1", "send-main-1-2", "send-main-1-3"], run.Commands.Where(c => c.Activity == CampaignActivities.SendSlot).Select(c => c.Id));
        var report = WorkflowJson.Read<CampaignReport>(run.Commands.Single(c => c.Id == CampaignDecider.ReportCommandId).Input);
        Assert.Equal(1170, report.Total.Counts.Sent);
        Assert.Equal(30, report.Audience!.Excluded[ExclusionReasons.NoLawfulBasis]);
        Assert.Null(report.AbTest);
        Assert.Equal(run.State.Step("main")!.FinishedAt!.Value.AddDays(2), run.IssuedAt(CampaignDecider.MeasureFinalCommandId));
        Assert.True(run.Last.Completed);
    }

    [Fact]
    public void AnAbTestSendsTheTestCellsThenTheClearWinnerToTheHoldoutAfterTheWait()
    {
        var audience = new SimulatedAudience(5000);
        audience.OpenRates["b"] = 0.32;
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test())), Start);

        run.RunToEnd();

        var result = run.State.AbTest!;
        Assert.True(result.Conclusive, result.Reason);
        Assert.Equal("b", result.Winner);
        Assert.StartsWith("b beat the default a", result.Reason, StringComparison.Ordinal);
        var comparison = Assert.Single(result.Comparisons);
        Assert.True(comparison.Confidence >= 0.95 && comparison.PValue <= 0.05);
        Assert.True(comparison.Lift > 0.3);
        var test = audience.Sent.Where(s => s.Key.Step == "test").ToList();
        var main = audience.Sent.Where(s => s.Key.Step == "main").ToList();
        Assert.All(test, s => Assert.Equal(CampaignCells.TestCell(s.Value.Variant), audience.CellOf(s.Key.Subject).Cell));
        Assert.All(main, s => Assert.Equal(("b", CampaignCells.Holdout), (s.Value.Variant, audience.CellOf(s.Key.Subject).Cell)));
        Assert.Equal(5000, test.Count + main.Count);
        Assert.InRange(test.Count, 850, 1150);
        Assert.Equal(0, audience.DuplicateSends);
        var testEnded = run.State.Step("test")!.FinishedAt!.Value;
        Assert.Equal(testEnded.AddHours(4), run.IssuedAt(CampaignDecider.MeasureTestCommandId));
        Assert.True(run.IssuedAt(CampaignDecider.PlanCommandId("main")) >= testEnded.AddHours(4));
        var mainBatch = WorkflowJson.Read<SendSlot>(run.Commands.First(c => c.Id.StartsWith("send-main-", StringComparison.Ordinal)).Input);
        Assert.Equal([new SendVariant("b", "tpl-may", "Our May picks for you")], mainBatch.Variants);
    }

    [Fact]
    public void AnInconclusiveTestKeepsTheDefaultAndSaysSo()
    {
        var audience = new SimulatedAudience(5000);
        audience.OpenRates["b"] = 0.2;
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test())), Start);

        run.RunToEnd();

        var result = run.State.AbTest!;
        Assert.False(result.Conclusive, result.Reason);
        Assert.Equal("a", result.Winner);
        Assert.StartsWith("inconclusive: no variant beat the default a at 95.0 % confidence", result.Reason, StringComparison.Ordinal);
        Assert.Contains("the default a goes to the rest", result.Reason, StringComparison.Ordinal);
        Assert.All(audience.Sent.Where(s => s.Key.Step == "main"), s => Assert.Equal("a", s.Value.Variant));
        Assert.Contains(run.Log, t => t.Decision.Note.Contains("inconclusive:", StringComparison.Ordinal));
        var report = WorkflowJson.Read<CampaignReport>(run.Commands.Single(c => c.Id == CampaignDecider.ReportCommandId).Input);
        Assert.False(report.AbTest!.Conclusive);
    }

    [Fact]
    public void ATestBelowTheMinimumSampleIsInconclusiveHoweverLargeTheDifference()
    {
        var audience = new SimulatedAudience(1000);
        audience.OpenRates["b"] = 0.6;
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test(minimum: 400))), Start);

        run.RunToEnd();

        Assert.Equal("a", run.State.Winner);
        Assert.StartsWith("inconclusive: too few delivered test messages", run.State.AbTest!.Reason, StringComparison.Ordinal);
        Assert.Empty(run.State.AbTest.Comparisons);
    }

    [Fact]
    public void TheReminderGoesOnlyToNonOpenersOfTheEarlierStepsWithItsOwnSubjectAfterItsDays()
    {
        var audience = new SimulatedAudience(3000);
        audience.OpenRates["b"] = 0.35;
        var reminder = new ReminderPlan(3, ReminderAudience.NonOpeners, "Did you miss this?");
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test(), reminder: reminder)), Start);

        run.RunToEnd();

        var earlier = audience.Sent.Where(s => s.Key.Step != "reminder").ToList();
        var reminded = audience.Sent.Where(s => s.Key.Step == "reminder").ToList();
        var nonOpeners = earlier.Where(s => !audience.Opened(s.Key.Subject, s.Key.Step, s.Value.Variant)).ToList();
        Assert.Equal(nonOpeners.Select(s => s.Key.Subject).Order(StringComparer.Ordinal), reminded.Select(s => s.Key.Subject).Order(StringComparer.Ordinal));
        Assert.All(reminded, r => Assert.Equal(earlier.Single(e => e.Key.Subject == r.Key.Subject).Value.Variant, r.Value.Variant));
        Assert.All(reminded, r => Assert.All(r.Value.Batch.Variants, v => Assert.Equal("Did you miss this?", v.Subject)));
        var mainEnded = run.State.Step("main")!.FinishedAt!.Value;
        Assert.Equal(mainEnded.AddDays(3), run.IssuedAt(CampaignDecider.PlanCommandId("reminder")));
        var step = run.State.Step("reminder")!;
        Assert.Equal(earlier.Count - nonOpeners.Count, step.Skipped);
        var plan = WorkflowJson.Read<PlanStep>(run.Commands.Single(c => c.Id == "plan-reminder").Input);
        Assert.Equal(ReminderAudience.NonOpeners, plan.Reminder!.To);
        Assert.Equal(["test", "main"], plan.Reminder.AfterSteps);
        Assert.Equal(CampaignOutcome.Sent, run.State.Outcome);
    }

    [Fact]
    public void SendTimeOptimisationSendsEachSlotAtItsTimeAndNotBefore()
    {
        var audience = new SimulatedAudience(600) { PreferredHour = s => 8 + (int.Parse(s[1..], System.Globalization.CultureInfo.InvariantCulture) % 4) };
        var run = CampaignRun.Against(audience, Input(Definition(sendTimeOptimisation: true), batchSize: 100), Start);

        run.RunToEnd();

        var slots = run.State.Step("main")!.Slots!;
        // Preferred 8–11 in Prague on 4 May (UTC+2); 07:00 UTC (09:00 local) is the start, so 08:00 local is the next day.
        Assert.Equal(
            [Start, Start.AddHours(1), Start.AddHours(2), Start.AddHours(23)],
            slots.Select(s => s.At));
        foreach (var command in run.Commands.Where(c => c.Activity == CampaignActivities.SendSlot))
        {
            var batch = WorkflowJson.Read<SendSlot>(command.Input);
            Assert.Equal(batch.SlotAt, run.IssuedAt(command.Id));
        }

        Assert.All(audience.Sent, s => Assert.Equal(8 + (int.Parse(s.Key.Subject[1..], System.Globalization.CultureInfo.InvariantCulture) % 4), TimeZoneInfo.ConvertTime(s.Value.Batch.SlotAt, TimeZoneInfo.FindSystemTimeZoneById("Europe/Prague")).Hour));
        Assert.Equal(600, audience.Sent.Count);
    }

    [Fact]
    public void AThroughputLimitSpacesTheBatchesOfAStep()
    {
        var audience = new SimulatedAudience(1000);
        var run = CampaignRun.Against(audience, Input(Definition(throughput: 100), batchSize: 200), Start);

        run.RunToEnd();

        var issued = run.Commands.Where(c => c.Activity == CampaignActivities.SendSlot).Select(c => run.IssuedAt(c.Id)).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Start.AddMinutes(2 * i)), issued);
        Assert.All(run.Commands.Where(c => c.Activity == CampaignActivities.SendSlot), c => Assert.Equal(100, WorkflowJson.Read<SendSlot>(c.Input).ThroughputPerMinute));
        Assert.Equal(1000, audience.Sent.Count);
    }

    [Fact]
    public void AScheduledCampaignWaitsForItsStart()
    {
        var audience = new SimulatedAudience(100);
        var later = Start.AddDays(2);
        var run = CampaignRun.Against(audience, Input(Definition(startAt: later)), Start);

        Assert.Empty(run.Last.Commands);
        Assert.Equal(later, run.Last.WakeAt);
        Assert.Equal(CampaignPhase.Scheduled, run.State.Phase);
        run.Wait(TimeSpan.FromHours(1));
        run.Send(new WorkflowSignal.Woke(later));
        Assert.Equal(CampaignPhase.Scheduled, run.State.Phase);

        run.RunToEnd();

        Assert.Equal(later, run.IssuedAt(CampaignDecider.ResolveCommandId));
        Assert.Equal(later, WorkflowJson.Read<ResolveAudience>(run.Commands.First().Input).AsOf);
    }

    [Fact]
    public void CancellingMidwayDropsTheBatchesNotYetSentAndTheReportSaysWhatWentOut()
    {
        var audience = new SimulatedAudience(1000);
        var run = CampaignRun.Against(audience, Input(Definition(throughput: 100), batchSize: 200), Start);
        run.Sleep();
        run.Sleep();
        Assert.Equal(3, run.Commands.Count(c => c.Activity == CampaignActivities.SendSlot));

        var decision = run.Send(new WorkflowSignal.Cancelled("wrong segment"));

        Assert.True(decision.Completed);
        Assert.Equal(CampaignPhase.Cancelled, run.State.Phase);
        Assert.Equal(CampaignOutcome.Cancelled, run.State.Outcome);
        Assert.Equal(400, run.State.DroppedRecipients);
        Assert.Null(decision.WakeAt);
        var report = WorkflowJson.Read<CampaignReport>(Assert.Single(decision.Commands).Input);
        Assert.Equal(600, report.Total.Counts.Sent);
        Assert.Equal(400, report.DroppedRecipients);
        Assert.Contains("wrong segment", report.StatusNote, StringComparison.Ordinal);
        Assert.Contains("400 recipients not sent to", report.StatusNote, StringComparison.Ordinal);
        var after = run.Decider.Decide(run.State, new WorkflowSignal.Woke(Start.AddMinutes(6)), Start.AddMinutes(6));
        Assert.Empty(after.Commands);
        Assert.True(after.Completed);
        Assert.Equal(600, audience.Sent.Count);
    }

    [Fact]
    public void CancellingWhileTheTestWaitsForItsDecisionSaysTheRestWasNeverSent()
    {
        var run = CampaignRun.Against(new SimulatedAudience(1000), Input(Definition(abTest: Test(), reminder: new ReminderPlan(1, ReminderAudience.NonOpeners, "Again"))), Start);
        run.RunToEnd(r => r.State.Phase == CampaignPhase.AwaitingDecision);

        var decision = run.Send(new WorkflowSignal.Cancelled("budget cut"));

        Assert.Equal("cancelled: budget cut; steps never sent: main, reminder", run.State.StatusNote);
        Assert.Equal(0, run.State.DroppedRecipients);
        Assert.True(decision.Completed);
    }

    [Fact]
    public void CancellingWhileABatchRunsNamesItAsInFlight()
    {
        var audience = new SimulatedAudience(300);
        var run = CampaignRun.Against(audience, Input(Definition(), batchSize: 100), Start, hold: c => c.Id == "send-main-1-2");

        var decision = run.Send(new WorkflowSignal.Cancelled(null));

        Assert.Equal(["send-main-1-2"], run.State.InFlightAtEnd);
        Assert.DoesNotContain("steps never sent", decision.Note, StringComparison.Ordinal);
        Assert.Equal(0, run.State.DroppedRecipients);
        Assert.Contains("not waiting for send-main-1-2", decision.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void ARedeliveredAnswerChangesNothing()
    {
        var audience = new SimulatedAudience(800);
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test())), Start);
        run.RunToEnd(r => r.State.Phase == CampaignPhase.AwaitingDecision);
        var before = run.State;
        var firstBatch = run.Commands.First(c => c.Activity == CampaignActivities.SendSlot);
        var answer = run.Log.First(t => t.Signal is WorkflowSignal.CommandCompleted c && c.CommandId == firstBatch.Id).Signal!;
        var plan = run.Log.First(t => t.Signal is WorkflowSignal.CommandCompleted c && c.CommandId == "plan-test").Signal!;

        var again = run.Send(answer);
        var planAgain = run.Send(plan);

        Assert.Empty(again.Commands);
        Assert.Empty(planAgain.Commands);
        Assert.Contains("is ignored", again.Note, StringComparison.Ordinal);
        Assert.Equal(JsonSerializer.Serialize(before, WorkflowJson.Options), JsonSerializer.Serialize(run.State, WorkflowJson.Options));
    }

    [Fact]
    public void ReplayingTheSameSignalsGivesTheSameDecisionsEvenFromStateReadBackFromJson()
    {
        var audience = new SimulatedAudience(2000);
        audience.OpenRates["b"] = 0.3;
        var input = Input(Definition(abTest: Test(), reminder: new ReminderPlan(2, ReminderAudience.NonClickers, "Still interested?"), sendTimeOptimisation: true,
            window: new SendWindow(new TimeOnly(8, 0), new TimeOnly(20, 0), [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday]),
            quiet: new QuietHours(new TimeOnly(21, 0), new TimeOnly(8, 0)), throughput: 1000), batchSize: 100);
        audience.PreferredHour = s => s.EndsWith('0') ? null : s.EndsWith('1') ? 19 : 7;
        var run = CampaignRun.Against(audience, input, Start);
        run.RunToEnd();

        var replay = new CampaignDecider();
        var first = replay.Start(input, run.Log[0].At);
        var decisions = new List<string> { JsonSerializer.Serialize(first, WorkflowJson.Options) };
        var state = first.State;
        foreach (var turn in run.Log.Skip(1))
        {
            // The runtime keeps the state as JSON between signals.
            state = WorkflowJson.Read<CampaignState>(WorkflowJson.Write(state));
            var decision = replay.Decide(state, turn.Signal!, turn.At);
            decisions.Add(JsonSerializer.Serialize(decision, WorkflowJson.Options));
            state = decision.State;
        }

        Assert.Equal(run.DecisionsAsJson(), decisions);
        Assert.Equal(CampaignOutcome.Sent, run.State.Outcome);
        Assert.Equal(0, audience.DuplicateSends);
    }

    [Fact]
    public void EveryCommandIdIsIssuedOnceExceptRetries()
    {
        var audience = new SimulatedAudience(3000);
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test(), reminder: new ReminderPlan(1, ReminderAudience.NonOpeners, "Reminder")), batchSize: 250), Start);

        run.RunToEnd();

        var ids = run.Commands.Select(c => c.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(audience.Runs, r => Assert.Equal(1, r.Value));
        Assert.Contains(CampaignDecider.ReportCommandId, ids);
    }

    [Fact]
    public void AFailedBatchRunsAgainWithTheSameInputAfterTheRetryWait()
    {
        var audience = new SimulatedAudience(300);
        var failures = 0;
        var run = CampaignRun.Against(audience, Input(Definition(), batchSize: 100), Start, fails: c => c.Id == "send-main-1-2" && failures++ == 0 ? "relay unreachable" : null);

        var retryAt = run.Last.WakeAt;
        Assert.Equal(Start.AddMinutes(5), retryAt);
        run.RunToEnd();

        var runs = run.Commands.Where(c => c.Id == "send-main-1-2").ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal(runs[0].Input.GetRawText(), runs[1].Input.GetRawText());
        Assert.Equal(300, audience.Sent.Count);
        Assert.Equal(Start.AddMinutes(5), run.State.Step("main")!.FinishedAt);
    }

    [Fact]
    public void ABatchThatFailsEveryAttemptIsGivenUpAndTheCampaignGoesOn()
    {
        var audience = new SimulatedAudience(300);
        var run = CampaignRun.Against(audience, Input(Definition(), batchSize: 100, maxAttempts: 2), Start, fails: c => c.Id == "send-main-1-3" ? "relay refuses" : null);

        run.RunToEnd();

        var givenUp = Assert.Single(run.State.GivenUp);
        Assert.Equal(("send-main-1-3", 2, "relay refuses"), (givenUp.CommandId, givenUp.Attempts, givenUp.Error));
        Assert.Equal(CampaignOutcome.Sent, run.State.Outcome);
        Assert.Equal(200, audience.Sent.Count);
    }

    [Fact]
    public void AnAudienceThatCannotBeResolvedEndsTheCampaignAsFailedWithAReport()
    {
        var audience = new SimulatedAudience(100);
        var run = CampaignRun.Against(audience, Input(Definition(), maxAttempts: 2), Start, fails: c => c.Activity == CampaignActivities.ResolveAudience ? "segment store down" : null);

        run.RunToEnd();

        Assert.Equal(CampaignOutcome.Failed, run.State.Outcome);
        Assert.Contains("segment store down", run.State.StatusNote, StringComparison.Ordinal);
        Assert.Contains(run.Last.Commands, c => c.Id == CampaignDecider.ReportCommandId);
        Assert.Empty(audience.Sent);
    }

    [Fact]
    public void ATestThatCannotBeMeasuredKeepsTheDefaultAndSaysWhy()
    {
        var audience = new SimulatedAudience(2000);
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test()), maxAttempts: 1), Start, fails: c => c.Id == CampaignDecider.MeasureTestCommandId ? "tracking table unavailable" : null);

        run.RunToEnd();

        Assert.Equal("a", run.State.Winner);
        Assert.Equal("inconclusive: the test could not be measured (tracking table unavailable); the default a goes to the rest", run.State.AbTest!.Reason);
        Assert.Contains(audience.Sent, s => s.Key.Step == "main");
    }

    [Fact]
    public void AnImpossibleMeasurementCountsAsAFailureOfTheCommand()
    {
        var audience = new SimulatedAudience(1000);
        var decider = new CampaignDecider();
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test())), Start);
        run.RunToEnd();
        var state = run.Log.Last(t => t.Decision.Commands.Any(c => c.Id == CampaignDecider.MeasureTestCommandId)).Decision.State;
        var impossible = WorkflowJson.Write(new CampaignMeasurement([new StepVariantMeasurement("test", "a", 10, 12, 3, 1)]));

        var decision = decider.Decide(state, new WorkflowSignal.CommandCompleted(CampaignDecider.MeasureTestCommandId, impossible), run.Now);

        Assert.Contains("unusable answer: test/a: more delivered (12) than sent (10)", decision.Note, StringComparison.Ordinal);
        Assert.Null(decision.State.AbTest);
        Assert.Equal(1, decision.State.Pending.Single(p => p.Command.Id == CampaignDecider.MeasureTestCommandId).Failures);
    }

    [Fact]
    public void AnEmptyAudienceEndsTheCampaignAtOnceAndSaysSo()
    {
        var audience = new SimulatedAudience(50, excluded: 50);
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test())), Start);

        Assert.True(run.Last.Completed);
        Assert.Equal(CampaignOutcome.AudienceEmpty, run.State.Outcome);
        var report = WorkflowJson.Read<CampaignReport>(run.Last.Commands.Single().Input);
        Assert.Equal(50, report.Audience!.Excluded[ExclusionReasons.NoLawfulBasis]);
        Assert.Empty(report.Steps);
    }

    [Fact]
    public void AnOutsideEventIsIgnoredWithANote()
    {
        var run = CampaignRun.Against(new SimulatedAudience(10), Input(Definition(startAt: Start.AddDays(1))), Start);

        var decision = run.Send(new WorkflowSignal.External("pause", default));

        Assert.Contains("unknown event 'pause' ignored", decision.Note, StringComparison.Ordinal);
        Assert.Empty(decision.Commands);
        Assert.Equal(Start.AddDays(1), decision.WakeAt);
    }

    [Fact]
    public void StartRefusesAnInvalidInputAndSaysWhy()
    {
        var decider = new CampaignDecider();
        var input = Input(Definition() with { Variants = [new CampaignVariant("a b", "t")] }) with { CampaignId = "bad id" };

        var problems = decider.Validate(input);
        var error = Assert.Throws<ArgumentException>(() => decider.Start(input, Start));

        Assert.Contains("campaignId: use 1–64 letters, digits, '-' or '_'", problems);
        Assert.Contains("variants[0].id: use 1–40 letters, digits, '-' or '_'", problems);
        Assert.Contains("defaultVariant: 'a' is not one of the variants", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCommandCarriesWhatItsActivityNeeds()
    {
        var audience = new SimulatedAudience(1000);
        var definition = Definition(abTest: Test(), quiet: new QuietHours(new TimeOnly(21, 0), new TimeOnly(8, 0))) with { FrequencyCap = new FrequencyCap(1, 3), InactiveMonths = 12 };
        var run = CampaignRun.Against(audience, Input(definition), Start);
        run.RunToEnd();

        var resolve = WorkflowJson.Read<ResolveAudience>(run.Commands.Single(c => c.Activity == CampaignActivities.ResolveAudience).Input);
        Assert.Equal(new ResolveAudience("may-2026", "customers", "marketing", 12, Start, resolve.Cells), resolve);
        Assert.Equal((0.2, "a"), (resolve.Cells.TestShare, resolve.Cells.DefaultVariant));
        var plan = WorkflowJson.Read<PlanStep>(run.Commands.Single(c => c.Id == "plan-test").Input);
        Assert.Equal([new StepCell("test-a", "a"), new StepCell("test-b", "b")], plan.Cells);
        Assert.Equal(new QuietHours(new TimeOnly(21, 0), new TimeOnly(8, 0)), plan.SendTime.Quiet);
        Assert.Equal("Europe/Prague", plan.SendTime.DefaultTimeZone);
        var batch = WorkflowJson.Read<SendSlot>(run.Commands.First(c => c.Activity == CampaignActivities.SendSlot).Input);
        Assert.Equal(("may-2026", "test", 1, 1, 0L), (batch.CampaignId, batch.Step, batch.Slot, batch.Batch, batch.Skip));
        Assert.Equal(new FrequencyCap(1, 3), batch.FrequencyCap);
        Assert.Equal(new CampaignSender("news@shop.example", "Shop", "care@shop.example"), batch.Sender);
        Assert.Equal("Order Completed", batch.ConversionEvent);
        var measure = WorkflowJson.Read<MeasureCampaign>(run.Commands.Single(c => c.Id == CampaignDecider.MeasureFinalCommandId).Input);
        Assert.Equal(["test", "main"], measure.Steps);
        Assert.Equal(2, measure.AttributionDays);
    }

    [Fact]
    public void SlotsWhoseTimePassedWhileTheRuntimeWasDownAreSentAtOnceOnWaking()
    {
        var audience = new SimulatedAudience(400) { PreferredHour = s => s.EndsWith('1') ? 15 : 12 };
        var run = CampaignRun.Against(audience, Input(Definition(sendTimeOptimisation: true)), Start);
        Assert.Equal(Start.AddHours(3), run.Last.WakeAt);

        run.Wait(TimeSpan.FromHours(10));
        var decision = run.Send(new WorkflowSignal.Woke(Start.AddHours(3)));

        Assert.Equal(["send-main-1-1", "send-main-2-1"], decision.Commands.Select(c => c.Id));
        Assert.Equal(400, audience.Sent.Count);
    }

    [Fact]
    public void AWakeBeforeTheNextSlotSendsNothingAndKeepsTheWakeUp()
    {
        var audience = new SimulatedAudience(100) { PreferredHour = _ => 15 };
        var run = CampaignRun.Against(audience, Input(Definition(sendTimeOptimisation: true)), Start);
        run.Wait(TimeSpan.FromHours(1));

        var decision = run.Send(new WorkflowSignal.Woke(Start.AddHours(1)));

        Assert.Empty(decision.Commands);
        Assert.Equal(Start.AddHours(6), decision.WakeAt);
    }

    [Fact]
    public void TheThroughputLimitSpacesBatchesAcrossSlotsToo()
    {
        var audience = new SimulatedAudience(400) { PreferredHour = s => (s[^1] - '0') % 2 == 0 ? 10 : 9 };
        var run = CampaignRun.Against(audience, Input(Definition(sendTimeOptimisation: true, throughput: 1), batchSize: 100), Start);

        run.RunToEnd();

        // At one a minute a batch of 100 takes 100 minutes: slot 2, planned an hour after slot 1, waits for slot 1's two batches.
        var slots = run.State.Step("main")!.Slots!;
        Assert.Equal((Start, Start), (slots[0].At, slots[0].SendFrom));
        Assert.Equal((Start.AddHours(1), Start.AddMinutes(200)), (slots[1].At, slots[1].SendFrom));
        var issued = run.Commands.Where(c => c.Activity == CampaignActivities.SendSlot).Select(c => run.IssuedAt(c.Id)).ToList();
        Assert.Equal(Enumerable.Range(0, 4).Select(i => Start.AddMinutes(100 * i)), issued);
    }

    [Fact]
    public void AReminderToNonClickersSkipsOnlyThoseWhoClicked()
    {
        var audience = new SimulatedAudience(1500);
        var run = CampaignRun.Against(audience, Input(Definition(reminder: new ReminderPlan(1, ReminderAudience.NonClickers, "Take a look", "tpl-reminder"))), Start);

        run.RunToEnd();

        var reminded = audience.Sent.Where(s => s.Key.Step == "reminder").Select(s => s.Key.Subject).ToHashSet();
        var main = audience.Sent.Where(s => s.Key.Step == "main").ToList();
        Assert.All(main, s => Assert.Equal(!audience.Clicked(s.Key.Subject, "main", "a"), reminded.Contains(s.Key.Subject)));
        Assert.Contains(main, s => audience.Opened(s.Key.Subject, "main", "a") && reminded.Contains(s.Key.Subject));
        var batch = WorkflowJson.Read<SendSlot>(run.Commands.First(c => c.Id.StartsWith("send-reminder-", StringComparison.Ordinal)).Input);
        Assert.Equal([new SendVariant("a", "tpl-reminder", "Take a look"), new SendVariant("b", "tpl-reminder", "Take a look")], batch.Variants);
    }

    [Fact]
    public void AnEmptyHoldoutSkipsTheMainStep()
    {
        var run = CampaignRun.Answering(Input(Definition(abTest: Test(minimum: 30))), Start, (command, _) => command.Activity switch
        {
            CampaignActivities.ResolveAudience => new AudienceResolved(60, new Dictionary<string, long>(), [new CellCount("test-a", "a", 30), new CellCount("test-b", "b", 30)]),
            CampaignActivities.PlanStep => new StepPlanned([new PlannedSlot(Start, 60)]),
            CampaignActivities.SendSlot => new SlotSent([new VariantSendCount("a", 30, 0, 0), new VariantSendCount("b", 30, 0, 0)]),
            _ => new CampaignMeasurement([new StepVariantMeasurement("test", "a", 30, 30, 3, 1), new StepVariantMeasurement("test", "b", 30, 30, 20, 5)]),
        });

        run.RunToEnd();

        Assert.Equal("b", run.State.Winner);
        Assert.Null(run.State.Step("main"));
        Assert.Contains(run.Log, t => t.Decision.Note.Contains("the holdout is empty: no main step", StringComparison.Ordinal));
        Assert.Equal(CampaignOutcome.Sent, run.State.Outcome);
    }

    [Fact]
    public void APlanWithTheSameInstantTwiceIsUnusable()
    {
        var run = CampaignRun.Answering(Input(Definition(), maxAttempts: 1), Start, (command, _) => command.Activity switch
        {
            CampaignActivities.ResolveAudience => new AudienceResolved(2, new Dictionary<string, long>(), [new CellCount(CampaignCells.Everyone, "a", 2)]),
            _ => new StepPlanned([new PlannedSlot(Start, 1), new PlannedSlot(Start, 1)]),
        });

        Assert.Equal(CampaignOutcome.Failed, run.State.Outcome);
        Assert.Contains("step main could not be planned: unusable answer: each slot's instant appears once", run.State.StatusNote, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAudienceWhoseCellsDoNotAddUpIsUnusable()
    {
        var run = CampaignRun.Answering(Input(Definition(), maxAttempts: 1), Start, (command, _) =>
            new AudienceResolved(10, new Dictionary<string, long>(), [new CellCount(CampaignCells.Everyone, "a", 9)]));

        Assert.Equal(CampaignOutcome.Failed, run.State.Outcome);
        Assert.Contains("the cells hold 9 recipients, not the 10 included", run.State.StatusNote, StringComparison.Ordinal);
    }

    [Fact]
    public void ABatchAnswerCountingMoreRecipientsThanTheBatchHoldsIsUnusable()
    {
        var run = CampaignRun.Answering(Input(Definition(), maxAttempts: 2), Start, (command, _) => command.Activity switch
        {
            CampaignActivities.ResolveAudience => new AudienceResolved(5, new Dictionary<string, long>(), [new CellCount(CampaignCells.Everyone, "a", 5)]),
            CampaignActivities.PlanStep => new StepPlanned([new PlannedSlot(Start, 5)]),
            _ => new SlotSent([new VariantSendCount("a", 6, 0, 0)]),
        });

        Assert.Contains(run.Log, t => t.Decision.Note.Contains("send-main-1-1 failed (attempt 1 of 2): unusable answer: more recipients answered than the batch holds (5)", StringComparison.Ordinal));
    }

    [Fact]
    public void CancellingBeforeTheStartSendsNothingAndReportsAnEmptyCampaign()
    {
        var run = CampaignRun.Against(new SimulatedAudience(10), Input(Definition(startAt: Start.AddDays(1))), Start);

        var decision = run.Send(new WorkflowSignal.Cancelled("postponed"));

        var report = WorkflowJson.Read<CampaignReport>(Assert.Single(decision.Commands).Input);
        Assert.Equal((CampaignPhase.Cancelled, "cancelled: postponed"), (report.Phase, report.StatusNote));
        Assert.Null(report.Audience);
        Assert.Equal(0, report.Total.Counts.Sent);
    }

    [Fact]
    public void ExcludedAtSendTimeAreCountedByReason()
    {
        var run = CampaignRun.Answering(Input(Definition()), Start, (command, _) => command.Activity switch
        {
            CampaignActivities.ResolveAudience => new AudienceResolved(10, new Dictionary<string, long> { [ExclusionReasons.Suppressed] = 2 }, [new CellCount(CampaignCells.Everyone, "a", 10)]),
            CampaignActivities.PlanStep => new StepPlanned([new PlannedSlot(Start, 10)]),
            CampaignActivities.SendSlot => new SlotSent([new VariantSendCount("a", 7, 1, 2)], new Dictionary<string, long> { [ExclusionReasons.FrequencyCap] = 2 }),
            _ => new CampaignMeasurement([]),
        });

        run.RunToEnd();

        var report = CampaignReport.Of(run.State);
        Assert.Equal(2, report.Steps.Single().Excluded[ExclusionReasons.FrequencyCap]);
        Assert.Equal(new EngagementCounts(Sent: 7, Failed: 1, Excluded: 2), report.Total.Counts);
        Assert.Equal(2, report.Audience!.Excluded[ExclusionReasons.Suppressed]);
    }

    [Theory]
    [InlineData(0, 3, "batchSize must be from 1 to 10000")]
    [InlineData(500, 0, "maxAttempts must be from 1 to 10")]
    public void TheRunsOwnSettingsAreChecked(int batchSize, int maxAttempts, string problem)
    {
        Assert.Contains(problem, new CampaignDecider().Validate(Input(Definition(), batchSize, maxAttempts)));
    }

    [Fact]
    public void ACampaignIdDifferentFromTheDefinitionsIsRefused()
    {
        var input = Input(Definition() with { Id = "june-2026" });

        Assert.Contains("campaignId must be the definition's id when it has one", new CampaignDecider().Validate(input));
    }
}
