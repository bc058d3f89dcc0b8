using Azure.Data.Tables;
using Engagement.Core.Campaigns;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Storage;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Campaigns;

[Collection(SharedAzurite.Name)]
public sealed class CampaignFiguresTests(AzuriteFixture azurite)
{
    private const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private static readonly Uri Sale = new("https://shop.example.com/sale");

    private T Get<T>()
        where T : notnull => azurite.Services.Get<T>();

    /// <summary>A campaign of sent messages: the ledger's claims marked sent, one recipient per message.</summary>
    private sealed class CampaignBuilder(string campaign, CampaignSendLedger ledger, CampaignTracking tracking, EmailDeliveryEvents events, EngagementStorage storage)
    {
        public string Id => campaign;

        public string Message(string step, string variant, int n) => new CampaignMessageId(campaign, step, variant, Subject(step, variant, n)).Format("mail.example.com");

        // Recipients of no other campaign: conversions are read from the recipient's events, whoever else wrote them.
        public string Subject(string step, string variant, int n) => $"{campaign}-{step}-{variant}-{n}";

        public async Task SendAsync(string step, string variant, int count)
        {
            var sends = Enumerable.Range(1, count).Select(n => new PlannedSend(Subject(step, variant, n), variant, Message(step, variant, n))).ToList();
            await ledger.ClaimAsync(campaign, step, sends, TimeSpan.FromMinutes(5));
            await ledger.MarkSentAsync(campaign, step, sends.Select(s => s.SubjectKey));
        }

        public async Task ReportAsync(string step, string variant, int n, string status) =>
            await events.RecordDeliveryAsync(new EmailDeliveryReport(Guid.NewGuid().ToString(), $"<{Message(step, variant, n)}>", status, null, DateTimeOffset.UtcNow.AddMinutes(-30)));

        public async Task OpenAsync(string step, string variant, int n) =>
            await tracking.RecordOpenAsync(tracking.Signer!.IssueOpen(Tracked(step, variant, n)), "GET", Chrome, Guid.NewGuid().ToString("N"));

        public async Task ClickAsync(string step, string variant, int n) =>
            await tracking.RecordClickAsync(tracking.Signer!.IssueClick(new TrackedClick(Tracked(step, variant, n), Sale)), "GET", Chrome, Guid.NewGuid().ToString("N"));

        public async Task UnsubscribeAsync(string step, string variant, int n) =>
            await events.RecordUnsubscribeAsync(campaign, Message(step, variant, n), Subject(step, variant, n), DateTimeOffset.UtcNow);

        public async Task ComplainAsync(string step, string variant, int n) =>
            await events.RecordComplaintAsync(new EmailComplaint(Guid.NewGuid().ToString(), Message(step, variant, n), "abuse", DateTimeOffset.UtcNow));

        /// <summary>An Order Completed event of the message's recipient, stored as ingestion stores it.</summary>
        public async Task ConvertAsync(string step, string variant, int n, string properties) =>
            await storage.Events.AddEntityAsync(new TableEntity(Subject(step, variant, n), "ev_" + Guid.NewGuid().ToString("N"))
            {
                ["Kind"] = "track",
                ["Name"] = "Order Completed",
                ["MessageId"] = Guid.NewGuid().ToString("N"),
                ["OccurredAt"] = DateTimeOffset.UtcNow.AddMinutes(5),
                ["Properties"] = properties,
            });

        private TrackedMessage Tracked(string step, string variant, int n) => new(campaign, variant, Message(step, variant, n), Subject(step, variant, n), DateTimeOffset.UtcNow.AddHours(-1));
    }

    private CampaignBuilder NewCampaign() =>
        new(UniqueId.New("camp"), Get<CampaignSendLedger>(), Get<CampaignTracking>(), Get<EmailDeliveryEvents>(), Get<EngagementStorage>());

