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
/// The common case, a new visitor logging in for the first time, costs two requests: an insert-only link for the
/// anonymous id (which both discovers that it is new and links it), and one transaction that adds the user's profile,
/// holding both ids and any traits, together with the user id's own link. A link may thus briefly name a profile not
/// yet written; whoever meets such a link (a redelivery of the failed batch, or the next event of that id) completes
/// the profile. An identity this process does not know is taken for new until that transaction says otherwise; then
/// the changes go to the profile it belongs to. Ids of a batch that share nothing are resolved side by side.
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
            var profileKey = EnsureProfile(entry.Identity, session);
            session.Change(profileKey, profile => Apply(profile, entry.Events));
        }

        await FlushAsync(session, cancellationToken);
    }

    /// <summary>
    /// The profile an identity belongs to, or for an identity this process does not know, the profile it starts: that
    /// is written at the flush, together with the identity's own link, and only then does it turn out whether the
    /// identity was new (see <see cref="FlushAsync"/>).
    /// </summary>
    private string EnsureProfile(IdentityRef identity, Session session)
    {
        var key = pseudonymizer.KeyOf(identity);
        if (LinkOf(key, session) is { } linked)
        {
            return linked;
        }

        session.Change(key.Value, p => p.Link(identity, key), startedBy: key);
        session.Linked[key.Value] = key.Value;
        return key.Value;
    }

    private async Task PlaceAsync(IdentityClaim claim, Session session, CancellationToken cancellationToken)
    {
        var identityKey = pseudonymizer.KeyOf(claim.Identity);
        var anchorKey = pseudonymizer.KeyOf(claim.Anchor);
        var targetKey = EnsureProfile(claim.Anchor, session);
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

        // The identity belongs somewhere already (or is an alias's previous id): decide on what is stored, once the
        // anchor's profile is written and known to be where it is.
        await FlushAsync(session, cancellationToken);
        await StitchAsync(claim, identityKey, LinkOf(anchorKey, session) ?? targetKey, session, cancellationToken);
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
            void Apply(ProfileDocument profile) => pending.Changes.ForEach(change => change(profile));
            if (pending.StartedBy is not { } started)
            {
                await profiles.UpdateAsync(profileKey, Apply, cancellationToken: cancellationToken);
                continue;
            }

            if (await profiles.TryStartAsync(started, Apply, cancellationToken))
            {
                continue;
            }

            // The identity was not new after all (known to another process, or forgotten by this one's cache): the
            // changes go to the profile it is linked to (followed through merges), and whatever this unit linked to
            // the profile it meant to start is pointed there instead. A link that names a profile never written (a
            // delivery failed in between) gets that profile now.
            var linkedTo = await profiles.LinkedProfileKeyAsync(started, cancellationToken);
            var written = await profiles.UpdateAsync(linkedTo ?? profileKey, Apply, cancellationToken: cancellationToken);
            if (linkedTo is null)
            {
                await profiles.LinkAsync(started, written.ProfileKey, cancellationToken);
            }

            if (written.ProfileKey == profileKey)
            {
                continue;
            }

            foreach (var identityKey in session.Linked.Where(l => l.Value == profileKey).Select(l => l.Key).ToList())
            {
                if (identityKey != started.Value)
                {
                    await profiles.LinkAsync(new IdentityKey(identityKey), written.ProfileKey, cancellationToken);
                }

                session.Linked[identityKey] = written.ProfileKey;
            }
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

        /// <summary>Adds a change to a profile's pending write; <paramref name="startedBy"/> names the identity a new profile would start with.</summary>
        public void Change(string profileKey, Action<ProfileDocument> change, IdentityKey? startedBy = null)
        {
            var index = _pending.FindIndex(p => p.ProfileKey == profileKey);
            if (index < 0)
            {
                _pending.Add((profileKey, new Pending(startedBy, [change])));
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
    /// <param name="StartedBy">
    /// For a profile most likely new: the identity it starts with, whose link is written with it. Null for a profile
    /// known to exist.
    /// </param>
    /// <param name="Changes">The merges to apply, in order.</param>
    private sealed record Pending(IdentityKey? StartedBy, List<Action<ProfileDocument>> Changes);
}
