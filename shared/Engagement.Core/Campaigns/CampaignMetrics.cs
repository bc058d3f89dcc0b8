namespace Engagement.Core.Campaigns;

/// <summary>What an A/B comparison concluded.</summary>
public enum AbVerdict
{
    /// <summary>The variant's rate is higher than the control's, with at least the asked confidence.</summary>
    Better,
    /// <summary>The variant's rate is lower than the control's, with at least the asked confidence.</summary>
    Worse,
    /// <summary>The difference could be chance.</summary>
    Inconclusive,
    /// <summary>One side has no delivered message: nothing to compare.</summary>
    NotEnoughData,
}

/// <summary>The counted outcomes of a set of campaign messages (a variant of a step, a variant, a campaign).</summary>
/// <param name="Sent">Messages the relay took (the send ledger).</param>
/// <param name="HardBounces">Messages that bounced for good.</param>
/// <param name="SoftBounces">Messages that bounced for now (their last report).</param>
/// <param name="Suppressed">Messages the relay did not send because of its suppression list.</param>
/// <param name="SpamFiltered">Messages the relay's spam filter blocked.</param>
/// <param name="Quarantined">Messages held in quarantine.</param>
/// <param name="ReportedDelivered">Messages a delivery report confirms as delivered.</param>
/// <param name="UniqueOpens">Messages opened (a counted open or a counted click: a click means it was read with images off).</param>
/// <param name="UniqueClicks">Messages with at least one counted click.</param>
/// <param name="Unsubscribes">Messages whose unsubscribe link was used.</param>
/// <param name="Complaints">Messages the recipient reported as spam.</param>
/// <param name="Conversions">Conversion events credited.</param>
/// <param name="ConvertedMessages">Messages with at least one credited conversion.</param>
/// <param name="Revenue">Sum of the credited conversions' revenue.</param>
public sealed record MessageCounts(
    long Sent,
    long HardBounces,
    long SoftBounces,
    long Suppressed,
    long SpamFiltered,
    long Quarantined,
    long ReportedDelivered,
    long UniqueOpens,
    long UniqueClicks,
    long Unsubscribes,
    long Complaints,
    long Conversions,
    long ConvertedMessages,
    decimal Revenue)
{
    /// <summary>Nothing counted.</summary>
    public static MessageCounts Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0m);

    /// <summary>Messages bounced, hard or soft.</summary>
    public long Bounced => HardBounces + SoftBounces;

    /// <summary>
    /// Messages delivered: sent and not reported undelivered (bounced, suppressed, spam-filtered, quarantined). Without
    /// delivery reports (a local relay) this is what was sent; with them it matches the confirmed count once every
    /// report is in.
    /// </summary>
    public long Delivered => Math.Max(0, Sent - Bounced - Suppressed - SpamFiltered - Quarantined);

    /// <summary>The sum of two counts.</summary>
    public static MessageCounts operator +(MessageCounts a, MessageCounts b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Sent + b.Sent, a.HardBounces + b.HardBounces, a.SoftBounces + b.SoftBounces, a.Suppressed + b.Suppressed, a.SpamFiltered + b.SpamFiltered,
            a.Quarantined + b.Quarantined, a.ReportedDelivered + b.ReportedDelivered, a.UniqueOpens + b.UniqueOpens, a.UniqueClicks + b.UniqueClicks,
            a.Unsubscribes + b.Unsubscribes, a.Complaints + b.Complaints, a.Conversions + b.Conversions, a.ConvertedMessages + b.ConvertedMessages, a.Revenue + b.Revenue);
    }

    /// <summary>The sum of two counts.</summary>
    public static MessageCounts Add(MessageCounts a, MessageCounts b) => a + b;

    /// <summary>These counts as the campaign's report model counts them (bounces hard and soft together; opens, clicks and converters at most delivered).</summary>
    public EngagementCounts ToEngagementCounts()
    {
        var delivered = Delivered;
        return new EngagementCounts(Sent, delivered, Math.Min(UniqueOpens, delivered), Math.Min(UniqueClicks, delivered), Bounced, Unsubscribes, Complaints,
            Conversions, Math.Min(ConvertedMessages, delivered), Revenue);
    }

    /// <summary>OR, CTR, CTOR, bounce, unsubscribe, complaint and conversion rates (<see cref="EngagementRates"/>), null where nothing divides.</summary>
    public EngagementRates Rates() => EngagementRates.Of(ToEngagementCounts());
}

