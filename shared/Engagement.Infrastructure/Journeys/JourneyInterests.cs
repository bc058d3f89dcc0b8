using Engagement.Core.Interests;
using Engagement.Core.Journeys;

namespace Engagement.Infrastructure.Journeys;

/// <summary>Interest scores of journeys: the models' <c>interest_*</c> features and the evidence lists show.</summary>
public sealed class JourneyInterests(InterestScorer scorer)
{
    /// <summary>Feature names, one per taxonomy category, in a stable order.</summary>
    public IReadOnlyList<string> FeatureNames => scorer.Taxonomy.FeatureNames;

    /// <summary>Interest features of the steps before <paramref name="at"/>, scored as of that instant.</summary>
    public IReadOnlyDictionary<string, float> Features(IReadOnlyList<JourneyStep> before, DateTimeOffset at) =>
        scorer.FeatureValues(scorer.Score(before.SelectMany(s => s.Signals), at));

    /// <summary>The strongest interests of a journey as of <paramref name="now"/>, with their evidence.</summary>
    public IReadOnlyList<InterestScore> Top(IReadOnlyList<JourneyStep> steps, DateTimeOffset now, int count) =>
        scorer.Score(steps.Where(s => s.Timestamp <= now).SelectMany(s => s.Signals), now).Take(count).ToList();

    /// <summary>Why an offer fits: the three strongest interests and the three latest distinct pages.</summary>
    public IReadOnlyList<string> OfferEvidence(IReadOnlyList<JourneyStep> steps, DateTimeOffset now) =>
        Top(steps, now, 3).Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"interest {i.Id} {i.Score:F2}"))
            .Concat(steps.Where(s => s.Path is not null).Select(s => s.Path!).Reverse().Distinct(StringComparer.Ordinal).Take(3).Select(p => "page " + p))
            .ToList();
}
