using Engagement.Core.Journeys;

namespace Engagement.Ml.Tests;

/// <summary>
/// Builds synthetic journey examples with a planted signal: clicks, the travel interest and the URL token
/// <c>letenky</c> raise the chance of the goal, recency lowers it, <c>noise</c> does nothing.
/// </summary>
internal sealed class Journeys
{
    public static readonly FeatureSchema Schema = new(["clicks", "visible_seconds", "interest_travel", "recency_days", "noise"]);

    private static readonly string[] Pages = ["home", "kontakt", "blog", "pojisteni", "hypoteka", "cenik", "o-nas", "kariera"];

    private readonly Random _random;
    private DateTimeOffset _cutoff = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private double _missingShare;
    private bool? _onlyLabel;
    private double _intercept = -4.5;

    public Journeys(int seed = 7) => _random = new Random(seed);

    public Journeys WithCutoff(DateTimeOffset cutoff)
    {
        _cutoff = cutoff;
        return this;
    }

    /// <summary>Sets this share of the numeric feature values to NaN (unknown).</summary>
    public Journeys WithMissing(double share)
    {
        _missingShare = share;
        return this;
    }

    public Journeys AllLabelled(bool label)
    {
        _onlyLabel = label;
        return this;
    }

    /// <summary>Shifts the log-odds of the goal: lower is rarer.</summary>
    public Journeys WithIntercept(double intercept)
    {
        _intercept = intercept;
        return this;
    }

    public List<JourneyExample> Build(int count) => Stream().Take(count).ToList();

    /// <summary>An endless sequence of examples.</summary>
    public IEnumerable<JourneyExample> Stream()
    {
        for (var i = 0L; ; i++)
        {
            yield return Next(i);
        }
    }

    private JourneyExample Next(long index)
    {
        var clicks = Poisson(0.8);
        var visibleSeconds = (float)(_random.NextDouble() * 120);
        var travel = (float)_random.NextDouble();
        var recency = (float)(_random.NextDouble() * 30);
        var noise = (float)_random.NextDouble();
        var flights = _random.NextDouble() < 0.25;
        var logit = _intercept + (0.9 * clicks) + (2.5 * travel) - (0.05 * recency) + (flights ? 1.5 : 0) + (0.005 * visibleSeconds);
        var label = _onlyLabel ?? _random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        float[] features = [clicks, visibleSeconds, travel, recency, noise];
        for (var f = 0; f < features.Length; f++)
        {
            if (_random.NextDouble() < _missingShare)
            {
                features[f] = float.NaN;
            }
        }

        var pages = Enumerable.Range(0, 3).Select(_ => Pages[_random.Next(Pages.Length)]);
        var text = string.Join(' ', flights ? pages.Append("letenky") : pages);
        var userId = index % 3 == 0 ? null : $"user-{index}";
        return new JourneyExample($"profile-{index}", userId, _cutoff, features, text, label);
    }

    private int Poisson(double mean)
    {
        var (limit, product, count) = (Math.Exp(-mean), _random.NextDouble(), 0);
        while (product > limit)
        {
            product *= _random.NextDouble();
            count++;
        }

        return count;
    }
}
