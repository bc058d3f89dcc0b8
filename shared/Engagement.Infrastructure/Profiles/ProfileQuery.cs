using Engagement.Core.Identity;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Ingestion;

namespace Engagement.Infrastructure.Profiles;

/// <summary>Answers "who is this?" with the 360° profile, by user id or anonymous id.</summary>
public sealed class ProfileQuery(ProfileStore profiles, EventStore events, Pseudonymizer pseudonymizer)
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
                return Profile360.Compose(profile, activities.OfType<ActivitySummary>());
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
                return Profile360.Compose(bare, [activity]);
            }
        }

        return null;
    }
}
