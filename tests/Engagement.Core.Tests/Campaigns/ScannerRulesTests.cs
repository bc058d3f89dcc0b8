using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class ScannerRulesTests
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private static readonly DateTimeOffset SentAt = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    private static readonly Uri Sale = new("https://shop.example.com/sale");
    private static readonly Uri Terms = new("https://shop.example.com/terms");
    private readonly ScannerRules _rules = new();

    public static TheoryData<string, EngagementKind, string, double, ScannerReason?, bool> Requests => new()
    {
        // method, kind, user agent, seconds after delivery → reason, proxied
        { "GET", EngagementKind.Click, Chrome, 600, null, false },
        { "HEAD", EngagementKind.Click, Chrome, 600, ScannerReason.HeadRequest, false },
        { "GET", EngagementKind.Click, "Mozilla/5.0 (compatible; Microsoft Defender SafeLinks)", 600, ScannerReason.ScannerAgent, false },
        { "GET", EngagementKind.Click, "Proofpoint URL Defense", 600, ScannerReason.ScannerAgent, false },
        { "GET", EngagementKind.Click, "Mimecast-LinkScanner/1.0", 600, ScannerReason.ScannerAgent, false },
        { "GET", EngagementKind.Click, "Barracuda Sentinel (EE)", 600, ScannerReason.ScannerAgent, false },
        { "GET", EngagementKind.Click, "python-requests/2.31", 600, ScannerReason.ScannerAgent, false },
        { "GET", EngagementKind.Click, Chrome, 3, ScannerReason.ClickTooSoon, false },
        { "GET", EngagementKind.Click, Chrome, 10, null, false },
        { "GET", EngagementKind.Open, Chrome, 1, null, false },
        { "GET", EngagementKind.Open, "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", 30, null, true },
        { "GET", EngagementKind.Open, "Mozilla/5.0", 2, ScannerReason.PrivacyPrefetch, false },
        { "GET", EngagementKind.Open, "Mimecast", 30, ScannerReason.ScannerAgent, false },
        { "HEAD", EngagementKind.Open, Chrome, 30, ScannerReason.HeadRequest, false },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void RequestsAreClassifiedByMethodAgentAndTiming(string method, EngagementKind kind, string agent, double secondsAfterDelivery, ScannerReason? reason, bool proxied)
    {
        var verdict = _rules.Classify(new TrackingRequest(kind, method, agent, SentAt.AddSeconds(secondsAfterDelivery), SentAt, kind == EngagementKind.Click ? Sale : null));

        Assert.Equal(reason, verdict.Reason);
        Assert.Equal(proxied, verdict.Proxied);
        Assert.Equal(reason is not null, verdict.Flagged);
    }

    [Fact]
    public void AClickOnAnotherLinkOfTheMessageWithinASecondIsABurst()
    {
        var at = SentAt.AddMinutes(5);

        var verdict = _rules.Classify(new TrackingRequest(EngagementKind.Click, "GET", Chrome, at, SentAt, Terms), [new EarlierClick(Sale, at.AddMilliseconds(-300))]);

        Assert.Equal(ScannerReason.ClickBurst, verdict.Reason);
    }

    [Fact]
    public void ClickingTheSameLinkTwiceQuicklyIsAPersonNotABurst()
    {
        var at = SentAt.AddMinutes(5);

        var verdict = _rules.Classify(new TrackingRequest(EngagementKind.Click, "GET", Chrome, at, SentAt, Sale), [new EarlierClick(Sale, at.AddMilliseconds(-300))]);

        Assert.Null(verdict.Reason);
    }

    [Fact]
    public void ClicksOnTwoLinksMinutesApartAreBothCounted()
    {
        var at = SentAt.AddMinutes(5);

        var verdict = _rules.Classify(new TrackingRequest(EngagementKind.Click, "GET", Chrome, at, SentAt, Terms), [new EarlierClick(Sale, at.AddMinutes(-2))]);

        Assert.Null(verdict.Reason);
    }

    [Fact]
    public void TheQuickClickWindowIsConfigurable()
    {
        var rules = new ScannerRules(TimeSpan.FromSeconds(60));

        var verdict = rules.Classify(new TrackingRequest(EngagementKind.Click, "GET", Chrome, SentAt.AddSeconds(30), SentAt, Sale));

        Assert.Equal(ScannerReason.ClickTooSoon, verdict.Reason);
    }
}
