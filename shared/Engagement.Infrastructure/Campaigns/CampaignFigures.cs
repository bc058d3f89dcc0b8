using Engagement.Core.Campaigns;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>The figures of one variant (of a step, or of the whole campaign).</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Counts">What its messages did.</param>
/// <param name="Rates">Its rates.</param>
public sealed record VariantFigures(string Variant, MessageCounts Counts, EngagementRates Rates);

/// <summary>The figures of one step of a campaign (test, main, reminder, …).</summary>
/// <param name="Step">The step ("" for opens and clicks of messages whose id names no step).</param>
/// <param name="Variants">Per variant, by name.</param>
/// <param name="Total">All variants together.</param>
/// <param name="Rates">The rates of all variants together.</param>
/// <param name="Comparisons">Each variant against the first (the control), when the step has more than one.</param>
public sealed record StepFigures(string Step, IReadOnlyList<VariantFigures> Variants, MessageCounts Total, EngagementRates Rates, IReadOnlyList<VariantComparison> Comparisons);

/// <summary>
/// First opens and first clicks of messages within one hour (UTC), or one day when engagement spans more than
/// <see cref="CampaignFigures.HourlyLimit"/>: how engagement came in over time.
/// </summary>
/// <param name="From">The start of the hour (or day).</param>
/// <param name="Length">An hour or a day.</param>
/// <param name="Opens">Messages first opened in it.</param>
/// <param name="Clicks">Messages first clicked in it.</param>
public sealed record EngagementPeriod(DateTimeOffset From, TimeSpan Length, int Opens, int Clicks);

/// <summary>What the send ledger says beyond the messages sent.</summary>
/// <param name="Claimed">Sends claimed and not yet confirmed (sending now, or a sender that stopped).</param>
/// <param name="Failed">Sends the relay refused for good.</param>
/// <param name="Excluded">Recipients left out before sending, by reason.</param>
public sealed record LedgerSummary(long Claimed, long Failed, IReadOnlyDictionary<string, int> Excluded);

/// <summary>The body of <c>GET /api/campaigns/{id}/report</c>: a campaign's figures per variant and step, and its A/B verdict.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="GeneratedAt">When the figures were read.</param>
/// <param name="Metric">The metric variants are compared on.</param>
/// <param name="ConfidenceLevel">The confidence a difference needs to be called.</param>
/// <param name="Total">The whole campaign.</param>
/// <param name="Rates">The whole campaign's rates.</param>
/// <param name="Variants">Per variant, all steps together, by name; the first is the control.</param>
/// <param name="Comparisons">Each variant against the control, all steps together.</param>
/// <param name="Steps">Per step, by name.</param>
/// <param name="OverTime">First opens and clicks per hour (per day past <see cref="CampaignFigures.HourlyLimit"/>), from the first to the last with any.</param>
/// <param name="Ledger">Claims, failures and exclusions of the send ledger.</param>
/// <param name="ConversionEvent">The track event counted as a conversion.</param>
/// <param name="AttributionWindow">How long after a click a conversion is credited.</param>
public sealed record CampaignFiguresReport(
    string CampaignId,
    DateTimeOffset GeneratedAt,
    AbTestMetric Metric,
    double ConfidenceLevel,
    MessageCounts Total,
    EngagementRates Rates,
    IReadOnlyList<VariantFigures> Variants,
    IReadOnlyList<VariantComparison> Comparisons,
    IReadOnlyList<StepFigures> Steps,
    IReadOnlyList<EngagementPeriod> OverTime,
    LedgerSummary Ledger,
    string ConversionEvent,
    TimeSpan AttributionWindow);

/// <summary>
/// A campaign's report: messages sent (the send ledger), delivery outcomes, complaints and unsubscribes
/// (<see cref="EmailDeliveryEvents"/>), counted opens, clicks and credited conversions with their revenue
/// (<see cref="CampaignTracking"/>), per step and variant, with the rates of <see cref="CampaignMetrics"/> and each
/// variant compared with the control. Every count counts messages: a message opened twice, by our pixel and in the
/// relay's report, is one open; a message's delivery outcome is its latest report.
/// </summary>
public sealed class CampaignFigures(CampaignSendLedger ledger, CampaignTracking tracking, EmailDeliveryEvents deliveries, IOptions<CampaignTrackingOptions> options, TimeProvider clock)
{
    /// <summary>Engagement spread over longer than this is counted per day rather than per hour.</summary>
    public static readonly TimeSpan HourlyLimit = TimeSpan.FromDays(14);

