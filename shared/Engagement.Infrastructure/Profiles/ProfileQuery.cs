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
        var profile = await profiles.FindByIdentityAsync(pseudonymizer.KeyOf(IdentityRef.User(id)), cancellationToken)
            ?? await profiles.FindByIdentityAsync(pseudonymizer.KeyOf(IdentityRef.Anonymous(id)), cancellationToken);
        if (profile is null)
        {
            return null;
        }

        var activities = await Task.WhenAll(profile.IdentityKeys.Select(key => events.GetActivityAsync(key, cancellationToken)));
        return Profile360.Compose(profile, activities.OfType<ActivitySummary>());
    }
}
