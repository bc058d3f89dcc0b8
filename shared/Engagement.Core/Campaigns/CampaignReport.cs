namespace Engagement.Core.Campaigns;

/// <summary>The counts of one step and variant (or a sum of them).</summary>
/// <param name="Sent">Messages taken by the relay.</param>
/// <param name="Delivered">Messages delivered.</param>
/// <param name="UniqueOpens">Messages opened.</param>
/// <param name="UniqueClicks">Messages clicked in.</param>
/// <param name="Bounces">Messages bounced.</param>
/// <param name="Unsubscribes">Unsubscribes from its messages.</param>
/// <param name="Complaints">Spam complaints about its messages.</param>
/// <param name="Conversions">Conversion events credited.</param>
/// <param name="Converters">Messages with a credited conversion.</param>
/// <param name="Revenue">Revenue of the credited conversions.</param>
/// <param name="Failed">Messages the relay refused for good.</param>
/// <param name="Excluded">Recipients left out at send time.</param>
public sealed record EngagementCounts(
    long Sent = 0,
    long Delivered = 0,
    long UniqueOpens = 0,
    long UniqueClicks = 0,
    long Bounces = 0,
    long Unsubscribes = 0,
    long Complaints = 0,
    long Conversions = 0,
    long Converters = 0,
    decimal Revenue = 0,
    long Failed = 0,
    long Excluded = 0)
{
    /// <summary>The sum of two counts.</summary>
    public static EngagementCounts operator +(EngagementCounts a, EngagementCounts b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(
            a.Sent + b.Sent, a.Delivered + b.Delivered, a.UniqueOpens + b.UniqueOpens, a.UniqueClicks + b.UniqueClicks,
            a.Bounces + b.Bounces, a.Unsubscribes + b.Unsubscribes, a.Complaints + b.Complaints, a.Conversions + b.Conversions,
            a.Converters + b.Converters, a.Revenue + b.Revenue, a.Failed + b.Failed, a.Excluded + b.Excluded);
    }

    /// <summary>Adds two counts (the named form of <c>+</c>).</summary>
    public static EngagementCounts Add(EngagementCounts a, EngagementCounts b) => a + b;
}

/// <summary>
/// The rates of a <see cref="EngagementCounts"/>, each null when its denominator is 0 (nothing to divide by, which is
/// not the same as a rate of 0).
/// </summary>
/// <param name="OpenRate">OR = unique opens / delivered.</param>
/// <param name="ClickRate">CTR = unique clicks / delivered.</param>
/// <param name="ClickToOpenRate">CTOR = unique clicks / unique opens.</param>
/// <param name="BounceRate">Bounces / sent.</param>
/// <param name="UnsubscribeRate">Unsubscribes / delivered.</param>
/// <param name="ComplaintRate">Complaints / delivered.</param>
/// <param name="ConversionRate">Converters / delivered.</param>
/// <param name="RevenuePerDelivered">Revenue / delivered.</param>
public sealed record EngagementRates(
    double? OpenRate,
    double? ClickRate,
    double? ClickToOpenRate,
    double? BounceRate,
    double? UnsubscribeRate,
    double? ComplaintRate,
    double? ConversionRate,
    decimal? RevenuePerDelivered)
{
    /// <summary>The rates of <paramref name="counts"/>.</summary>
    public static EngagementRates Of(EngagementCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return new EngagementRates(
            Rate(counts.UniqueOpens, counts.Delivered),
            Rate(counts.UniqueClicks, counts.Delivered),
            Rate(counts.UniqueClicks, counts.UniqueOpens),
            Rate(counts.Bounces, counts.Sent),
            Rate(counts.Unsubscribes, counts.Delivered),
            Rate(counts.Complaints, counts.Delivered),
            Rate(counts.Converters, counts.Delivered),
            counts.Delivered == 0 ? null : counts.Revenue / counts.Delivered);
    }

    /// <summary><paramref name="part"/> / <paramref name="whole"/>; null when <paramref name="whole"/> is 0 or less.</summary>
    public static double? Rate(long part, long whole) => whole <= 0 ? null : (double)part / whole;
}

