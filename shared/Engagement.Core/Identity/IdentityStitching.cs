using Engagement.Core.Events;

namespace Engagement.Core.Identity;

/// <summary>A statement that an identity belongs to the profile of another (its anchor).</summary>
/// <param name="Identity">The identity being placed.</param>
/// <param name="Anchor">The identity whose profile it joins.</param>
/// <param name="At">When the event that implies it happened.</param>
/// <param name="FromAlias">
/// True for an alias's previous id, which Segment allows to be a user id or an anonymous id: it is placed as whichever
/// of the two is known (a user id when neither is).
/// </param>
public sealed record IdentityClaim(IdentityRef Identity, IdentityRef Anchor, DateTimeOffset At, bool FromAlias = false);

/// <summary>What to do with an identity that a claim places in a profile.</summary>
public enum StitchAction
{
    /// <summary>It is already there.</summary>
    None,
    /// <summary>It belongs to no profile yet: link it.</summary>
    Link,
    /// <summary>It has an anonymous (or the same user's) profile, or it is a user id an alias gives to the target: fold that profile into the target.</summary>
    Merge,
    /// <summary>It is a device in another known user's profile (a shared device): link it to the target from now on, leave that profile's history.</summary>
    Repoint,
}

/// <summary>The identity-resolution rules: which ids of a batch belong together.</summary>
public static class IdentityStitching
{
    /// <summary>
    /// The claims a batch makes: an anonymous id seen with a user id belongs to that user; an alias's previous id
    /// belongs to its user id. An identity that only has events needs no claim: its events are its profile until it is
    /// linked, so anonymous traffic costs nothing beyond its events.
    /// </summary>
    public static IReadOnlyList<IdentityClaim> ClaimsOf(IEnumerable<EngagementEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var claims = new Dictionary<(IdentityRef, IdentityRef), IdentityClaim>();
        void Add(IdentityRef identity, IdentityRef anchor, DateTimeOffset at, bool fromAlias = false)
        {
            if (!claims.TryGetValue((identity, anchor), out var existing) || existing.At < at)
            {
                claims[(identity, anchor)] = new IdentityClaim(identity, anchor, at, fromAlias);
            }
        }

        foreach (var ev in events)
        {
            var primary = PrimaryIdentity(ev);
            if (ev.UserId is not null && ev.AnonymousId is not null)
            {
                Add(IdentityRef.Anonymous(ev.AnonymousId), primary, ev.Timestamp);
            }

            if (ev.Kind == EventKind.Alias && ev.PreviousId is not null && ev.UserId is not null)
            {
                Add(IdentityRef.User(ev.PreviousId), primary, ev.Timestamp, fromAlias: true);
            }
        }

        // Claims are applied oldest first so a device shared by two users ends with the latest one.
        return claims.Values.OrderBy(c => c.At).ThenBy(c => c.Identity.ToString(), StringComparer.Ordinal).ToList();
    }

    /// <summary>The identity whose partition an event is stored in: the user id when known, else the anonymous id.</summary>
    public static IdentityRef PrimaryIdentity(EngagementEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return ev.UserId is not null ? IdentityRef.User(ev.UserId) : IdentityRef.Anonymous(ev.AnonymousId!);
    }

    /// <summary>Decides how an identity currently in <paramref name="current"/> joins <paramref name="target"/>.</summary>
    /// <param name="current">The profile the identity is linked to now, or null.</param>
    /// <param name="target">The profile the claim places it in.</param>
    /// <param name="identityKind">
    /// The kind of the identity being placed. A device (anonymous id) may be shared by several known people; a user id
    /// placed with another user (only an alias does that) says the two are one person.
    /// </param>
    public static StitchAction Decide(ProfileIdentity? current, ProfileIdentity target, IdentityKind identityKind)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (current is null)
        {
            return StitchAction.Link;
        }

        if (current.ProfileKey == target.ProfileKey)
        {
            return StitchAction.None;
        }

        return current.UserId is null || current.UserId == target.UserId || identityKind == IdentityKind.User
            ? StitchAction.Merge
            : StitchAction.Repoint;
    }
}

/// <summary>The part of a profile that identity resolution looks at.</summary>
/// <param name="ProfileKey">The profile's key.</param>
/// <param name="UserId">Its known user id, if any.</param>
public sealed record ProfileIdentity(IdentityKey ProfileKey, string? UserId);
