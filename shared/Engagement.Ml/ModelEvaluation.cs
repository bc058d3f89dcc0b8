using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engagement.Ml;

/// <summary>A model's predicted probability for one hold-out row, with what really happened.</summary>
/// <param name="Probability">Predicted probability of the goal.</param>
/// <param name="Label">Whether the goal was reached.</param>
public readonly record struct LabeledScore(double Probability, bool Label);

/// <summary>
/// One tenth of the rows, ranked by predicted probability (decile 1 holds the highest). Rows with equal probability
/// that straddle a decile boundary share their positives in proportion, so ties never make a model look better or
/// worse than it is; <see cref="Positives"/> is therefore an expected count and may be fractional.
/// </summary>
/// <param name="Decile">1 (highest predicted) to 10.</param>
/// <param name="Count">Rows in the decile.</param>
/// <param name="Positives">Rows that reached the goal.</param>
/// <param name="Rate">Observed conversion rate: <paramref name="Positives"/> / <paramref name="Count"/>.</param>
/// <param name="Lift">Rate relative to the base rate of all rows (1 = no better than untargeted).</param>
/// <param name="MeanPredicted">Mean predicted probability in the decile.</param>
/// <param name="CumulativeRecall">Share of all positives found in deciles 1 to this one (the gains curve).</param>
public sealed record DecileRow(int Decile, int Count, double Positives, double Rate, double Lift, double MeanPredicted, double CumulativeRecall);

/// <summary>A calibration bin: rows of similar predicted probability, what was predicted and what happened.</summary>
/// <param name="Count">Rows in the bin.</param>
/// <param name="MeanPredicted">Mean predicted probability.</param>
/// <param name="ObservedRate">Share of the rows that reached the goal.</param>
public sealed record CalibrationBin(int Count, double MeanPredicted, double ObservedRate);

/// <summary>A point of the ROC curve.</summary>
/// <param name="FalsePositiveRate">Share of negatives ranked at or above the threshold.</param>
/// <param name="TruePositiveRate">Share of positives ranked at or above the threshold.</param>
public sealed record RocPoint(double FalsePositiveRate, double TruePositiveRate);