/// <summary>One variant's numbers (in a step, or over all steps).</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Counts">Its counts.</param>
/// <param name="Rates">Its rates.</param>
public sealed record VariantResult(string Variant, EngagementCounts Counts, EngagementRates Rates);

/// <summary>One step in a <see cref="CampaignReport"/>.</summary>
/// <param name="Step">The step (<see cref="CampaignSteps"/>).</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When its last batch was answered; null while it sends.</param>
/// <param name="Recipients">Recipients in its plan.</param>
/// <param name="Slots">Slots in its plan.</param>
/// <param name="SlotsSent">Slots whose every batch is answered.</param>
/// <param name="FirstSlotAt">Its first slot's instant.</param>
/// <param name="LastSlotAt">Its last slot's instant.</param>
/// <param name="Skipped">For a reminder, recipients not reminded because they reacted.</param>
/// <param name="Excluded">Left out at send time, by reason.</param>
/// <param name="Variants">Per variant.</param>
/// <param name="Total">The step's total.</param>
public sealed record StepReport(
    string Step,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    long Recipients,
    int Slots,
    int SlotsSent,
    DateTimeOffset? FirstSlotAt,
    DateTimeOffset? LastSlotAt,
    long Skipped,
    IReadOnlyDictionary<string, long> Excluded,
    IReadOnlyList<VariantResult> Variants,
    VariantResult Total);

/// <summary>The audience in a <see cref="CampaignReport"/>.</summary>
/// <param name="Included">Recipients in the snapshot.</param>
/// <param name="Excluded">Members left out, by reason.</param>
/// <param name="Cells">Recipients per cell.</param>
public sealed record AudienceReport(long Included, IReadOnlyDictionary<string, long> Excluded, IReadOnlyList<CellCount> Cells);

