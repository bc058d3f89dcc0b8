using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Ingestion;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Profiles;

/// <summary>
/// Applies what a batch says about identities: creates profiles for new identities, stitches anonymous ids to known
/// users (so a profile includes what the person did before logging in), merges aliases, and records traits and groups.
/// Every step is an idempotent merge, so a redelivered batch changes nothing further.
/// </summary>
public sealed class IdentityResolver(ProfileStore profiles, EventStore events, Pseudonymizer pseudonymizer, IOptions<IngestionOptions> options)
{
    private readonly LruCache<string, string> _links = new(options.Value.ActivityCacheSize);

    /// <summary>Applies the identity facts of a batch.</summary>
    public async Task ApplyAsync(IReadOnlyList<EngagementEvent> events, CancellationToken cancellationToken = default)
    {
        // Claims are applied in order: a later one may depend on a link an earlier one made.
        foreach (var claim in IdentityStitching.ClaimsOf(events))
        {
            await PlaceAsync(claim, cancellationToken);
        }

        await ApplyTraitsAndGroupsAsync(events, cancellationToken);
    }

    /// <summary>Forgets cached links (after another process changed them).</summary>
    public void ForgetCache() => _links.Clear();

    /// <summary>The profile an identity belongs to, created when it has none (it then needs one: for a link, traits or a group).</summary>
    private async Task<string> EnsureProfileAsync(IdentityRef identity, CancellationToken cancellationToken)
    {
        var key = pseudonymizer.KeyOf(identity);
        if (_links.TryGet(key.Value, out var cached))
        {
            return cached;
        }

        var existing = await profiles.FindByIdentityAsync(key, cancellationToken);
        if (existing is not null)
        {
            _links.Set(key.Value, existing.ProfileKey);
            return existing.ProfileKey;
        }

        // Not linked anywhere: a new identity, whose profile is added without reading first.
        await profiles.UpdateAsync(key.Value, p => p.Link(identity, key), assumeNew: true, cancellationToken: cancellationToken);
        await profiles.LinkAsync(key, key.Value, cancellationToken);
        _links.Set(key.Value, key.Value);
        return key.Value;
    }

    private async Task PlaceAsync(IdentityClaim claim, CancellationToken cancellationToken)
    {
        var identityKey = pseudonymizer.KeyOf(claim.Identity);
        var targetKey = await EnsureProfileAsync(claim.Anchor, cancellationToken);
        if (_links.TryGet(identityKey.Value, out var linked) && linked == targetKey)
        {
            return;
        }

        var identity = claim.Identity;
        var current = await profiles.FindByIdentityAsync(identityKey, cancellationToken);
        if (current is null && claim.FromAlias)
        {
            // An alias's previous id unknown as a user id may be a device's anonymous id.
            var anonymous = IdentityRef.Anonymous(identity.Value);
            var anonymousKey = pseudonymizer.KeyOf(anonymous);
            if (await profiles.FindByIdentityAsync(anonymousKey, cancellationToken) is { } device)
            {
                (identity, identityKey, current) = (anonymous, anonymousKey, device);
            }
            else if (await events.GetActivityAsync(identityKey.Value, cancellationToken) is null
                && await events.GetActivityAsync(anonymousKey.Value, cancellationToken) is not null)
            {
                // A device with events and nothing else: no profile row yet, its events are its history.
                (identity, identityKey) = (anonymous, anonymousKey);
            }
        }

        // The target is read only when the identity already belongs somewhere: a new identity is simply linked.
        var target = current is null ? null : await profiles.GetAsync(targetKey, cancellationToken)
            ?? throw new InvalidOperationException($"Profile {targetKey} vanished while linking.");
        targetKey = target?.ProfileKey ?? targetKey;
        var action = target is null ? StitchAction.Link : IdentityStitching.Decide(current!.ToIdentity(), target.ToIdentity(), identity.Kind);
        switch (action)
        {
            case StitchAction.None:
                break;
            case StitchAction.Link or StitchAction.Repoint:
                await profiles.UpdateAsync(targetKey, p => p.Link(identity, identityKey), cancellationToken: cancellationToken);
                break;
            case StitchAction.Merge:
                // Order matters for a crash in between: first the target gains everything, then the old profile
                // forwards to it, then the old profile's identities point at it directly.
                await profiles.UpdateAsync(targetKey, p => { p.Absorb(current!); p.Link(identity, identityKey); }, cancellationToken: cancellationToken);
                await profiles.UpdateAsync(current!.ProfileKey, p => p.MergedInto = targetKey, followForwards: false, cancellationToken: cancellationToken);
                foreach (var key in current.IdentityKeys)
                {
                    await profiles.LinkAsync(new IdentityKey(key), targetKey, cancellationToken);
                    _links.Set(key, targetKey);
                }

                break;
        }

        await profiles.LinkAsync(identityKey, targetKey, cancellationToken);
        _links.Set(identityKey.Value, targetKey);
    }

    private async Task ApplyTraitsAndGroupsAsync(IReadOnlyList<EngagementEvent> events, CancellationToken cancellationToken)
    {
        var changes = events
            .Where(e => (e.Kind == EventKind.Identify && e.TraitsJson is not null) || (e.Kind == EventKind.Group && e.GroupId is not null))
            .GroupBy(e => IdentityStitching.PrimaryIdentity(e));
        foreach (var group in changes)
        {
            var profileKey = await EnsureProfileAsync(group.Key, cancellationToken);
            await profiles.UpdateAsync(profileKey, profile => Apply(profile, group), cancellationToken: cancellationToken);
        }
    }

    private static void Apply(ProfileDocument profile, IEnumerable<EngagementEvent> events)
    {
        foreach (var ev in events)
        {
            if (ev.Kind == EventKind.Identify && ev.TraitsJson is not null)
            {
                profile.ApplyTraits(ev.TraitsJson, ev.Timestamp, ev.MessageId);
            }
            else if (ev.GroupId is not null)
            {
                profile.JoinGroup(ev.GroupId);
            }
        }
    }
}