    /// <summary>The report of <paramref name="campaignId"/>; null when nothing was ever sent, tracked or reported for it.</summary>
    public async Task<CampaignFiguresReport?> ReportAsync(string campaignId, AbTestMetric metric = AbTestMetric.Clicks, double confidenceLevel = CampaignMetrics.DefaultConfidenceLevel, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(campaignId);
        var (sends, counts, facts) = await CountAsync(campaignId, null, null, cancellationToken);
        if (sends.Count == 0 && counts.Count == 0)
        {
            return null;
        }

        var steps = counts.GroupBy(c => c.Key.Step).OrderBy(g => g.Key, StringComparer.Ordinal).Select(step =>
        {
            var variants = Figures(step.Select(c => (c.Key.Variant, c.Value)));
            var total = variants.Aggregate(MessageCounts.Zero, (sum, v) => sum + v.Counts);
            return new StepFigures(step.Key, variants, total, total.Rates(), Compare(variants, metric, confidenceLevel));
        }).ToList();
        var byVariant = Figures(counts.GroupBy(c => c.Key.Variant).Select(g => (g.Key, g.Aggregate(MessageCounts.Zero, (sum, c) => sum + c.Value))));
        var campaign = byVariant.Aggregate(MessageCounts.Zero, (sum, v) => sum + v.Counts);
        var excluded = sends.SelectMany(s => s.Excluded).GroupBy(e => e.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Value), StringComparer.Ordinal);
        return new CampaignFiguresReport(
            campaignId,
            clock.GetUtcNow(),
            metric,
            confidenceLevel,
            campaign,
            campaign.Rates(),
            byVariant,
            Compare(byVariant, metric, confidenceLevel),
            steps,
            OverTime(facts.Engagement),
            new LedgerSummary(sends.Sum(s => (long)s.Claimed), sends.Sum(s => (long)s.Failed), excluded),
            options.Value.ConversionEvent,
            options.Value.AttributionWindow);
    }

    /// <summary>
    /// The campaign workflow's measurement (<see cref="CampaignActivities.Measure"/>): per step asked for and variant
    /// with any send, the same counts as the report, up to <see cref="MeasureCampaign.AsOf"/>, with the campaign's own
    /// conversion event and attribution window.
    /// </summary>
    public async Task<CampaignMeasurement> MeasureAsync(MeasureCampaign input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentException.ThrowIfNullOrWhiteSpace(input.CampaignId);
        var steps = (input.Steps ?? []).ToHashSet(StringComparer.Ordinal);
        var (_, counts, _) = await CountAsync(input.CampaignId, (input.ConversionEvent, TimeSpan.FromDays(input.AttributionDays)), input.AsOf, cancellationToken);
        var rows = counts
            .Where(c => steps.Contains(c.Key.Step) && c.Key.Variant.Length > 0 && c.Value.Sent > 0)
            .OrderBy(c => c.Key.Step, StringComparer.Ordinal).ThenBy(c => c.Key.Variant, StringComparer.Ordinal)
            .Select(c =>
            {
                var engagement = c.Value.ToEngagementCounts();
                return new StepVariantMeasurement(c.Key.Step, c.Key.Variant, engagement.Sent, engagement.Delivered, engagement.UniqueOpens, engagement.UniqueClicks,
                    engagement.Bounces, engagement.Unsubscribes, engagement.Complaints, engagement.Conversions, engagement.Converters, engagement.Revenue);
            })
            .ToList();
        return new CampaignMeasurement(rows);
    }

    /// <summary>
    /// Sends, counts per step and variant, and the tracking facts of a campaign: messages sent (the ledger), their
    /// latest delivery outcomes, complaints, unsubscribes, counted opens and clicks and credited conversions.
    /// </summary>
    private async Task<(IReadOnlyList<SendCounts> Sends, Dictionary<(string Step, string Variant), MessageCounts> Counts, CampaignTrackingFacts Facts)> CountAsync(
        string campaignId, (string Event, TimeSpan Window)? conversion, DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        var sends = await ledger.CountsAsync(campaignId, cancellationToken);
        var events = (await deliveries.OfCampaignAsync(campaignId, cancellationToken)).Where(e => asOf is null || e.At <= asOf).ToList();
        var facts = await tracking.FactsAsync(campaignId, conversion, asOf, cancellationToken);
        var counts = new Dictionary<(string Step, string Variant), MessageCounts>();
        void Add((string, string) key, MessageCounts more) => counts[key] = counts.GetValueOrDefault(key, MessageCounts.Zero) + more;

        foreach (var send in sends.Where(s => s.Sent > 0))
        {
            Add((send.Step, send.Variant), MessageCounts.Zero with { Sent = send.Sent });
        }

        // A message's delivery outcome is its latest report (a soft bounce, then delivered on a later attempt, is delivered).
        foreach (var message in events.Where(e => e.Outcome is { } o && o != EmailDeliveryOutcome.Complained).GroupBy(e => (e.Step, e.Variant, e.MessageId)))
        {
            var last = message.OrderBy(e => e.At).ThenBy(e => e.Outcome == EmailDeliveryOutcome.Delivered ? 1 : 0).Last().Outcome!.Value;
            Add((message.Key.Step, message.Key.Variant), last switch
            {
                EmailDeliveryOutcome.Delivered => MessageCounts.Zero with { ReportedDelivered = 1 },
                EmailDeliveryOutcome.HardBounce => MessageCounts.Zero with { HardBounces = 1 },
                EmailDeliveryOutcome.SoftBounce => MessageCounts.Zero with { SoftBounces = 1 },
                EmailDeliveryOutcome.Suppressed => MessageCounts.Zero with { Suppressed = 1 },
                EmailDeliveryOutcome.SpamFiltered => MessageCounts.Zero with { SpamFiltered = 1 },
                _ => MessageCounts.Zero with { Quarantined = 1 },
            });
        }

        foreach (var group in events.Where(e => e.Outcome == EmailDeliveryOutcome.Complained).GroupBy(e => (e.Step, e.Variant)))
        {
            Add(group.Key, MessageCounts.Zero with { Complaints = group.Select(e => e.MessageId).Distinct(StringComparer.Ordinal).Count() });
        }

        foreach (var group in events.Where(e => e.Outcome is null).GroupBy(e => (e.Step, e.Variant)))
        {
            Add(group.Key, MessageCounts.Zero with { Unsubscribes = group.Select(e => e.MessageId).Distinct(StringComparer.Ordinal).Count() });
        }

        // A click means the message was opened, even when its images (the pixel) were never loaded.
        foreach (var group in facts.Engagement.GroupBy(e => (e.Step, e.Variant)))
        {
            Add(group.Key, MessageCounts.Zero with
            {
                UniqueOpens = group.Select(e => e.MessageId).Distinct(StringComparer.Ordinal).Count(),
                UniqueClicks = group.Where(e => e.Kind == EngagementKind.Click).Select(e => e.MessageId).Distinct(StringComparer.Ordinal).Count(),
            });
        }

        foreach (var group in facts.Conversions.GroupBy(c => (c.Step, c.Variant)))
        {
            Add(group.Key, MessageCounts.Zero with
            {
                Conversions = group.Count(),
                ConvertedMessages = group.Select(c => c.MessageId).Distinct(StringComparer.Ordinal).Count(),
                Revenue = group.Sum(c => c.Revenue),
            });
        }

        return (sends, counts, facts);
    }

    private static List<VariantFigures> Figures(IEnumerable<(string Variant, MessageCounts Counts)> variants) =>
        variants
            // Exclusions are recorded before a variant is chosen: a variant "" with nothing in it is no variant.
            .Where(v => v.Variant.Length > 0 || v.Counts != MessageCounts.Zero)
            .OrderBy(v => v.Variant, StringComparer.Ordinal)
            .Select(v => new VariantFigures(v.Variant, v.Counts, v.Counts.Rates()))
            .ToList();

    private static List<VariantComparison> Compare(List<VariantFigures> variants, AbTestMetric metric, double confidenceLevel) =>
        variants.Count < 2
            ? []
            : variants.Skip(1).Select(v => CampaignMetrics.Compare(variants[0].Variant, variants[0].Counts, v.Variant, v.Counts, metric, confidenceLevel)).ToList();

    private static List<EngagementPeriod> OverTime(IReadOnlyList<CountedEngagement> engagement)
    {
        var firsts = engagement.GroupBy(e => e.MessageId, StringComparer.Ordinal).Select(g => g.Min(e => e.At)).ToList();
        if (firsts.Count == 0)
        {
            return [];
        }

        var daily = firsts.Max() - firsts.Min() > HourlyLimit;
        DateTimeOffset Start(DateTimeOffset at) => daily
            ? new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero)
            : new DateTimeOffset(at.UtcDateTime.Date.AddHours(at.UtcDateTime.Hour), TimeSpan.Zero);
        var opens = firsts.Select(Start).ToList();
        var clicks = engagement.Where(e => e.Kind == EngagementKind.Click).GroupBy(e => e.MessageId, StringComparer.Ordinal).Select(g => Start(g.Min(e => e.At))).ToList();
        var periods = new List<EngagementPeriod>();
        for (var from = opens.Min(); from <= opens.Max(); from = daily ? from.AddDays(1) : from.AddHours(1))
        {
            periods.Add(new EngagementPeriod(from, daily ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1), opens.Count(h => h == from), clicks.Count(h => h == from)));
        }

        return periods;
    }
}