/// <summary>
/// A campaign's status and results (<c>GET /api/campaigns/{id}</c>, and the final report of
/// <see cref="CampaignActivities.Report"/>), built from the state alone. Sent, failed and excluded come from the
/// answered batches, or from the last measurement where it counts more sent (it also sees batches whose answer never
/// came, such as those running at a cancellation); delivery and engagement come from the last measurement.
/// Rates: <see cref="EngagementRates"/>.
/// </summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Name">Its name.</param>
/// <param name="Phase">Where it is.</param>
/// <param name="Outcome">How it ended, once it has.</param>
/// <param name="StatusNote">How it ended or what it waits for.</param>
/// <param name="StartAt">When it starts (started).</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="NextActionAt">When it next acts on its own (a waiting phase's end or the next batch); null when it waits for answers or is over.</param>
/// <param name="Audience">The audience, once resolved.</param>
/// <param name="Steps">The steps started, in order.</param>
/// <param name="Variants">Per variant over every step.</param>
/// <param name="Total">Everything.</param>
/// <param name="AbTest">The A/B result (winner, confidence, p, lift, or why inconclusive), once decided.</param>
/// <param name="Winner">The variant the holdout gets, once decided.</param>
/// <param name="MeasuredAt">When engagement was last measured.</param>
/// <param name="InFlightAtEnd">Batches still running when it was cancelled.</param>
/// <param name="DroppedRecipients">Recipients whose batches were never sent because it was cancelled.</param>
/// <param name="GivenUp">Commands it gave up on.</param>
public sealed record CampaignReport(
    string CampaignId,
    string Name,
    CampaignPhase Phase,
    CampaignOutcome? Outcome,
    string? StatusNote,
    DateTimeOffset StartAt,
    DateTimeOffset? EndedAt,
    DateTimeOffset? NextActionAt,
    AudienceReport? Audience,
    IReadOnlyList<StepReport> Steps,
    IReadOnlyList<VariantResult> Variants,
    VariantResult Total,
    AbTestResult? AbTest,
    string? Winner,
    DateTimeOffset? MeasuredAt,
    IReadOnlyList<string> InFlightAtEnd,
    long DroppedRecipients,
    IReadOnlyList<GivenUpCampaignCommand> GivenUp)
{
    /// <summary>The name <see cref="Total"/> and step totals carry as their variant.</summary>
    public const string AllVariants = "*";

    /// <summary>The report of a campaign in <paramref name="state"/>; <paramref name="nextActionAt"/> is the decider's wake-up time.</summary>
    public static CampaignReport Of(CampaignState state, DateTimeOffset? nextActionAt = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var definition = state.Input.Definition;
        var order = definition.Variants.Select(v => v.Id).ToList();
        var measured = (state.Measurement?.Rows ?? []).ToDictionary(r => (r.Step, r.Variant));
        var steps = state.Steps.Select(step =>
        {
            var sent = (step.Sent ?? []).ToDictionary(s => s.Variant, StringComparer.Ordinal);
            var variants = sent.Keys.Concat(measured.Keys.Where(k => k.Step == step.Step).Select(k => k.Variant))
                .Distinct(StringComparer.Ordinal)
                .OrderBy(v => order.IndexOf(v) is var i && i < 0 ? int.MaxValue : i).ThenBy(v => v, StringComparer.Ordinal)
                .Select(v => Result(v, Counts(sent.GetValueOrDefault(v), measured.GetValueOrDefault((step.Step, v)))))
                .ToList();
            var slots = step.Slots ?? [];
            return new StepReport(
                step.Step,
                step.StartedAt,
                step.FinishedAt,
                step.Recipients,
                slots.Count,
                slots.Count(s => s.Done >= s.Batches),
                slots.Count == 0 ? null : slots[0].At,
                slots.Count == 0 ? null : slots[^1].At,
                step.Skipped,
                step.Excluded ?? new Dictionary<string, long>(),
                variants,
                Result(AllVariants, variants.Aggregate(new EngagementCounts(), (sum, v) => sum + v.Counts)));
        }).ToList();
        var perVariant = steps.SelectMany(s => s.Variants)
            .GroupBy(v => v.Variant, StringComparer.Ordinal)
            .OrderBy(g => order.IndexOf(g.Key) is var i && i < 0 ? int.MaxValue : i)
            .Select(g => Result(g.Key, g.Aggregate(new EngagementCounts(), (sum, v) => sum + v.Counts)))
            .ToList();
        return new CampaignReport(
            state.Input.CampaignId,
            definition.Name,
            state.Phase,
            state.Outcome,
            state.StatusNote,
            state.StartAt,
            state.EndedAt,
            state.IsOver ? null : nextActionAt,
            state.Audience is { } audience ? new AudienceReport(audience.Included, audience.Excluded, audience.Cells) : null,
            steps,
            perVariant,
            Result(AllVariants, perVariant.Aggregate(new EngagementCounts(), (sum, v) => sum + v.Counts)),
            state.AbTest,
            state.Winner,
            state.MeasuredAt,
            state.InFlightAtEnd,
            state.DroppedRecipients,
            state.GivenUp);
    }

    private static EngagementCounts Counts(VariantSendCount? sent, StepVariantMeasurement? measured) => new(
        Sent: Math.Max(sent?.Sent ?? 0, measured?.Sent ?? 0),
        Delivered: measured?.Delivered ?? 0,
        UniqueOpens: measured?.UniqueOpens ?? 0,
        UniqueClicks: measured?.UniqueClicks ?? 0,
        Bounces: measured?.Bounces ?? 0,
        Unsubscribes: measured?.Unsubscribes ?? 0,
        Complaints: measured?.Complaints ?? 0,
        Conversions: measured?.Conversions ?? 0,
        Converters: measured?.Converters ?? 0,
        Revenue: measured?.Revenue ?? 0,
        Failed: sent?.Failed ?? 0,
        Excluded: sent?.Excluded ?? 0);

    private static VariantResult Result(string variant, EngagementCounts counts) => new(variant, counts, EngagementRates.Of(counts));
}