/// <summary>
/// How well a model ranks and how well its probabilities match reality on one hold-out set, computed from
/// (probability, label) pairs by <see cref="Compute"/>. Plain records, serialized to <c>metrics.json</c> with
/// <see cref="ToJson"/>. Figures that are undefined for the data (AUC with only one class, anything of no rows) are NaN.
/// </summary>
/// <param name="Count">Rows evaluated.</param>
/// <param name="Positives">Rows that reached the goal.</param>
/// <param name="BaseRate">Positives / Count: the conversion rate without a model.</param>
/// <param name="MeanPredicted">Mean predicted probability (close to the base rate when the model is calibrated in the large).</param>
/// <param name="Auc">Area under the ROC curve: the chance that a random positive is ranked above a random negative (ties count half).</param>
/// <param name="LogLoss">Mean negative log-likelihood, probabilities clamped to [1e-15, 1 − 1e-15].</param>
/// <param name="PrecisionAtTopDecile">Conversion rate of the top decile.</param>
/// <param name="RecallAtTopDecile">Share of all positives found in the top decile.</param>
/// <param name="TopDecileLift">Conversion rate of the top decile / base rate: the headline figure.</param>
/// <param name="CalibrationError">Expected calibration error: row-weighted mean |predicted − observed| over <paramref name="Calibration"/>.</param>
/// <param name="Deciles">Ten rows, highest predicted first.</param>
/// <param name="Calibration">Ten bins of equal row count, lowest predicted first.</param>
/// <param name="Roc">The ROC curve from (0, 0) to (1, 1), thinned to at most about 200 points.</param>
public sealed record ModelEvaluation(
    int Count,
    int Positives,
    double BaseRate,
    double MeanPredicted,
    double Auc,
    double LogLoss,
    double PrecisionAtTopDecile,
    double RecallAtTopDecile,
    double TopDecileLift,
    double CalibrationError,
    IReadOnlyList<DecileRow> Deciles,
    IReadOnlyList<CalibrationBin> Calibration,
    IReadOnlyList<RocPoint> Roc)
{
    /// <summary>Number of ranked groups in <see cref="Deciles"/> and <see cref="Calibration"/>.</summary>
    public const int GroupCount = 10;

    private const double ProbabilityClamp = 1e-15;

    // Enough points to draw a smooth curve; a hold-out of a million rows would otherwise write a million points.
    private const double RocResolution = 0.005;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Evaluates predictions against outcomes.</summary>
    /// <param name="scores">Predicted probability and label of every hold-out row.</param>
    /// <returns>The evaluation; NaN for figures the data cannot define.</returns>
    /// <exception cref="ArgumentException">A probability is NaN or outside [0, 1].</exception>
    public static ModelEvaluation Compute(IEnumerable<LabeledScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var rows = scores.ToArray();
        foreach (var row in rows)
        {
            if (!(row.Probability is >= 0 and <= 1))
            {
                throw new ArgumentException($"Probability {row.Probability} is not in [0, 1]: scores must be probabilities.", nameof(scores));
            }
        }

        // Highest first; equal probabilities keep their input order, but every figure below treats a tie as one group.
        Array.Sort(rows, static (a, b) => b.Probability.CompareTo(a.Probability));
        var count = rows.Length;
        var positives = rows.Count(r => r.Label);
        var baseRate = count == 0 ? double.NaN : (double)positives / count;
        var meanPredicted = count == 0 ? double.NaN : rows.Average(r => r.Probability);
        var groups = TieGroups(rows);
        var deciles = ComputeDeciles(groups, count, positives, baseRate);
        var calibration = deciles.Reverse().Select(d => new CalibrationBin(d.Count, d.MeanPredicted, d.Rate)).ToArray();
        var calibrationError = count == 0 ? double.NaN : calibration.Sum(b => b.Count * Math.Abs(b.MeanPredicted - b.ObservedRate)) / count;
        var top = deciles[0];
        return new ModelEvaluation(
            count,
            positives,
            baseRate,
            meanPredicted,
            ComputeAuc(groups, positives, count - positives),
            ComputeLogLoss(rows),
            top.Rate,
            positives == 0 ? double.NaN : top.Positives / positives,
            top.Lift,
            calibrationError,
            deciles,
            calibration,
            ComputeRoc(groups, positives, count - positives));
    }

    /// <summary>Serializes to indented camelCase JSON (the <c>metrics.json</c> format); NaN is written as <c>"NaN"</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    /// <exception cref="JsonException">The text is not an evaluation.</exception>
    public static ModelEvaluation FromJson(string json) =>
        JsonSerializer.Deserialize<ModelEvaluation>(json, JsonOptions) ?? throw new JsonException("The JSON text is null, not a model evaluation.");

    /// <summary>Runs of equal probability in rows sorted highest first: (probability, rows, positives).</summary>
    private static List<(double Probability, int Count, int Positives)> TieGroups(LabeledScore[] sorted)
    {
        var groups = new List<(double, int, int)>();
        var i = 0;
        while (i < sorted.Length)
        {
            var probability = sorted[i].Probability;
            var (rows, positives) = (0, 0);
            while (i < sorted.Length && sorted[i].Probability == probability)
            {
                rows++;
                positives += sorted[i].Label ? 1 : 0;
                i++;
            }

            groups.Add((probability, rows, positives));
        }

        return groups;
    }

    /// <summary>
    /// Mann–Whitney: over all (positive, negative) pairs, the share where the positive is ranked higher, a tie
    /// counting one half. Walking the tie groups from the top, each negative is beaten by the positives above it.
    /// </summary>
    private static double ComputeAuc(List<(double Probability, int Count, int Positives)> groups, int positives, int negatives)
    {
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        double wins = 0;
        long positivesAbove = 0;
        foreach (var (_, rows, groupPositives) in groups)
        {
            var groupNegatives = rows - groupPositives;
            wins += groupNegatives * (positivesAbove + (0.5 * groupPositives));
            positivesAbove += groupPositives;
        }

        return wins / ((double)positives * negatives);
    }

    private static double ComputeLogLoss(LabeledScore[] rows)
    {
        if (rows.Length == 0)
        {
            return double.NaN;
        }

        double sum = 0;
        foreach (var (probability, label) in rows)
        {
            var p = Math.Clamp(probability, ProbabilityClamp, 1 - ProbabilityClamp);
            sum -= label ? Math.Log(p) : Math.Log(1 - p);
        }

        return sum / rows.Length;
    }

    /// <summary>
    /// Decile d holds the sorted positions [⌊d·n/10⌋, ⌊(d+1)·n/10⌋). A tie group that crosses a boundary gives each
    /// side positives in proportion to the rows it puts there.
    /// </summary>
    private static DecileRow[] ComputeDeciles(List<(double Probability, int Count, int Positives)> groups, int count, int positives, double baseRate)
    {
        var rows = new int[GroupCount];
        var found = new double[GroupCount];
        var predicted = new double[GroupCount];
        var position = 0;
        foreach (var (probability, groupRows, groupPositives) in groups)
        {
            var remaining = groupRows;
            while (remaining > 0)
            {
                var decile = DecileOf(position, count);
                var end = (int)((long)(decile + 1) * count / GroupCount);
                var taken = Math.Min(remaining, end - position);
                rows[decile] += taken;
                found[decile] += (double)groupPositives * taken / groupRows;
                predicted[decile] += probability * taken;
                position += taken;
                remaining -= taken;
            }
        }

        var result = new DecileRow[GroupCount];
        double cumulative = 0;
        for (var d = 0; d < GroupCount; d++)
        {
            cumulative += found[d];
            var rate = rows[d] == 0 ? 0 : found[d] / rows[d];
            result[d] = new DecileRow(
                d + 1,
                rows[d],
                found[d],
                rate,
                baseRate > 0 ? rate / baseRate : double.NaN,
                rows[d] == 0 ? 0 : predicted[d] / rows[d],
                positives == 0 ? double.NaN : cumulative / positives);
        }

        return result;
    }

    private static int DecileOf(int position, int count)
    {
        // The smallest d whose end ⌊(d+1)·n/10⌋ lies beyond the position.
        var decile = (int)((long)position * GroupCount / count);
        while ((long)(decile + 1) * count / GroupCount <= position)
        {
            decile++;
        }

        return decile;
    }

    private static RocPoint[] ComputeRoc(List<(double Probability, int Count, int Positives)> groups, int positives, int negatives)
    {
        if (positives == 0 || negatives == 0)
        {
            return [];
        }

        var points = new List<RocPoint> { new(0, 0) };
        long truePositives = 0, falsePositives = 0;
        for (var i = 0; i < groups.Count; i++)
        {
            truePositives += groups[i].Positives;
            falsePositives += groups[i].Count - groups[i].Positives;
            var point = new RocPoint((double)falsePositives / negatives, (double)truePositives / positives);
            var last = points[^1];
            if (i == groups.Count - 1
                || point.FalsePositiveRate - last.FalsePositiveRate >= RocResolution
                || point.TruePositiveRate - last.TruePositiveRate >= RocResolution)
            {
                points.Add(point);
            }
        }

        return [.. points];
    }
}
