using Engagement.Core.Campaigns;
using Engagement.Core.Workflows;
using static Engagement.Core.Tests.Campaigns.CampaignBuilder;

namespace Engagement.Core.Tests.Campaigns;

public sealed class CampaignReportTests
{
    [Fact]
    public void RatesUseTheirDefinedDenominators()
    {
        var counts = new EngagementCounts(Sent: 1000, Delivered: 950, UniqueOpens: 380, UniqueClicks: 95, Bounces: 50, Unsubscribes: 19, Complaints: 2, Conversions: 12, Converters: 10, Revenue: 2375m);

        var rates = EngagementRates.Of(counts);

        Assert.Equal(0.4, rates.OpenRate!.Value, 12);
        Assert.Equal(0.1, rates.ClickRate!.Value, 12);
        Assert.Equal(0.25, rates.ClickToOpenRate!.Value, 12);
        Assert.Equal(0.05, rates.BounceRate!.Value, 12);
        Assert.Equal(0.02, rates.UnsubscribeRate!.Value, 12);
        Assert.Equal(2 / 950.0, rates.ComplaintRate!.Value, 12);
        Assert.Equal(10 / 950.0, rates.ConversionRate!.Value, 12);
        Assert.Equal(2.5m, rates.RevenuePerDelivered);
    }

    [Fact]
    public void RatesWithNothingToDivideByAreNullNotZero()
    {
        var nothing = EngagementRates.Of(new EngagementCounts());
        var noOpens = EngagementRates.Of(new EngagementCounts(Sent: 10, Delivered: 10));

        Assert.Equal(new EngagementRates(null, null, null, null, null, null, null, null), nothing);
        Assert.Equal(0, noOpens.OpenRate);
        Assert.Null(noOpens.ClickToOpenRate);
        Assert.Null(EngagementRates.Rate(5, 0));
    }

    [Fact]
    public void CountsAddUpFieldByField()
    {
        var a = new EngagementCounts(1, 2, 3, 4, 5, 6, 7, 8, 9, 10m, 11, 12);
        var b = new EngagementCounts(10, 20, 30, 40, 50, 60, 70, 80, 90, 100m, 110, 120);

        Assert.Equal(new EngagementCounts(11, 22, 33, 44, 55, 66, 77, 88, 99, 110m, 121, 132), a + b);
        Assert.Equal(a + b, EngagementCounts.Add(a, b));
    }

    [Fact]
    public void TheReportShowsEachStepAndVariantWithTheAudienceAndTheAbResult()
    {
        var audience = new SimulatedAudience(4000, excluded: 100);
        audience.OpenRates["b"] = 0.35;
        var run = CampaignRun.Against(audience, Input(Definition(abTest: Test(), reminder: new ReminderPlan(2, ReminderAudience.NonOpeners, "Again"))), Start);
        run.RunToEnd();

        var report = WorkflowJson.Read<CampaignReport>(run.Commands.Single(c => c.Id == CampaignDecider.ReportCommandId).Input);

        Assert.Equal(("may-2026", "May newsletter", CampaignPhase.Completed, CampaignOutcome.Sent), (report.CampaignId, report.Name, report.Phase, report.Outcome));
        Assert.Equal(3900, report.Audience!.Included);
        Assert.Equal(3900, report.Audience.Cells.Sum(c => c.Recipients));
        Assert.Equal(["test", "main", "reminder"], report.Steps.Select(s => s.Step));
        var test = report.Steps[0];
        Assert.Equal(["a", "b"], test.Variants.Select(v => v.Variant));
        var testB = test.Variants[1];
        var sentB = audience.Sent.Where(s => s.Key.Step == "test" && s.Value.Variant == "b").ToList();
        Assert.Equal(sentB.Count, testB.Counts.Sent);
        Assert.Equal(sentB.Count(s => audience.Opened(s.Key.Subject, "test", "b")), testB.Counts.UniqueOpens);
        Assert.Equal((double)testB.Counts.UniqueOpens / testB.Counts.Delivered, testB.Rates.OpenRate);
        Assert.Equal(["b"], report.Steps[1].Variants.Select(v => v.Variant));
        Assert.Equal(audience.Sent.Count, report.Total.Counts.Sent);
        Assert.Equal(report.Steps.Sum(s => s.Total.Counts.UniqueOpens), report.Total.Counts.UniqueOpens);
        Assert.Equal(report.Variants.Sum(v => v.Counts.Sent), report.Total.Counts.Sent);
        Assert.Equal("b", report.Winner);
        Assert.True(report.AbTest!.Conclusive);
        Assert.All(report.Steps, s => Assert.Equal(s.Slots, s.SlotsSent));
        Assert.True(report.Steps[2].Skipped > 0);
        Assert.Null(report.NextActionAt);
        Assert.Equal(run.State.EndedAt, report.EndedAt);
    }

    [Fact]
    public void ARunningCampaignsReportSaysWhenItActsNext()
    {
        var run = CampaignRun.Against(new SimulatedAudience(2000), Input(Definition(abTest: Test())), Start);
        run.RunToEnd(r => r.State.Phase == CampaignPhase.AwaitingDecision);

        var report = CampaignReport.Of(run.State, run.Last.WakeAt);

        Assert.Equal(CampaignPhase.AwaitingDecision, report.Phase);
        Assert.Equal(run.State.PhaseDueAt, report.NextActionAt);
        Assert.StartsWith("the test is decided at", report.StatusNote, StringComparison.Ordinal);
        Assert.Equal(0, report.Total.Counts.Delivered);
        Assert.Null(report.Total.Rates.OpenRate);
        Assert.Equal(run.State.Step("test")!.Recipients, report.Total.Counts.Sent);
    }

    [Fact]
    public void MeasuredSendsCountWhenTheyExceedTheAnsweredBatches()
    {
        var state = new CampaignState
        {
            Input = Input(Definition()),
            Phase = CampaignPhase.Cancelled,
            Steps = [new StepProgress("main", Start, true, [new SlotProgress(1, Start, 300, Start, 3, 3, 2)], [new VariantSendCount("a", 200, 1, 4)])],
            Measurement = new CampaignMeasurement([new StepVariantMeasurement("main", "a", 290, 280, 70, 20, Bounces: 10)]),
            InFlightAtEnd = ["send-main-1-3"],
        };

        var report = CampaignReport.Of(state, Start);

        var a = report.Steps.Single().Variants.Single();
        Assert.Equal(new EngagementCounts(290, 280, 70, 20, 10, Failed: 1, Excluded: 4), a.Counts);
        Assert.Equal((1, 0), (report.Steps.Single().Slots, report.Steps.Single().SlotsSent));
        Assert.Equal(["send-main-1-3"], report.InFlightAtEnd);
        Assert.Null(report.NextActionAt);
    }
}
