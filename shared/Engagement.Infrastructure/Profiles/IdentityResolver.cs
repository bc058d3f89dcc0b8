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
/// <remarks>
/// The common case, a new visitor logging in for the first time, costs three requests: an insert-only link for each of
/// the two ids (which both discovers that they are new and links them) and one write of the profile holding both and
/// any traits. A link may thus briefly name a profile not yet written, or not yet listing the id; whoever meets such
/// a link (a redelivery of the failed batch, or the next event of that id) completes the profile. Ids of a batch that
/// share nothing are resolved side by side.
/// </remarks>
public sealed class IdentityResolver(ProfileStore profiles, EventStore events, Pseudonymizer pseudonymizer, IOptions<IngestionOptions> options)
{
    private readonly LruCache<string, string> _links = new(options.Value.ActivityCacheSize);

    /// <summary>Applies the identity facts of a batch.</summary>
    public async Task ApplyAsync(IReadOnlyList<EngagementEvent> events, CancellationToken cancellationToken = default)
    {
        var units = IdentityWork.Of(events);
        await Parallel.ForEachAsync(
            units,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrency, CancellationToken = cancellationToken },
            async (unit, ct) => await ApplyAsync(unit, ct));
    }

    /// <summary>Forgets cached links (after another process changed them).</summary>
    public void ForgetCache() => _links.Clear();

    private async Task ApplyAsync(IdentityWork unit, CancellationToken cancellationToken)
    {
        var session = new Session();

        // Claims are applied in order: a later one may depend on a link an earlier one made.
        foreach (var claim in unit.Claims)
        {
            await PlaceAsync(claim, session, cancellationToken);
        }

        foreach (var entry in unit.Traits)
        {
            var profileKey = await EnsureProfileAsync(entry.Identity, session, cancellationToken);
            session.Change(profileKey, profile => Apply(profile, entry.Events));
        }

        await FlushAsync(session, cancellationToken);
    }

    /// <summary>The profile an identity belongs to, created when it has none (it then needs one: for a link, traits or a group).</summary>
    private async Task<string> EnsureProfileAsync(IdentityRef identity, Session session, CancellationToken cancellationToken)
    {
        var key = pseudonymizer.KeyOf(identity);
        if (LinkOf(key, session) is { } known)
        {
            return known;
        }

        if (await profiles.TryAddLinkAsync(key, key.Value, cancellationToken))
        {
            // Linked nowhere before: a new identity, whose profile is added without reading first.
            session.Change(key.Value, p => p.Link(identity, key), isNew: true);
            session.Linked[key.Value] = key.Value;
            return key.Value;
        }

        await FlushAsync(session, cancellationToken);
        var existing = await profiles.FindByIdentityAsync(key, cancellationToken);
        if (existing is null)
        {
            // Linked to a profile that was never written (a delivery failed in between): the identity starts its own.
            session.Change(key.Value, p => p.Link(identity, key), isNew: true);
            await FlushAsync(session, cancellationToken);
            await profiles.LinkAsync(key, key.Value, cancellationToken);
            session.Linked[key.Value] = key.Value;
            _links.Set(key.Value, key.Value);
            return key.Value;
        }

        if (!existing.IdentityKeys.Contains(key.Value))
        {
            // Linked, but the profile's write did not follow: complete it.
            session.Change(existing.ProfileKey, p => p.Link(identity, key));
        }

        session.Linked[key.Value] = existing.ProfileKey;
        return existing.ProfileKey;
    }

    private async Task PlaceAsync(IdentityClaim claim, Session session, CancellationToken cancellationToken)
    {
        var identityKey = pseudonymizer.KeyOf(claim.Identity);
        var targetKey = await EnsureProfileAsync(claim.Anchor, session, cancellationToken);
        if (LinkOf(identityKey, session) == targetKey)
        {
            return;
        }

        if (!claim.FromAlias && await profiles.TryAddLinkAsync(identityKey, targetKey, cancellationToken))
        {
            // Linked nowhere before: it simply joins the target.
            var identity = claim.Identity;
            session.Change(targetKey, p => p.Link(identity, identityKey));
            session.Linked[identityKey.Value] = targetKey;
            return;
        }

        // The identity belongs somewhere already (or is an alias's previous id): decide on what is stored.
        await FlushAsync(session, cancellationToken);
        await StitchAsync(claim, identityKey, targetKey, session, cancellationToken);
    }

    private async Task StitchAsync(IdentityClaim claim, IdentityKey identityKey, string targetKey, Session session, CancellationToken cancellationToken)
    {
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
            case StitchAction.None when current!.IdentityKeys.Contains(identityKey.Value):
                break;
            case StitchAction.None or StitchAction.Link or StitchAction.Repoint:
                // (None with the id missing from the profile: its link was written, the profile's write did not follow.)
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
                    session.Linked[key] = targetKey;
                    _links.Set(key, targetKey);
                }

                break;
        }

        await profiles.LinkAsync(identityKey, targetKey, cancellationToken);
        session.Linked[identityKey.Value] = targetKey;
        _links.Set(identityKey.Value, targetKey);
    }

    /// <summary>Writes the profile changes a unit has gathered, then remembers the links they complete.</summary>
    private async Task FlushAsync(Session session, CancellationToken cancellationToken)
    {
        foreach (var (profileKey, pending) in session.TakePending())
        {
            await profiles.UpdateAsync(profileKey, profile => pending.Changes.ForEach(change => change(profile)), assumeNew: pending.IsNew, cancellationToken: cancellationToken);
        }

        // Only now are the links complete: cached earlier, a failed write would be skipped when the batch is redelivered.
        foreach (var (identityKey, profileKey) in session.Linked)
        {
            _links.Set(identityKey, profileKey);
        }
    }

    private string? LinkOf(IdentityKey key, Session session) =>
        session.Linked.TryGetValue(key.Value, out var linked) || _links.TryGet(key.Value, out linked) ? linked : null;

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

    /// <summary>What one unit has linked and the profile changes it has not written yet, in the order they were made.</summary>
    private sealed class Session
    {
        private readonly List<(string ProfileKey, Pending Pending)> _pending = [];

        /// <summary>Identity keys linked by this unit, with their profile keys.</summary>
        public Dictionary<string, string> Linked { get; } = [];

        /// <summary>Adds a change to a profile's pending write.</summary>
        public void Change(string profileKey, Action<ProfileDocument> change, bool isNew = false)
        {
            var index = _pending.FindIndex(p => p.ProfileKey == profileKey);
            if (index < 0)
            {
                _pending.Add((profileKey, new Pending(isNew, [change])));
            }
            else
            {
                _pending[index].Pending.Changes.Add(change);
            }
        }

        /// <summary>The pending writes, handed over once.</summary>
        public List<(string ProfileKey, Pending Pending)> TakePending()
        {
            var taken = _pending.ToList();
            _pending.Clear();
            return taken;
        }
    }

    /// <summary>A profile's pending write.</summary>
    /// <param name="IsNew">The profile most likely does not exist yet.</param>
    /// <param name="Changes">The merges to apply, in order.</param>
    private sealed record Pending(bool IsNew, List<Action<ProfileDocument>> Changes);
}
