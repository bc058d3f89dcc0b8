using System.Globalization;

namespace Engagement.Core.Campaigns;

/// <summary>One variant of the test: its delivered messages and successes by the test's metric.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Delivered">Delivered test messages (the trials).</param>
/// <param name="Successes">Unique opens, unique clicks or converters, by the metric.</param>
/// <param name="Rate">Successes per delivered; null with none delivered.</param>
public sealed record AbTestArm(string Variant, long Delivered, long Successes, double? Rate);

/// <summary>A challenger against the default (control) by the two-proportion test.</summary>
/// <param name="Variant">The challenger.</param>
/// <param name="Rate">Its rate.</param>
/// <param name="ControlRate">The default's rate.</param>
/// <param name="Z">The z statistic (positive when the challenger is higher).</param>
/// <param name="PValue">The two-sided p-value.</param>
/// <param name="Confidence">1 − p.</param>
/// <param name="Lift">(rate − control rate) / control rate; null when the control's rate is 0.</param>
public sealed record AbTestComparison(string Variant, double Rate, double ControlRate, double Z, double PValue, double Confidence, double? Lift);

/// <summary>What the A/B test found.</summary>
/// <param name="Metric">What was compared.</param>
/// <param name="Control">The default variant, the control.</param>
/// <param name="Winner">The variant the holdout gets: the significant winner, or the default when inconclusive.</param>
/// <param name="Conclusive">Whether the data named the winner (false: the default was kept for want of evidence).</param>
/// <param name="Reason">Why, in words; an inconclusive result starts with <c>inconclusive:</c>.</param>
/// <param name="RequiredConfidence">The confidence each comparison needed: the asked confidence shared over the challengers (Bonferroni).</param>
/// <param name="Arms">Every variant's numbers, in the definition's order.</param>
/// <param name="Comparisons">Each challenger against the control (none when a sample was too small).</param>
public sealed record AbTestResult(
    AbTestMetric Metric,
    string Control,
    string Winner,
    bool Conclusive,
    string Reason,
    double RequiredConfidence,
    IReadOnlyList<AbTestArm> Arms,
    IReadOnlyList<AbTestComparison> Comparisons);

/// <summary>
/// Picks the A/B test's winner. Every variant's test cell must have at least the minimum sample of delivered messages;
/// then each challenger is compared with the default (control) by <see cref="TwoProportionTest"/> over the metric per
/// delivered message. With k challengers each comparison needs confidence 1 − (1 − c)/k (Bonferroni), so that the
/// chance of naming a false winner stays at most 1 − c. The winner is the challenger with the highest rate among those
/// significantly above the control; the default wins outright when it is significantly above every challenger; in any
/// other case the default is kept and the result says why it is inconclusive.
/// </summary>
public static class AbTestDecision
{
    /// <summary>Decides from the test step's rows of a measurement.</summary>
    /// <param name="plan">The test.</param>
    /// <param name="variants">The variant ids in the definition's order.</param>
    /// <param name="control">The default variant.</param>
    /// <param name="testRows">The measurement's rows of the test step (missing variants count as zero).</param>
    public static AbTestResult Decide(AbTestPlan plan, IReadOnlyList<string> variants, string control, IEnumerable<StepVariantMeasurement> testRows)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentNullException.ThrowIfNull(testRows);
        var rows = testRows.ToDictionary(r => r.Variant, StringComparer.Ordinal);
        var arms = variants.Select(v =>
        {
            var row = rows.GetValueOrDefault(v);
            var delivered = row?.Delivered ?? 0;
            var successes = row is null ? 0 : Successes(plan.Metric, row);
            return new AbTestArm(v, delivered, successes, delivered == 0 ? null : (double)successes / delivered);
        }).ToList();
        var challengers = arms.Where(a => a.Variant != control).ToList();
        var required = 1 - ((1 - plan.Confidence) / Math.Max(1, challengers.Count));
        var metric = MetricName(plan.Metric);

        var small = arms.Where(a => a.Delivered < plan.MinimumSamplePerVariant).ToList();
        if (small.Count > 0)
        {
            var which = string.Join(", ", small.Select(a => Invariant($"{a.Variant} has {a.Delivered}")));
            return new AbTestResult(plan.Metric, control, control, false,
                Invariant($"inconclusive: too few delivered test messages ({which}; the minimum is {plan.MinimumSamplePerVariant} per variant); the default {control} goes to the rest"),
                required, arms, []);
        }

        var controlArm = arms.Single(a => a.Variant == control);
        var comparisons = challengers.Select(c =>
        {
            var comparison = TwoProportionTest.Compare(controlArm.Successes, controlArm.Delivered, c.Successes, c.Delivered);
            return new AbTestComparison(c.Variant, comparison.RateB, comparison.RateA, comparison.Z, comparison.PValue, comparison.Confidence, comparison.RelativeLift);
        }).ToList();

        var winners = comparisons.Where(c => c.Rate > c.ControlRate && c.Confidence >= required).ToList();
        if (winners.Count > 0)
        {
            var best = winners.OrderByDescending(c => c.Rate).ThenBy(c => variants.ToList().IndexOf(c.Variant)).First();
            return new AbTestResult(plan.Metric, control, best.Variant, true,
                Invariant($"{best.Variant} beat the default {control}: {Percent(best.Rate)} vs {Percent(best.ControlRate)} {metric} per delivered ({Lift(best.Lift)}, confidence {Percent(best.Confidence)}, p = {best.PValue:0.0000})"),
                required, arms, comparisons);
        }

        if (comparisons.Count > 0 && comparisons.All(c => c.Rate < c.ControlRate && c.Confidence >= required))
        {
            var closest = comparisons.OrderBy(c => c.Confidence).First();
            return new AbTestResult(plan.Metric, control, control, true,
                Invariant($"the default {control} beat every other variant: {Percent(closest.ControlRate)} {metric} per delivered (least sure against {closest.Variant}: confidence {Percent(closest.Confidence)})"),
                required, arms, comparisons);
        }

        var top = comparisons.OrderByDescending(c => c.Rate).First();
        return new AbTestResult(plan.Metric, control, control, false,
            Invariant($"inconclusive: no variant beat the default {control} at {Percent(required)} confidence (best {top.Variant}: {Percent(top.Rate)} vs {Percent(top.ControlRate)} {metric} per delivered, confidence {Percent(top.Confidence)}); the default {control} goes to the rest"),
            required, arms, comparisons);
    }

    /// <summary>The successes a row holds by the metric: unique opens, unique clicks or converters.</summary>
    public static long Successes(AbTestMetric metric, StepVariantMeasurement row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return metric switch
        {
            AbTestMetric.Opens => row.UniqueOpens,
            AbTestMetric.Clicks => row.UniqueClicks,
            _ => row.Converters,
        };
    }

    private static string MetricName(AbTestMetric metric) => metric switch
    {
        AbTestMetric.Opens => "opens",
        AbTestMetric.Clicks => "clicks",
        _ => "conversions",
    };

    private static string Lift(double? lift) => lift is { } l ? (l >= 0 ? "+" : string.Empty) + Percent(l) : "from 0";

    private static string Percent(double share) => share.ToString("P1", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
