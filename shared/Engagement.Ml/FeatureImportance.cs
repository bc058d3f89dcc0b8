using Engagement.Core.Journeys;

namespace Engagement.Ml;

/// <summary>How much a model relies on one feature (or group of features).</summary>
/// <param name="Name">The feature's schema name, or <see cref="FeatureImportance.TextGroup"/> for the learned URL/title features.</param>
/// <param name="AucDrop">Hold-out AUC lost when the feature's values are shuffled across rows; near zero or negative: not used.</param>
public sealed record FeatureImpact(string Name, double AucDrop);

/// <summary>Permutation importance: what a model loses on the hold-out when one feature stops carrying information.</summary>
public static class FeatureImportance
{
    /// <summary>The name under which all text features (the URL and title tokens) are ranked as one group.</summary>
    public const string TextGroup = "url_text";

    /// <summary>
    /// Shuffles each numeric feature, and the text as one group, across the hold-out rows and measures the AUC lost.
    /// Works the same for every trainer because it only scores rows; costs one scoring pass per feature.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="holdout">Rows with both classes, in the model's schema.</param>
    /// <param name="seed">Seed of the shuffles and of the sample.</param>
    /// <param name="maximumRows">A larger hold-out is sampled down to this many rows to bound the cost.</param>
    /// <param name="cancellationToken">Checked while scoring.</param>
    /// <returns>Every feature and the text group, the largest AUC drop first.</returns>
    /// <exception cref="ArgumentException">The rows do not follow the model's schema.</exception>
    public static IReadOnlyList<FeatureImpact> Permutation(
        TrainedModel model, IReadOnlyList<JourneyExample> holdout, int seed, int maximumRows = 20_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(holdout);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumRows, 2);
        var random = new Random(seed);
        var rows = holdout.Count <= maximumRows ? holdout : Sample(holdout, maximumRows, random);
        var baseline = Auc(model, rows, cancellationToken);
        var impacts = new List<FeatureImpact>(model.Schema.Count + 1);
        for (var feature = 0; feature < model.Schema.Count; feature++)
        {
            var order = Shuffled(rows.Count, random);
            var column = feature;
            var permuted = rows.Select((row, i) =>
            {
                var values = (float[])row.Features.Clone();
                values[column] = rows[order[i]].Features[column];
                return row with { Features = values };
            });
            impacts.Add(new FeatureImpact(model.Schema.Names[feature], baseline - Auc(model, permuted, cancellationToken)));
        }

        var textOrder = Shuffled(rows.Count, random);
        impacts.Add(new FeatureImpact(TextGroup, baseline - Auc(model, rows.Select((row, i) => row with { Text = rows[textOrder[i]].Text }), cancellationToken)));
        return [.. impacts.OrderByDescending(i => double.IsNaN(i.AucDrop) ? double.MinValue : i.AucDrop).ThenBy(i => i.Name, StringComparer.Ordinal)];
    }

    private static double Auc(TrainedModel model, IEnumerable<JourneyExample> rows, CancellationToken cancellationToken) =>
        ModelEvaluation.Compute(model.ScoreLabeled(rows, cancellationToken)).Auc;

    private static int[] Shuffled(int count, Random random)
    {
        var order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        return order;
    }

    private static JourneyExample[] Sample(IReadOnlyList<JourneyExample> rows, int count, Random random)
    {
        var order = Shuffled(rows.Count, random);
        return [.. order.Take(count).Order().Select(i => rows[i])];
    }
}
