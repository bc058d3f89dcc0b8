using Engagement.Core.Campaigns;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Subjects;
using Engagement.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Campaigns;

[Collection(SharedAzurite.Name)]
public sealed class CampaignTrackingTests(AzuriteFixture azurite)
{
    private const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly Uri Sale = new("https://shop.example.com/sale");
    private static readonly Uri Terms = new("https://shop.example.com/terms");

    private async Task<(CampaignTracking Tracking, SettableClock Clock, EngagementServices Services)> StartAsync()
    {
        var clock = new SettableClock(Now);
        var services = await azurite.CreateServicesAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        return (services.Get<CampaignTracking>(), clock, services);
    }

    private static TrackedMessage Message(string campaign, string variant, string messageId, string subjectKey = "subject-key") =>
        new(campaign, variant, messageId, subjectKey, Now.AddHours(-1));

    [Fact]
    public async Task ARetriedRequestIsRecordedOnce()
    {
        var (tracking, _, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        var token = tracking.Signer!.IssueOpen(Message(campaign, "a", "m1"));

        await tracking.RecordOpenAsync(token, "GET", Chrome, "req-1");
        await tracking.RecordOpenAsync(token, "GET", Chrome, "req-1");

        var engagement = await tracking.EngagementAsync(campaign);
        Assert.Equal(1, Assert.Single(engagement.Variants).UniqueOpens);
        Assert.Single(await tracking.ExportAsync("subject-key").ContinueWith(t => t.Result.Where(r => r.CampaignId == campaign).ToList()));
    }

    [Fact]
    public async Task UniqueOpensAndClicksCountMessagesPerVariantAndLeaveScannersOut()
    {
        var (tracking, clock, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        var signer = tracking.Signer!;
        await tracking.RecordOpenAsync(signer.IssueOpen(Message(campaign, "a", "m1")), "GET", Chrome, "r1");
        await tracking.RecordOpenAsync(signer.IssueOpen(Message(campaign, "a", "m1")), "GET", Chrome, "r2");
        await tracking.RecordOpenAsync(signer.IssueOpen(Message(campaign, "a", "m2")), "GET", "Mozilla/5.0 (via ggpht.com GoogleImageProxy)", "r3");
        await tracking.RecordOpenAsync(signer.IssueOpen(Message(campaign, "b", "m3")), "GET", "Mozilla/5.0", "r4");
        await tracking.RecordClickAsync(signer.IssueClick(new TrackedClick(Message(campaign, "a", "m1"), Sale)), "GET", Chrome, "r5");
        await tracking.RecordClickAsync(signer.IssueClick(new TrackedClick(Message(campaign, "b", "m3"), Sale)), "HEAD", Chrome, "r6");
        await tracking.RecordClickAsync(signer.IssueClick(new TrackedClick(Message(campaign, "b", "m3"), Sale)), "GET", "Mimecast-LinkScanner", "r7");
        clock.Advance(TimeSpan.FromMinutes(1));
        await tracking.RecordClickAsync(signer.IssueClick(new TrackedClick(Message(campaign, "b", "m4") with { SentAt = clock.GetUtcNow().AddSeconds(-2) }, Sale)), "GET", Chrome, "r8");

        var engagement = await tracking.EngagementAsync(campaign);

        var a = engagement.Variants.Single(v => v.Variant == "a");
        var b = engagement.Variants.Single(v => v.Variant == "b");
        Assert.Equal((2, 1, 1), (a.UniqueOpens, a.UniqueClicks, a.ProxiedOpens));
        Assert.Empty(a.Flagged);
        Assert.Equal((0, 0), (b.UniqueOpens, b.UniqueClicks));
        Assert.Equal(new Dictionary<string, int> { ["clickTooSoon"] = 1, ["headRequest"] = 1, ["privacyPrefetch"] = 1, ["scannerAgent"] = 1 }, b.Flagged);
    }

    [Fact]
    public async Task ABurstOfClicksOnSeveralLinksFlagsTheFirstClickToo()
    {
        var (tracking, clock, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        var message = Message(campaign, "a", "m1");
        await tracking.RecordClickAsync(tracking.Signer!.IssueClick(new TrackedClick(message, Sale)), "GET", Chrome, "r1");
        clock.Advance(TimeSpan.FromMilliseconds(400));
        await tracking.RecordClickAsync(tracking.Signer!.IssueClick(new TrackedClick(message, Terms)), "GET", Chrome, "r2");

        var variant = Assert.Single((await tracking.EngagementAsync(campaign)).Variants);

        Assert.Equal(0, variant.UniqueClicks);
        Assert.Equal(2, variant.Flagged["clickBurst"]);
    }

    [Fact]
    public async Task AnInvalidTokenRecordsNothing()
    {
        var (tracking, _, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        var open = tracking.Signer!.IssueOpen(Message(campaign, "a", "m1"));

        Assert.Null(await tracking.RecordOpenAsync(open[..^2] + "AA", "GET", Chrome, "r1"));
        Assert.Null(await tracking.RecordClickAsync(open, "GET", Chrome, "r2"));
        Assert.Empty((await tracking.EngagementAsync(campaign)).Variants);
    }

    [Fact]
    public async Task SubjectExportHoldsTheOpensAndClicksAndErasureRemovesThem()
    {
        var (tracking, clock, services) = await StartAsync();
        var userId = UniqueId.New("user");
        var subjectKey = services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value;
        var campaign = UniqueId.New("camp");
        await tracking.RecordOpenAsync(tracking.Signer!.IssueOpen(Message(campaign, "a", "m1", subjectKey)), "GET", Chrome, "r1");
        clock.Advance(TimeSpan.FromMinutes(3));
        await tracking.RecordClickAsync(tracking.Signer!.IssueClick(new TrackedClick(Message(campaign, "a", "m1", subjectKey), Sale)), "GET", Chrome, "r2");
        var rights = services.Get<SubjectRights>();

        var export = await rights.ExportAsync(userId);
        var erased = await rights.EraseAsync(userId);

        Assert.Equal([EngagementKind.Open, EngagementKind.Click], export!.CampaignEngagement.Select(r => r.Kind));
        Assert.Equal(Sale.AbsoluteUri, export.CampaignEngagement[1].Url);
        Assert.Equal(2, erased.CampaignEvents);
        Assert.Empty(await tracking.ExportAsync(subjectKey));
        Assert.Empty((await tracking.EngagementAsync(campaign)).Variants);
    }

    [Fact]
    public async Task TrackedBodiesLinkEveryWebAddressThroughASignedClickAndCarryThePixel()
    {
        var (tracking, _, services) = await StartAsync();
        var message = Message(UniqueId.New("camp"), "a", "m1");
        const string html = "<html><body><a href=\"https://shop.example.com/sale?a=1&amp;b=2\">Sale</a> <a href='mailto:x@example.com'>Mail</a></body></html>";

        var tracked = services.Get<TrackingLinks>().Rewrite(html, message, new Uri("https://t.example.com/anything"));

        var click = System.Text.RegularExpressions.Regex.Match(tracked, "href=\"https://t\\.example\\.com/t/c/([^\"]+)\"").Groups[1].Value;
        Assert.Equal(new Uri("https://shop.example.com/sale?a=1&b=2"), tracking.Signer!.ReadClick(click)!.Url);
        Assert.Contains("href='mailto:x@example.com'", tracked, StringComparison.Ordinal);
        var pixel = System.Text.RegularExpressions.Regex.Match(tracked, "src=\"https://t\\.example\\.com/t/o/([^\"]+)\\.gif\"").Groups[1].Value;
        Assert.Equal(message, tracking.Signer.ReadOpen(pixel));
        Assert.EndsWith("</body></html>", tracked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOrderWithinTheWindowAfterACountedClickIsCreditedToItsVariant()
    {
        var (tracking, _, services) = await StartAsync();
        var campaign = UniqueId.New("camp");
        var buyer = UniqueId.New("buyer");
        var late = UniqueId.New("late");
        var keys = services.Get<Pseudonymizer>();
        string KeyOf(string user) => keys.KeyOf(IdentityRef.User(user)).Value;
        await tracking.RecordClickAsync(tracking.Signer!.IssueClick(new TrackedClick(Message(campaign, "a", "m1", KeyOf(buyer)), Sale)), "GET", Chrome, "r1");
        await tracking.RecordClickAsync(tracking.Signer!.IssueClick(new TrackedClick(Message(campaign, "b", "m2", KeyOf(late)), Sale)), "GET", Chrome, "r2");
        await tracking.RecordClickAsync(tracking.Signer!.IssueClick(new TrackedClick(Message(campaign, "b", "m3", KeyOf(buyer)), Sale)), "HEAD", Chrome, "r3");
        await services.Get<Engagement.Infrastructure.Ingestion.IngestionHandler>().HandleAsync(
        [
            Order(buyer, Now.AddDays(2)),
            Order(buyer, Now.AddDays(3)),
            Order(late, Now.AddDays(8)),
            Order(buyer, Now.AddDays(-1)),
        ]);

        var engagement = await tracking.EngagementAsync(campaign);

        var a = engagement.Variants.Single(v => v.Variant == "a");
        var b = engagement.Variants.Single(v => v.Variant == "b");
        Assert.Equal((2, 1), (a.Conversions, a.ConvertedMessages));
        Assert.Equal((0, 0), (b.Conversions, b.ConvertedMessages));
        Assert.Equal(("Order Completed", TimeSpan.FromDays(7)), (engagement.ConversionEvent, engagement.AttributionWindow));
    }

    private static Engagement.Core.Events.EngagementEvent Order(string userId, DateTimeOffset at) => new()
    {
        MessageId = Guid.NewGuid().ToString("N"),
        Kind = Engagement.Core.Events.EventKind.Track,
        SourceId = "campaign-tests",
        UserId = userId,
        Name = "Order Completed",
        Timestamp = at,
        ReceivedAt = at,
    };
}
