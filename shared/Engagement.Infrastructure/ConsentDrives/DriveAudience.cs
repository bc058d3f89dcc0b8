using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;

namespace Engagement.Infrastructure.ConsentDrives;

/// <summary>One contact of a drive's audience.</summary>
/// <param name="Card">What the contacts store holds.</param>
/// <param name="Provenance">Where the contact came from.</param>
/// <param name="History">Their ledger records of the drive's purposes, oldest first.</param>
/// <param name="OptedIn">Whether they have granted every purpose now.</param>
internal sealed record DriveMember(ContactCard Card, ContactProvenance Provenance, IReadOnlyList<ConsentRecord> History, bool OptedIn)
{
    public string SubjectKey => Card.SubjectKey;

    /// <summary>Whether the drive can ask them over a channel at all (an address for it, and not suppressed for it).</summary>
    public bool Reachable(DriveChannel channel, DateTimeOffset now)
    {
        var contact = channel switch
        {
            DriveChannel.Email => Card.Email is null ? (ContactChannel?)null : ContactChannel.Email,
            DriveChannel.Sms => Card.Phone is null ? null : ContactChannel.Sms,
            DriveChannel.CallCentre => Card.Phone is null ? null : ContactChannel.Phone,
            DriveChannel.Store or DriveChannel.WebForm => ContactChannel.Any,
            _ => null,
        };
        return contact is { } c && ContactPolicy.MayAskForConsent(c, Card.Suppressions.Select(s => s.ToPolicy()), now).Allowed;
    }
}

/// <summary>
/// A drive's audience, read in one pass over the contacts and one over the ledger's records of its purposes: the
/// contacts its filter admits that had not granted every purpose when it started (so the denominator is fixed).
/// </summary>
public sealed class DriveAudienceReader(ContactStore contacts, ConsentStore consents)
{
    internal async Task<List<DriveMember>> ReadAsync(IReadOnlyList<string> purposes, DriveAudience audience, DateTimeOffset startsAt, CancellationToken cancellationToken)
    {
        var histories = await consents.HistoriesForAsync(purposes, cancellationToken);
        var members = new List<DriveMember>();
        await foreach (var card in contacts.AllAsync(cancellationToken))
        {
            if (card.Email is null && card.Phone is null)
            {
                continue;
            }

            var provenance = card.Source?.Provenance ?? ContactProvenance.Unknown;
            if (!DriveAudienceRules.Matches(audience, provenance, card.Segments ?? []))
            {
                continue;
            }

            var history = histories.GetValueOrDefault(card.SubjectKey) ?? [];
            if (DriveAudienceRules.OptedIn(purposes, history, startsAt))
            {
                continue;
            }

            members.Add(new DriveMember(card, provenance, history, DriveAudienceRules.OptedIn(purposes, history)));
        }

        return members;
    }
}
