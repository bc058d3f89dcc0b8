using Engagement.Core.Identity;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Ingestion;

namespace Engagement.Infrastructure.Profiles;

/// <summary>Answers "who is this?" with the 360° profile, by user id or anonymous id.</summary>
public sealed class ProfileQuery(ProfileStore profiles, EventStore events, Pseudonymizer pseudonymizer, Models.ProfileInsightsBuilder insights)
{
    /// <summary>The profile of a user id or anonymous id, or null when nothing is known of it.</summary>
    public async Task<Profile360?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var candidates = new[] { IdentityRef.User(id), IdentityRef.Anonymous(id) };
        foreach (var identity in candidates)
        {
            if (await profiles.FindByIdentityAsync(pseudonymizer.KeyOf(identity), cancellationToken) is { } profile)
            {
                var activities = await Task.WhenAll(profile.IdentityKeys.Select(key => events.GetActivityAsync(key, cancellationToken)));
                var traits = new Journeys.PersonJourney(new Core.Journeys.Journey(profile.ProfileKey, profile.UserId, []), profile).CategoricalTraits();
                return Profile360.Compose(profile, activities.OfType<ActivitySummary>()) with
                {
                    Insights = await insights.BuildAsync(profile.ProfileKey, profile.UserId, profile.IdentityKeys, traits, cancellationToken),
                };
            }
        }

        // An identity never linked nor given traits has no profile row: its events are its whole profile.
        foreach (var identity in candidates)
        {
            var key = pseudonymizer.KeyOf(identity);
            if (await events.GetActivityAsync(key.Value, cancellationToken) is { } activity)
            {
                var bare = new ProfileDocument { ProfileKey = key.Value };
                bare.Link(identity, key);
                return Profile360.Compose(bare, [activity]) with
                {
                    Insights = await insights.BuildAsync(key.Value, null, [key.Value], [], cancellationToken),
                };
            }
        }

        return null;
    }
}