    [Fact]
    public async Task FiguresAndRatesCountMessagesPerStepAndVariantAndStayEmptyWhereNothingDivides()
    {
        var campaign = NewCampaign();
        await campaign.SendAsync("test", "a", 10);
        await campaign.SendAsync("test", "b", 10);
        await campaign.SendAsync("reminder", "a", 2);
        await campaign.ReportAsync("test", "a", 8, "Bounced");
        await campaign.ReportAsync("test", "a", 9, "Failed");
        await campaign.ReportAsync("test", "a", 10, "Suppressed");
        await campaign.ReportAsync("test", "a", 1, "Delivered");
        await campaign.ReportAsync("reminder", "a", 1, "Bounced");
        await campaign.ReportAsync("reminder", "a", 2, "Bounced");
        foreach (var n in new[] { 1, 1, 2, 3, 4 })
        {
            await campaign.OpenAsync("test", "a", n);
        }

        await campaign.ClickAsync("test", "a", 1);
        await campaign.ClickAsync("test", "a", 5);
        await campaign.UnsubscribeAsync("test", "a", 2);
        await campaign.UnsubscribeAsync("test", "a", 2);
        await campaign.ComplainAsync("test", "a", 3);
        await campaign.ConvertAsync("test", "a", 1, """{"revenue":"49.50","total":60}""");
        await campaign.ConvertAsync("test", "a", 5, """{"value":10}""");
        await campaign.ConvertAsync("test", "a", 5, """{"currency":"CZK"}""");

        var report = (await Get<CampaignFigures>().ReportAsync(campaign.Id))!;

        var testA = report.Steps.Single(s => s.Step == "test").Variants.Single(v => v.Variant == "a");
        Assert.Equal((10L, 7L, 1L, 1L, 1L, 1L), (testA.Counts.Sent, testA.Counts.Delivered, testA.Counts.HardBounces, testA.Counts.SoftBounces, testA.Counts.Suppressed, testA.Counts.ReportedDelivered));
        Assert.Equal((5L, 2L, 1L, 1L), (testA.Counts.UniqueOpens, testA.Counts.UniqueClicks, testA.Counts.Unsubscribes, testA.Counts.Complaints));
        Assert.Equal((3L, 2L, 59.50m), (testA.Counts.Conversions, testA.Counts.ConvertedMessages, testA.Counts.Revenue));
        Assert.Equal(5.0 / 7, testA.Rates.OpenRate!.Value, 9);
        Assert.Equal(2.0 / 7, testA.Rates.ClickRate!.Value, 9);
        Assert.Equal(2.0 / 5, testA.Rates.ClickToOpenRate!.Value, 9);
        Assert.Equal(2.0 / 10, testA.Rates.BounceRate!.Value, 9);
        Assert.Equal(1.0 / 7, testA.Rates.UnsubscribeRate!.Value, 9);
        Assert.Equal(1.0 / 7, testA.Rates.ComplaintRate!.Value, 9);

        var testB = report.Steps.Single(s => s.Step == "test").Variants.Single(v => v.Variant == "b");
        Assert.Equal((10L, 10L, 0L), (testB.Counts.Sent, testB.Counts.Delivered, testB.Counts.UniqueOpens));
        Assert.Equal(0.0, testB.Rates.OpenRate);
        Assert.Null(testB.Rates.ClickToOpenRate);

        var reminder = Assert.Single(report.Steps.Single(s => s.Step == "reminder").Variants);
        Assert.Equal((2L, 0L), (reminder.Counts.Sent, reminder.Counts.Delivered));
        Assert.Null(reminder.Rates.OpenRate);
        Assert.Null(reminder.Rates.UnsubscribeRate);
        Assert.Equal(1.0, reminder.Rates.BounceRate);

        var a = report.Variants.Single(v => v.Variant == "a");
        Assert.Equal((12L, 7L, 3L, 1L), (a.Counts.Sent, a.Counts.Delivered, a.Counts.HardBounces, a.Counts.SoftBounces));
        Assert.Equal(22L, report.Total.Sent);
        Assert.Equal(["a", "b"], report.Variants.Select(v => v.Variant));
        Assert.Equal(["reminder", "test"], report.Steps.Select(s => s.Step));
        Assert.Equal(5, report.OverTime.Sum(p => p.Opens));
        Assert.Equal(2, report.OverTime.Sum(p => p.Clicks));
    }

