using Engagement.Core.ConsentDrives;
using static Engagement.Core.Tests.ConsentDrives.DriveInputBuilder;

namespace Engagement.Core.Tests.ConsentDrives;

public sealed class ConsentDriveReportTests
{
    [Fact]
    public void TheReportShowsTheCurveAgainstThePlanChannelsVariantsSegmentsAndEscalations()
    {
        var population = ConsentDriveTests.Population(3000);
        var run = DriveRun.Against(population, Drive(target: 0.9, days: 12));
        run.RunToEnd(population.LivePeriod);

        var report = ConsentDriveReport.Of(run.State);

        Assert.Equal("Spring opt-in", report.Name);
        Assert.Equal(DriveStatus.Completed, report.Status);
        Assert.Equal(DriveOutcome.DeadlinePassed, report.Outcome);
        Assert.Null(report.NextReviewAt);
        Assert.Equal(13, report.Progress.Count);
        Assert.Equal(ConsentDriveReport.PlanSteps + 1, report.Plan.Count);
        Assert.Equal((Start, 0.0), (report.Plan[0].At, report.Plan[0].Share));
        Assert.Equal((run.State.Deadline, 0.9), (report.Plan[^1].At, report.Plan[^1].Share));
        Assert.Equal((double)population.OptedIn / population.Size, report.Share);
        Assert.Equal([DriveChannel.WebForm, DriveChannel.Email, DriveChannel.Sms, DriveChannel.CallCentre], report.Channels.Select(c => c.Channel));
        var forms = report.Channels[0];
        Assert.Equal(DriveChannelStanding.Open, forms.Standing);
        Assert.Equal((double)forms.Conversions / forms.Asked, forms.ConversionRate);
        Assert.Equal(0, forms.MaxWaves);
        var email = report.Channels[1];
        Assert.Equal(run.State.Escalations[0].At, email.OpenedAt);
        Assert.True(email.Waves > 0 && email.Contacted > 0);
        Assert.Equal(2, report.Variants.Count);
        Assert.All(report.Variants, v => Assert.Equal((double)v.Conversions / v.Displays, v.ConversionRate));
        Assert.Equal(["bronze", "gold", "silver"], report.Segments.Select(s => s.Segment));
        Assert.Equal(population.Size, report.Segments.Sum(s => s.Contacts));
        Assert.All(report.Segments, s => Assert.Equal((double)s.Asked / s.Contacts, s.Reach));
        Assert.Equal(run.State.Escalations, report.Escalations);
        Assert.Equal(ReactivationStatus.Done, report.Reactivation.Status);
    }

    [Fact]
    public void TheTextHasTablesOfTheCurveChannelsVariantsAndSegments()
    {
        var population = ConsentDriveTests.Population(3000);
        var run = DriveRun.Against(population, Drive(target: 0.9, days: 12), c => c.Id == "wave-sms-1" ? "SMS gateway refused" : null);
        run.RunToEnd(population.LivePeriod);

        var text = ConsentDriveReport.Of(run.State).ToText();
        var lines = text.Split('\n');

        Assert.StartsWith("Consent drive \"Spring opt-in\": finished 2026-03-13 00:00Z: deadline 2026-03-13 00:00:00Z passed at ", lines[0], StringComparison.Ordinal);
        Assert.Contains("Purposes: marketing, profiling. Target 90.0 % by 2026-03-13 00:00Z (Linear plan from 2026-03-01 00:00Z).", text, StringComparison.Ordinal);
        Assert.Matches(@"\n  measured +audience +opted in +share +plan +gap\n  2026-03-01 00:00 +3,000 +0 +0\.0 % +0\.0 % +0\.0\n", text);
        Assert.Equal(13, lines.Count(l => l.StartsWith("  2026-03-", StringComparison.Ordinal) && l.EndsWith('%') is false && l.Contains("3,000", StringComparison.Ordinal)));
        Assert.Matches(@"\n  web-form +open +2026-03-01 00:00 +[\d,]+ +[\d,]+ +\d+\.\d % +- ", text);
        Assert.Matches(@"\n  email +(open|done) +2026-03-\d\d 00:00 +[\d,]+ +[\d,]+ +\d+\.\d % +\d+/5 ", text);
        Assert.Matches(@"\n  sms +gave up ", text);
        Assert.Matches(@"\n  page-b +injection page +[\d,]+ +[\d,]+ +\d+\.\d % +\d+\.\d % +0\n", text);
        Assert.Matches(@"\n  gold +1,000 +[\d,]+ +\d+\.\d % +[\d,]+ +\d+\.\d %\n", text);
        Assert.Matches(@"\n  2026-03-\d\d 00:00  email opened: share \d+\.\d % is behind the plan's \d+\.\d % by more than 2\.0 %\n", text);
        Assert.Matches(@"Reactivation of contacts of unknown provenance \([\d,]+ in the audience\): sent, [\d,]+ by e-mail, [\d,]+ by SMS, [\d,]+ unreachable", text);
        Assert.Contains("wave-sms-1 after 3 attempts: SMS gateway refused", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ARunningDriveReportsItsNextReviewAndADriveNotYetMeasuredSaysSo()
    {
        var decision = new ConsentDrive().Start(Drive(), Start);

        var report = ConsentDriveReport.Of(decision.State);
        var text = report.ToText();

        Assert.Equal(Start.AddDays(1), report.NextReviewAt);
        Assert.Null(report.Share);
        Assert.All(report.Channels, c => Assert.Equal(DriveChannelStanding.NotOpen, c.Standing));
        Assert.Contains("running, next review 2026-03-02 00:00:00Z", text, StringComparison.Ordinal);
        Assert.Contains("Opt-in share: not measured yet.", text, StringComparison.Ordinal);
        Assert.Contains("Escalations\n  none", text, StringComparison.Ordinal);
        Assert.Contains("not sent", text, StringComparison.Ordinal);
    }

    [Fact]
    public void APausedDriveReportsWhy()
    {
        var decider = new ConsentDrive();
        var started = decider.Start(Drive(), Start);
        var paused = decider.Decide(started.State, new Workflows.WorkflowSignal.External("pause", Workflows.WorkflowJson.Write(new PauseDrive("legal review"))), Start);

        var report = ConsentDriveReport.Of(paused.State);

        Assert.Equal(DriveStatus.Paused, report.Status);
        Assert.Equal("legal review", report.StatusNote);
        Assert.Null(report.NextReviewAt);
        Assert.Contains("\"Spring opt-in\": paused (legal review)", report.ToText(), StringComparison.Ordinal);
    }
}
