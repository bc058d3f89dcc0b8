using System.Globalization;

namespace Engagement.Core.Interests;

/// <summary>
/// Scores a profile's interests from its signals: every signal that matches a category's keywords adds its weight ×
/// the keyword's weight × a recency decay (halving every <see cref="InterestScorerOptions.HalfLife"/>), and the sum
/// saturates into a score between 0 and 1. Deterministic: the same signals and time give the same scores in any order.
/// </summary>
public sealed class InterestScorer
{
    /// <param name="taxonomy">The categories to score.</param>
    /// <param name="options">How evidence is weighed; <see cref="InterestScorerOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="InterestScorerOptions.Validate"/>).</exception>
    public InterestScorer(InterestTaxonomy taxonomy, InterestScorerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(taxonomy);
        options ??= InterestScorerOptions.Default;
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Taxonomy = taxonomy;
        Options = options;
    }

    /// <summary>The categories scored.</summary>
    public InterestTaxonomy Taxonomy { get; }

    /// <summary>How evidence is weighed.</summary>
    public InterestScorerOptions Options { get; }

    /// <summary>
    /// The interests <paramref name="signals"/> show at <paramref name="now"/>, strongest first (ties by id), each with its
    /// strongest evidence. Signals after <paramref name="now"/> are ignored, so a score at a cut-off never sees what came
    /// later; so are signals without text or with a weight that is not a positive number. The signals of one event
    /// (same <see cref="InterestSignal.EventId"/>) count once per interest, by the strongest of them. Interests scoring
    /// below <see cref="InterestScorerOptions.MinScore"/> are left out.
    /// </summary>
    public IReadOnlyList<InterestScore> Score(IEnumerable<InterestSignal> signals, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var categories = Taxonomy.Categories;
        var strongest = new Dictionary<(string Event, int Category), SignalHits.Hit>();
        var index = 0;
        foreach (var signal in SignalHits.Usable(signals, now))
        {
            var eventKey = signal.EventId is { } id ? "e:" + id : "s:" + index.ToString(CultureInfo.InvariantCulture);
            index++;
            var text = SignalText.Read(signal);
            var matches = Taxonomy.Index.Match(text);
            var decay = Math.Pow(2, -(double)(now - signal.At).Ticks / Options.HalfLife.Ticks);
            string? contentKey = null;
            for (var category = 0; category < matches.Length; category++)
            {
                if (matches[category] is not { } match)
                {
                    continue;
                }

                contentKey ??= text.ContentKey(signal.Kind);
                var hit = new SignalHits.Hit(signal, contentKey, match.Rule, signal.Weight * match.Rule.Weight * decay);
                var key = (eventKey, category);
                if (!strongest.TryGetValue(key, out var existing) || hit.Contribution > existing.Contribution)
                {
                    strongest[key] = hit;
                }
            }
        }

        var scores = new List<InterestScore>();
        foreach (var group in strongest.GroupBy(p => p.Key.Category, p => p.Value))
        {
            // Summed in a fixed order so that floating-point rounding cannot depend on the order signals arrived in.
            var hits = group.OrderBy(h => h.Signal.At).ThenBy(h => h.ContentKey, StringComparer.Ordinal).ThenBy(h => h.Contribution).ToList();
            var evidence = hits.Sum(h => h.Contribution);
            var score = 1 - Math.Pow(2, -evidence / Options.HalfScoreEvidence);
            if (score < Options.MinScore)
            {
                continue;
            }

            var category = categories[group.Key];
            scores.Add(new InterestScore(category.Id, category.Name, score, SignalHits.Strongest(hits, Options.MaxEvidence)));
        }

        return [.. scores.OrderByDescending(s => s.Score).ThenBy(s => s.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The model features of <paramref name="scores"/>: one value per name in <see cref="InterestTaxonomy.FeatureNames"/>
    /// (<c>interest_{id}</c>), the interest's score, or 0 for interests not among the scores.
    /// </summary>
    public IReadOnlyDictionary<string, float> FeatureValues(IEnumerable<InterestScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var values = Taxonomy.FeatureNames.ToDictionary(name => name, _ => 0f, StringComparer.Ordinal);
        foreach (var score in scores)
        {
            var name = InterestTaxonomy.FeatureName(score.Id);
            if (values.ContainsKey(name))
            {
                values[name] = (float)score.Score;
            }
        }

        return values;
    }

    /// <summary>The same values as <see cref="FeatureValues"/>, in <see cref="InterestTaxonomy.FeatureNames"/> order.</summary>
    public float[] FeatureVector(IEnumerable<InterestScore> scores)
    {
        var values = FeatureValues(scores);
        return [.. Taxonomy.FeatureNames.Select(name => values[name])];
    }
}