    [Fact]
    public async Task TheAbVerdictComparesEachVariantWithTheControlOnTheChosenMetric()
    {
        var campaign = NewCampaign();
        await campaign.SendAsync("test", "a", 100);
        await campaign.SendAsync("test", "b", 100);
        await campaign.SendAsync("test", "c", 100);
        for (var n = 1; n <= 25; n++)
        {
            await campaign.ClickAsync("test", "b", n);
            if (n <= 5)
            {
                await campaign.ClickAsync("test", "a", n);
            }

            if (n <= 6)
            {
                await campaign.ClickAsync("test", "c", n);
            }
        }

        var byClicks = (await Get<CampaignFigures>().ReportAsync(campaign.Id, AbTestMetric.Clicks))!;
        var byConversions = (await Get<CampaignFigures>().ReportAsync(campaign.Id, AbTestMetric.Conversions))!;

        var b = byClicks.Comparisons.Single(c => c.Variant == "b");
        var c = byClicks.Comparisons.Single(c => c.Variant == "c");
        Assert.Equal(("a", AbVerdict.Better), (b.Control, b.Verdict));
        Assert.Equal(((double?)0.05, (double?)0.25), (b.ControlRate, b.VariantRate));
        Assert.Equal(4.0, b.Lift!.Value, 9);
        Assert.True(b.Confidence > 0.999);
        Assert.Equal(AbVerdict.Inconclusive, c.Verdict);
        Assert.True(c.Confidence < 0.95);
        Assert.Equal(byClicks.Comparisons, byClicks.Steps.Single().Comparisons);
        Assert.All(byConversions.Comparisons, comparison => Assert.Equal((AbTestMetric.Conversions, AbVerdict.Inconclusive, (double?)null), (comparison.Metric, comparison.Verdict, comparison.Lift)));
    }

    [Fact]
    public async Task TheWorkflowsMeasurementCountsTheAskedStepsUpToItsTime()
    {
        var campaign = NewCampaign();
        await campaign.SendAsync("test", "a", 4);
        await campaign.SendAsync("test", "b", 4);
        await campaign.SendAsync("main", "a", 10);
        await campaign.ReportAsync("test", "a", 1, "Bounced");
        await campaign.OpenAsync("test", "a", 2);
        await campaign.ClickAsync("test", "b", 3);
        var figures = Get<CampaignFigures>();

        var now = await figures.MeasureAsync(new MeasureCampaign(campaign.Id, ["test"], "Order Completed", 7, DateTimeOffset.UtcNow.AddMinutes(1)));
        var earlier = await figures.MeasureAsync(new MeasureCampaign(campaign.Id, ["test"], "Order Completed", 7, DateTimeOffset.UtcNow.AddHours(-1)));

        Assert.Equal(
            [new StepVariantMeasurement("test", "a", 4, 3, 1, 0, Bounces: 1), new StepVariantMeasurement("test", "b", 4, 4, 1, 1)],
            now.Rows);
        Assert.Empty(now.Problems());
        Assert.Equal(
            [new StepVariantMeasurement("test", "a", 4, 4, 0, 0), new StepVariantMeasurement("test", "b", 4, 4, 0, 0)],
            earlier.Rows);
    }

    [Fact]
    public async Task ACampaignNothingWasSentTrackedOrReportedForHasNoReport() =>
        Assert.Null(await Get<CampaignFigures>().ReportAsync(UniqueId.New("never")));

    [Fact]
    public async Task TheChartIsAPng()
    {
        var campaign = NewCampaign();
        await campaign.SendAsync("test", "a", 3);
        await campaign.SendAsync("test", "b", 3);
        await campaign.OpenAsync("test", "a", 1);
        await campaign.ClickAsync("test", "b", 2);

        var png = CampaignReportChart.Png((await Get<CampaignFigures>().ReportAsync(campaign.Id))!);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.True(png.Length > 5_000);
    }
}