/// <summary>One variant against the control on one metric.</summary>
/// <param name="Control">The control variant (the first).</param>
/// <param name="Variant">The variant compared.</param>
/// <param name="Metric">What is compared, per delivered message.</param>
/// <param name="ControlRate">The control's rate; null without delivered messages.</param>
/// <param name="VariantRate">The variant's rate; null without delivered messages.</param>
/// <param name="PValue">Two-sided p-value of "the rates are equal"; null without data.</param>
/// <param name="Confidence">1 − p; null without data.</param>
/// <param name="Lift">(variant − control) / control; null when the control's rate is 0 or unknown.</param>
/// <param name="Verdict">Better, worse, inconclusive at the asked confidence, or not enough data.</param>
public sealed record VariantComparison(string Control, string Variant, AbTestMetric Metric, double? ControlRate, double? VariantRate, double? PValue, double? Confidence, double? Lift, AbVerdict Verdict);

/// <summary>
/// The A/B comparison of a campaign report: each variant against the control by the two-proportion z-test
/// (<see cref="TwoProportionTest"/>) at one confidence level. The campaign's own choice of a winner
/// (<see cref="AbTestDecision"/>) adds a minimum sample and shares the confidence over the challengers; this one only
/// reports what the figures say.
/// </summary>
public static class CampaignMetrics
{
    /// <summary>The confidence a difference needs to be called a winner or a loser.</summary>
    public const double DefaultConfidenceLevel = 0.95;

    /// <summary>How many delivered messages of <paramref name="counts"/> succeeded on <paramref name="metric"/>.</summary>
    public static long Successes(MessageCounts counts, AbTestMetric metric)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var successes = metric switch
        {
            AbTestMetric.Opens => counts.UniqueOpens,
            AbTestMetric.Clicks => counts.UniqueClicks,
            _ => counts.ConvertedMessages,
        };
        // Engagement reported for messages whose delivery report called them undelivered cannot lift the rate past 1.
        return Math.Min(successes, counts.Delivered);
    }

    /// <summary>Compares <paramref name="variant"/> with <paramref name="control"/> on <paramref name="metric"/>.</summary>
    public static VariantComparison Compare(string control, MessageCounts controlCounts, string variant, MessageCounts variantCounts, AbTestMetric metric, double confidenceLevel = DefaultConfidenceLevel)
    {
        ArgumentNullException.ThrowIfNull(controlCounts);
        ArgumentNullException.ThrowIfNull(variantCounts);
        if (confidenceLevel is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(confidenceLevel), "The confidence level lies strictly between 0 and 1.");
        }

        var (controlTrials, variantTrials) = (controlCounts.Delivered, variantCounts.Delivered);
        var (controlSuccesses, variantSuccesses) = (Successes(controlCounts, metric), Successes(variantCounts, metric));
        if (controlTrials == 0 || variantTrials == 0)
        {
            return new VariantComparison(control, variant, metric, EngagementRates.Rate(controlSuccesses, controlTrials), EngagementRates.Rate(variantSuccesses, variantTrials), null, null, null, AbVerdict.NotEnoughData);
        }

        var test = TwoProportionTest.Compare(controlSuccesses, controlTrials, variantSuccesses, variantTrials);
        var verdict = test.Confidence < confidenceLevel || test.RateA == test.RateB
            ? AbVerdict.Inconclusive
            : test.RateB > test.RateA ? AbVerdict.Better : AbVerdict.Worse;
        return new VariantComparison(control, variant, metric, test.RateA, test.RateB, test.PValue, test.Confidence, test.RelativeLift, verdict);
    }
}
