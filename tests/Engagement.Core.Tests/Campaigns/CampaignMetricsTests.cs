using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class CampaignMetricsTests
{
    private static MessageCounts Counts(long sent, long opens = 0, long clicks = 0, long hard = 0, long soft = 0, long converted = 0) =>
        MessageCounts.Zero with { Sent = sent, UniqueOpens = opens, UniqueClicks = clicks, HardBounces = hard, SoftBounces = soft, ConvertedMessages = converted, Conversions = converted };

    [Fact]
    public void RatesDivideByDeliveredExceptClickToOpenAndBounceRate()
    {
        var rates = CampaignMetrics.Rates(Counts(100, opens: 30, clicks: 6, hard: 5, soft: 5) with { Unsubscribes = 9, Complaints = 1 });

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
        var none = CampaignMetrics.Rates(MessageCounts.Zero);
        var unopened = CampaignMetrics.Rates(Counts(10));

        Assert.Equal(new CampaignRates(null, null, null, null, null, null, null), none);
        Assert.Equal(0.0, unopened.OpenRate);
        Assert.Null(unopened.ClickToOpenRate);
    }

    [Fact]
    public void DeliveredNeverGoesBelowZeroWhenReportsOutnumberTheLedger() =>
        Assert.Equal(0, Counts(1, hard: 3).Delivered);

    [Fact]
    public void AClearlyHigherClickRateIsBetterWithItsLiftAndConfidence()
    {
        var comparison = CampaignMetrics.Compare("a", Counts(2_000, clicks: 400), "b", Counts(2_000, clicks: 500), AbMetric.Clicks);

        Assert.Equal(AbVerdict.Better, comparison.Verdict);
        Assert.Equal(0.25, comparison.Lift!.Value, 6);
        Assert.True(comparison.Confidence > 0.999);
    }

    [Fact]
    public void ALowerRateIsWorseAndASmallDifferenceIsInconclusive()
    {
        Assert.Equal(AbVerdict.Worse, CampaignMetrics.Compare("a", Counts(2_000, opens: 500), "b", Counts(2_000, opens: 400), AbMetric.Opens).Verdict);
        Assert.Equal(AbVerdict.Inconclusive, CampaignMetrics.Compare("a", Counts(200, opens: 40), "b", Counts(200, opens: 44), AbMetric.Opens).Verdict);
    }

    [Fact]
    public void ASideWithoutDeliveredMessagesIsNotEnoughData()
    {
        var comparison = CampaignMetrics.Compare("a", Counts(10, hard: 10), "b", Counts(10, converted: 2), AbMetric.Conversions);

        Assert.Equal(AbVerdict.NotEnoughData, comparison.Verdict);
        Assert.Null(comparison.PValue);
        Assert.Equal(0.2, comparison.VariantRate!.Value, 9);
    }
}
