using Engagement.Core.Journeys;

namespace Engagement.Host.Bench;

/// <summary>
/// Endless, lazily generated journey examples with a planted signal, shaped like the journeys the models learn from:
/// ad and web activity, recency, interest scores, CRM traits (often unknown) and a few URL/title tokens. Clicks,
/// visible seconds, the travel and finance interests, recent sessions and the tokens of the "letenky", "hypoteka" and
/// "srovnani" pages raise the chance of the goal; recency lowers it; the rest is noise. The base rate is about 5 %.
/// </summary>
internal sealed class ModelBenchJourneys(int seed, DateTimeOffset cutoff)
{
    public static readonly FeatureSchema Schema = new(
    [
        "impressions", "clicks", "visible_seconds", "sessions", "pages", "recency_days", "frequency_per_day", "days_since_first_impression",
        "conversions_before", "interest_travel", "interest_finance", "interest_sport", "interest_family", "interest_cars", "interest_housing",
        "crm_age", "crm_tenure_years", "noise_a", "noise_b", "noise_c",
    ]);

    private static readonly string[] SignalTokens = ["letenky", "hypoteka", "srovnani"];

    // A vocabulary of everyday URL and title tokens: what most people see, telling nothing about the goal.
    private static readonly string[] CommonTokens = [.. Enumerable.Range(0, 400).Select(i => $"page{i}")];

    private readonly Random _random = new(seed);

    /// <summary>Examples without end; take what you need. Each is built when asked for.</summary>
    public IEnumerable<JourneyExample> Stream()
    {
        for (var i = 0L; ; i++)
        {
            yield return Next(i);
        }
    }

    private JourneyExample Next(long index)
    {
        var r = _random;
        var impressions = Poisson(6);
        var clicks = Poisson(0.3 + (0.05 * impressions));
        var visible = (float)(r.NextDouble() * 20 * impressions);
        var sessions = 1 + Poisson(1.5);
        var pages = sessions + Poisson(3);
        var recency = (float)(r.NextDouble() * 30);
        var firstSeen = recency + (float)(r.NextDouble() * 60);
        var frequency = impressions / Math.Max(1f, firstSeen);
        var conversionsBefore = r.NextDouble() < 0.05 ? 1 + Poisson(0.5) : 0;
        var travel = (float)Math.Pow(r.NextDouble(), 2);
        var finance = (float)Math.Pow(r.NextDouble(), 2);
        var knownCrm = r.NextDouble() < 0.6;
        var age = knownCrm ? 18 + (float)(r.NextDouble() * 60) : float.NaN;
        var tenure = knownCrm ? (float)(r.NextDouble() * 15) : float.NaN;
        var signal = r.Next(10) == 0 ? SignalTokens[r.Next(SignalTokens.Length)] : null;
        var logit = -4.6 + (0.6 * clicks) + (0.004 * visible) + (0.15 * sessions) - (0.06 * recency) + (1.8 * travel) + (1.2 * finance)
            + (0.8 * conversionsBefore) + (signal is null ? 0 : 1.4) + (knownCrm ? 0.3 : 0);
        var label = r.NextDouble() < 1 / (1 + Math.Exp(-logit));

        float[] features =
        [
            impressions, clicks, visible, sessions, pages, recency, frequency, firstSeen, conversionsBefore, travel, finance,
            (float)r.NextDouble(), (float)r.NextDouble(), (float)r.NextDouble(), (float)r.NextDouble(), age, tenure,
            (float)r.NextDouble(), (float)r.NextDouble(), (float)r.NextDouble(),
        ];
        var tokens = new string[signal is null ? 5 : 6];
        for (var t = 0; t < 5; t++)
        {
            tokens[t] = CommonTokens[r.Next(CommonTokens.Length)];
        }

        if (signal is not null)
        {
            tokens[5] = signal;
        }

        return new JourneyExample($"p{index}", index % 4 == 0 ? null : $"u{index}", cutoff, features, string.Join(' ', tokens), label);
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
