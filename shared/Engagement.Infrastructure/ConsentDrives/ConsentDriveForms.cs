using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;
using Engagement.Infrastructure.Consent;

namespace Engagement.Infrastructure.ConsentDrives;

/// <summary>A consent form a drive wants shown to a subject now.</summary>
/// <param name="DriveId">The drive.</param>
/// <param name="Variant">The variant to show.</param>
/// <param name="Placement">Where: the portal pop-up or the consent page.</param>
/// <param name="Purposes">What it asks for.</param>
public sealed record DriveFormOffer(string DriveId, string Variant, FormPlacement Placement, IReadOnlyList<string> Purposes);

/// <summary>
/// Which consent form, if any, a subject is shown when the portal asks (<c>GET /consent/prompt</c>): among the drives
/// whose allocation is in force, one whose audience the subject is in and whose purposes they have not all granted,
/// within the per-contact display caps and the variants' display quotas; the variant drawn by the allocation's shares.
/// Each offer is recorded as a display, which the drive's measurement counts and attributes conversions to.
/// </summary>
public sealed class ConsentDriveForms(ConsentDriveStore drives, ConsentStore consents, Contacts.ContactStore contacts, TimeProvider clock)
{
    /// <summary>The form to show now, recorded as shown; null when none is due.</summary>
    public async Task<DriveFormOffer?> OfferAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var allocations = (await drives.AllocationsAsync(cancellationToken))
            .Where(a => a.Allocation.From <= now && a.Allocation.Variants.Any(v => v.Displays > 0))
            .OrderBy(a => a.DriveId, StringComparer.Ordinal)
            .ToList();
        if (allocations.Count == 0)
        {
            return null;
        }

        var ledger = await consents.ReadAsync(subjectKey, cancellationToken);
        var card = await contacts.ReadAsync(subjectKey, cancellationToken);
        foreach (var (driveId, allocation) in allocations)
        {
            if (!InAudience(allocation, ledger, card) || OptedIn(allocation.Purposes, ledger))
            {
                continue;
            }

            var mine = await drives.DisplaysOfAsync(driveId, subjectKey, cancellationToken);
            var caps = allocation.Caps;
            var today = mine.Count(d => d.At.UtcDateTime.Date == now.UtcDateTime.Date && d.At >= allocation.From.AddDays(-1));
            if (mine.Count >= caps.Total || today >= caps.PerDay)
            {
                continue;
            }

            var shown = (await drives.DisplaysAsync(driveId, cancellationToken)).Where(d => d.At >= allocation.From).GroupBy(d => d.Variant).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var open = allocation.Variants.Where(v => v.Displays > shown.GetValueOrDefault(v.Variant)).ToList();
            if (open.Count == 0)
            {
                continue;
            }

            var variant = Draw(open, subjectKey, now);
            await drives.RecordDisplayAsync(new DriveDisplay(driveId, subjectKey, variant.Variant, variant.Placement, now), cancellationToken);
            return new DriveFormOffer(driveId, variant.Variant, variant.Placement, allocation.Purposes);
        }

        return null;
    }

    /// <summary>Whether the subject had not granted every purpose when the drive started, and passes its audience filter.</summary>
    private static bool InAudience(FormAllocation allocation, ConsentLedgerView? ledger, Contacts.ContactCard? card)
    {
        var startedOptedIn = allocation.StartsAt is { } start && OptedIn(allocation.Purposes, ledger, start);
        var audience = allocation.Audience ?? new DriveAudience();
        return !startedOptedIn && DriveAudienceRules.Matches(audience, card?.Source?.Provenance ?? ContactProvenance.Unknown, card?.Segments ?? []);
    }

    private static bool OptedIn(IReadOnlyList<string> purposes, ConsentLedgerView? ledger, DateTimeOffset? asOf = null) =>
        ledger is not null && DriveAudienceRules.OptedIn(purposes, ledger.History, asOf);

    // Weighted by the allocation's shares; seeded by the subject and the minute, so a reload in the same minute shows the same variant.
    private static VariantQuota Draw(List<VariantQuota> open, string subjectKey, DateTimeOffset now)
    {
        var total = open.Sum(v => Math.Max(v.Share, 0));
        if (total <= 0)
        {
            return open[0];
        }

        var seed = HashCode.Combine(StringComparer.Ordinal.GetHashCode(subjectKey), now.ToUnixTimeSeconds() / 60);
        var point = new Random(seed).NextDouble() * total;
        foreach (var variant in open)
        {
            point -= Math.Max(variant.Share, 0);
            if (point <= 0)
            {
                return variant;
            }
        }

        return open[^1];
    }
}
