using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class CampaignMetricsTests
{
    private static MessageCounts Counts(long sent, long opens = 0, long clicks = 0, long hard = 0, long soft = 0, long converted = 0) =>
        MessageCounts.Zero with { Sent = sent, UniqueOpens = opens, UniqueClicks = clicks, HardBounces = hard, SoftBounces = soft, ConvertedMessages = converted, Conversions = converted };

    [Fact]
    public void RatesDivideByDeliveredExceptClickToOpenAndBounceRate()
    {
        var rates = (Counts(100, opens: 30, clicks: 6, hard: 5, soft: 5) with { Unsubscribes = 9, Complaints = 1 }).Rates();

        Assert.Equal(30.0 / 90, rates.OpenRate!.Value, 9);
        Assert.Equal(6.0 / 90, rates.ClickRate!.Value, 9);
        Assert.Equal(6.0 / 30, rates.ClickToOpenRate!.Value, 9);
        Assert.Equal(10.0 / 100, rates.BounceRate!.Value, 9);
        Assert.Equal(9.0 / 90, rates.UnsubscribeRate!.Value, 9);
        Assert.Equal(1.0 / 90, rates.ComplaintRate!.Value, 9);
    }

    [Fact]
    public void NothingSentOrNothingOpenedLeavesTheRatesThatWouldDivideByZeroEmpty()
    {
        var none = MessageCounts.Zero.Rates();
        var unopened = Counts(10).Rates();

        Assert.Equal(new EngagementRates(null, null, null, null, null, null, null, null), none);
        Assert.Equal(0.0, unopened.OpenRate);
        Assert.Null(unopened.ClickToOpenRate);
    }

    [Fact]
    public void DeliveredNeverGoesBelowZeroWhenReportsOutnumberTheLedger() =>
        Assert.Equal(0, Counts(1, hard: 3).Delivered);

    [Fact]
    public void AsTheReportModelCountsThemBouncesAreOneFigureAndNothingExceedsDelivered()
    {
        var counts = (Counts(10, opens: 9, clicks: 9, hard: 1, soft: 1, converted: 9) with { Suppressed = 1, Revenue = 12.5m }).ToEngagementCounts();

        Assert.Equal(new EngagementCounts(Sent: 10, Delivered: 7, UniqueOpens: 7, UniqueClicks: 7, Bounces: 2, Conversions: 9, Converters: 7, Revenue: 12.5m), counts);
    }

    [Fact]
    public void AClearlyHigherClickRateIsBetterWithItsLiftAndConfidence()
    {
        var comparison = CampaignMetrics.Compare("a", Counts(2_000, clicks: 400), "b", Counts(2_000, clicks: 500), AbTestMetric.Clicks);

        Assert.Equal(AbVerdict.Better, comparison.Verdict);
        Assert.Equal(0.25, comparison.Lift!.Value, 6);
        Assert.True(comparison.Confidence > 0.999);
    }

    [Fact]
    public void ALowerRateIsWorseAndASmallDifferenceIsInconclusive()
    {
        Assert.Equal(AbVerdict.Worse, CampaignMetrics.Compare("a", Counts(2_000, opens: 500), "b", Counts(2_000, opens: 400), AbTestMetric.Opens).Verdict);
        Assert.Equal(AbVerdict.Inconclusive, CampaignMetrics.Compare("a", Counts(200, opens: 40), "b", Counts(200, opens: 44), AbTestMetric.Opens).Verdict);
    }

    [Fact]
    public void ASideWithoutDeliveredMessagesIsNotEnoughData()
    {
        var comparison = CampaignMetrics.Compare("a", Counts(10, hard: 10), "b", Counts(10, converted: 2), AbTestMetric.Conversions);

        Assert.Equal(AbVerdict.NotEnoughData, comparison.Verdict);
        Assert.Null(comparison.PValue);
        Assert.Equal(0.2, comparison.VariantRate!.Value, 9);
    }
}
