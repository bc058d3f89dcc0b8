using Engagement.Core.Interests;
using Engagement.Core.Journeys;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Journeys;
using Engagement.Ml;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Models;

/// <summary>
/// Works out a person's interests, intents, goal scores and next best offer from their journey, at the moment it is
/// asked (so a profile always shows what the champion models say now, without storing a score per person per hour).
/// </summary>
public sealed class ProfileInsightsBuilder(
    JourneyStore journeys,
    JourneyInterests interests,
    IntentDetector intents,
    ModelRegistry registry,
    IOptions<ModelOptions> options,
    TimeProvider clock)
{
    private const int InterestCount = 5;

    /// <summary>The insights of a person with the given identities.</summary>
    public async Task<ProfileInsights> BuildAsync(string profileKey, string? userId, IEnumerable<string> identityKeys, IEnumerable<KeyValuePair<string, string>> traits, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var journey = await journeys.ReadJourneyAsync(profileKey, userId, identityKeys, cancellationToken);
        var traitTokens = JourneyFeatures.TraitTokens(traits).ToList();
        var interestList = interests.Top(journey.Steps, now, InterestCount)
            .Select(i => new InterestInsight(i.Id, i.Name, Math.Round(i.Score, 3), i.Evidence.Select(e => $"{e.Kind.ToWireName()}: {e.Text} ({e.Keyword})").ToList()))
            .ToList();
        var intentList = intents.Detect(journey.Steps.SelectMany(s => s.Signals), now)
            .Select(i => new IntentInsight(i.Intent, i.Description, i.At, Math.Round(i.Confidence, 3)))
            .ToList();

        var scores = new List<GoalScore>();
        var families = new Dictionary<string, (double Probability, double BaseRate)>(StringComparer.Ordinal);
        foreach (var goal in options.Value.EffectiveGoals())
        {
            if (await registry.GetChampionAsync(goal.Name, cancellationToken) is not { } champion
                || await registry.GetMetricsAsync(goal.Name, champion.Version, cancellationToken) is not { } metrics)
            {
                continue;
            }

            var row = new JourneyFeatures(champion.Model.Schema, interests.Features).Current(journey, now, goal, traitTokens);
            var probability = (double)champion.Model.Score([row], cancellationToken).Single().Probability;
            var lift = metrics.BaseRate > 0 ? probability / metrics.BaseRate : double.NaN;
            scores.Add(new GoalScore(goal.Name, champion.Version, Math.Round(probability, 4), Math.Round(lift, 2)));
            if (goal.ProductFamily is { } family)
            {
                families[family] = (probability, metrics.BaseRate);
            }
        }

        OfferInsight? offer = null;
        if (userId is not null && families.Count > 0)
        {
            var customer = new CustomerPropensities(userId, families.ToDictionary(f => f.Key, f => f.Value.Probability, StringComparer.Ordinal), interests.OfferEvidence(journey.Steps, now));
            if (NextBestOffers.Choose(customer, families.ToDictionary(f => f.Key, f => f.Value.BaseRate, StringComparer.Ordinal)) is { } best)
            {
                offer = new OfferInsight(best.Family, Math.Round(best.Propensity, 4), Math.Round(best.Lift, 2), best.Evidence);
            }
        }

        return new ProfileInsights(now, interestList, intentList, scores, offer);
    }
}
