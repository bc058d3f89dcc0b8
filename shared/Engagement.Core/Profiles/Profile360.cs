namespace Engagement.Core.Profiles;

/// <summary>The 360° view of a person returned by the profile API.</summary>
public sealed record Profile360
{
    /// <summary>The profile key.</summary>
    public required string ProfileKey { get; init; }

    /// <summary>The known user id, if any.</summary>
    public string? UserId { get; init; }

    /// <summary>Anonymous ids stitched to this person.</summary>
    public required IReadOnlyList<string> AnonymousIds { get; init; }

    /// <summary>Traits and their values.</summary>
    public required IReadOnlyDictionary<string, object?> Traits { get; init; }

    /// <summary>Groups.</summary>
    public required IReadOnlyList<string> Groups { get; init; }

    /// <summary>Earliest activity.</summary>
    public DateTimeOffset? FirstSeen { get; init; }

    /// <summary>Latest activity.</summary>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>Total events.</summary>
    public long EventCount { get; init; }

    /// <summary>Sessions (30 minutes of inactivity split them).</summary>
    public long Sessions { get; init; }

    /// <summary>The first ad impression, if any.</summary>
    public DateTimeOffset? FirstImpression { get; init; }

    /// <summary>Events per kind.</summary>
    public required IReadOnlyDictionary<string, long> CountsByType { get; init; }

    /// <summary>Track events per name.</summary>
    public required IReadOnlyDictionary<string, long> CountsByEvent { get; init; }

    /// <summary>Pages seen, with view counts.</summary>
    public required IReadOnlyDictionary<string, long> Pages { get; init; }

    /// <summary>Ad exposure per domain.</summary>
    public required IReadOnlyDictionary<string, AdStats> AdDomains { get; init; }

    /// <summary>Ad exposure per campaign.</summary>
    public required IReadOnlyDictionary<string, AdStats> AdCampaigns { get; init; }

    /// <summary>The latest events, newest first.</summary>
    public required IReadOnlyList<RecentEvent> RecentEvents { get; init; }

    /// <summary>Interests, intents, goal scores and next best offer, when computed.</summary>
    public ProfileInsights? Insights { get; init; }

    /// <summary>Combines a profile with the activity of all its identities.</summary>
    public static Profile360 Compose(ProfileDocument profile, IEnumerable<ActivitySummary> activities)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(activities);
        var total = new ActivitySummary();
        foreach (var activity in activities)
        {
            total.Absorb(activity);
        }

        return new Profile360
        {
            ProfileKey = profile.ProfileKey,
            UserId = profile.UserId,
            AnonymousIds = profile.AnonymousIds,
            Traits = profile.Traits.OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary(t => t.Key, t => (object?)t.Value.Value),
            Groups = profile.Groups,
            FirstSeen = total.FirstSeen,
            LastSeen = total.LastSeen,
            EventCount = total.EventCount,
            Sessions = total.Sessions,
            FirstImpression = total.FirstImpression,
            CountsByType = total.ByKind,
            CountsByEvent = total.ByEventName,
            Pages = total.Pages.OrderByDescending(p => p.Value).ToDictionary(),
            AdDomains = total.AdDomains,
            AdCampaigns = total.AdCampaigns,
            RecentEvents = total.Recent,
        };
    }
}
