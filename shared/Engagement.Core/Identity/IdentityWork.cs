using Engagement.Core.Events;

namespace Engagement.Core.Identity;

/// <summary>
/// The identity facts of a batch that touch one group of connected ids: its claims in the order they apply, then the
/// trait and group events per identity. Units of one batch share no id, so they may be applied side by side.
/// </summary>
/// <param name="Claims">The claims, oldest first.</param>
/// <param name="Traits">Identify events with traits and group events, per identity they describe, in batch order.</param>
public sealed record IdentityWork(IReadOnlyList<IdentityClaim> Claims, IReadOnlyList<IdentityTraits> Traits)
{
    /// <summary>
    /// Splits the identity facts of a batch into units that share no id. An alias's previous id counts as both a
    /// user id and an anonymous id, since it is placed as whichever of the two is known.
    /// </summary>
    public static IReadOnlyList<IdentityWork> Of(IReadOnlyList<EngagementEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var claims = IdentityStitching.ClaimsOf(events);
        var traits = events
            .Where(e => (e.Kind == EventKind.Identify && e.TraitsJson is not null) || (e.Kind == EventKind.Group && e.GroupId is not null))
            .GroupBy(IdentityStitching.PrimaryIdentity)
            .Select(g => new IdentityTraits(g.Key, g.ToList()))
            .ToList();
        if (claims.Count == 0 && traits.Count == 0)
        {
            return [];
        }

        var sets = new DisjointSets();
        foreach (var claim in claims)
        {
            sets.Union(claim.Identity, claim.Anchor);
            if (claim.FromAlias)
            {
                sets.Union(claim.Identity, IdentityRef.Anonymous(claim.Identity.Value));
            }
        }

        var units = new Dictionary<IdentityRef, (List<IdentityClaim> Claims, List<IdentityTraits> Traits)>();
        var order = new List<IdentityRef>();
        (List<IdentityClaim> Claims, List<IdentityTraits> Traits) UnitOf(IdentityRef identity)
        {
            var root = sets.Find(identity);
            if (!units.TryGetValue(root, out var unit))
            {
                unit = ([], []);
                units[root] = unit;
                order.Add(root);
            }

            return unit;
        }

        foreach (var claim in claims)
        {
            UnitOf(claim.Anchor).Claims.Add(claim);
        }

        foreach (var entry in traits)
        {
            UnitOf(entry.Identity).Traits.Add(entry);
        }

        return order.Select(root => new IdentityWork(units[root].Claims, units[root].Traits)).ToList();
    }

    /// <summary>Union-find over ids, with path halving.</summary>
    private sealed class DisjointSets
    {
        private readonly Dictionary<IdentityRef, IdentityRef> _parent = [];

        public IdentityRef Find(IdentityRef identity)
        {
            while (_parent.TryGetValue(identity, out var parent) && parent != identity)
            {
                var grandparent = _parent[parent];
                _parent[identity] = grandparent;
                identity = grandparent;
            }

            return identity;
        }

        public void Union(IdentityRef a, IdentityRef b)
        {
            _parent.TryAdd(a, a);
            _parent.TryAdd(b, b);
            var (rootA, rootB) = (Find(a), Find(b));
            if (rootA != rootB)
            {
                _parent[rootB] = rootA;
            }
        }
    }
}

/// <summary>Trait and group events of one identity.</summary>
/// <param name="Identity">The identity they describe (the events' primary identity).</param>
/// <param name="Events">The events, in batch order.</param>
public sealed record IdentityTraits(IdentityRef Identity, IReadOnlyList<EngagementEvent> Events);
