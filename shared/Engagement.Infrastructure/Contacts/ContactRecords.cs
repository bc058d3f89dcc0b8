using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;

namespace Engagement.Infrastructure.Contacts;

/// <summary>Contacts: how national phone numbers are read, and where legitimate interest may stand in for consent.</summary>
public sealed class ContactOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Contacts";

    /// <summary>The country calling code national numbers get (<c>777 123 456</c> → <c>+420777123456</c>).</summary>
    [Required, RegularExpression(@"^\+?[1-9][0-9]{0,2}$", ErrorMessage = "Contacts:DefaultCountryCode must be a country calling code such as 420.")]
    public string DefaultCountryCode { get; set; } = "420";

    /// <summary>
    /// Purposes that may rest on legitimate interest when nothing is recorded (as <c>purpose</c> or <c>purpose/Channel</c>,
    /// e.g. <c>marketing/Email</c>); empty: everything needs recorded consent.
    /// </summary>
    public List<string> LegitimateInterest { get; set; } = [];

    /// <summary>The policy settings these options give.</summary>
    public ContactPolicyOptions PolicyOptions() => new() { LegitimateInterest = LegitimateInterest.ToList() };
}

/// <summary>Where a contact came from, in detail.</summary>
/// <param name="Provenance">The kind of source.</param>
/// <param name="Detail">Which one (the order number, the form, the competition, the import file), when known.</param>
/// <param name="Since">Since when the contact is held from that source.</param>
public sealed record ContactSource(ContactProvenance Provenance, string? Detail, DateTimeOffset Since);

/// <summary>A suppression as the contacts store keeps it: active until lifted or until <paramref name="Until"/>.</summary>
/// <param name="Channel">The channel suppressed; <see cref="ContactChannel.Any"/> suppresses all.</param>
/// <param name="Reason">Why.</param>
/// <param name="Since">Since when.</param>
/// <param name="Until">Until when; null for good.</param>
/// <param name="Note">Who or what asked for it, free text (an SMS id, a ticket).</param>
/// <param name="LiftedAt">When it was lifted (by hand, or replaced after it expired); null while it stands.</param>
/// <param name="LiftNote">Why it was lifted.</param>
public sealed record ContactSuppression(
    ContactChannel Channel,
    SuppressionReason Reason,
    DateTimeOffset Since,
    DateTimeOffset? Until = null,
    string? Note = null,
    DateTimeOffset? LiftedAt = null,
    string? LiftNote = null)
{
    /// <summary>Whether it applies at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => LiftedAt is null && Since <= now && (Until is null || Until > now);

    /// <summary>The suppression as the contact policy reads it.</summary>
    public Suppression ToPolicy() => new(Channel, ReasonName(Reason), Since, LiftedAt ?? Until);

    /// <summary>The reason as written in answers and stored rows (<c>stopReply</c>).</summary>
    public static string ReasonName(SuppressionReason reason)
    {
        var name = reason.ToString();
        return string.Concat(char.ToLowerInvariant(name[0]).ToString(CultureInfo.InvariantCulture), name[1..]);
    }
}

/// <summary>Everything the contacts store holds about a subject.</summary>
/// <param name="SubjectKey">The subject's pseudonymous key.</param>
/// <param name="Email">Their e-mail address, if held.</param>
/// <param name="Phone">Their phone number (E.164), if held.</param>
/// <param name="Source">Where the contact came from; null when no contact points were ever given.</param>
/// <param name="UpdatedAt">When the contact points were last written.</param>
/// <param name="Suppressions">Suppressions standing now (or expired but not yet replaced).</param>
/// <param name="Lifted">Suppressions that were lifted, newest first: the record of who may be contacted again and since when.</param>
/// <param name="ETag">The contact row's version, for conditional writes.</param>
/// <param name="Language">The language to write to them in, if given.</param>
/// <param name="Segments">Their segments.</param>
public sealed record ContactCard(
    string SubjectKey,
    EmailAddress? Email,
    PhoneNumber? Phone,
    ContactSource? Source,
    DateTimeOffset? UpdatedAt,
    IReadOnlyList<ContactSuppression> Suppressions,
    IReadOnlyList<ContactSuppression> Lifted,
    string? ETag,
    string? Language = null,
    IReadOnlyList<string>? Segments = null);

/// <summary>A subject's contact points to store, with the language to address them in and the segments they belong to.</summary>
/// <param name="Email">E-mail address, or null for none.</param>
/// <param name="Phone">Phone number, or null for none.</param>
/// <param name="Language">The language to write to them in (<c>cs</c>, <c>en</c>); null: the deployment's default.</param>
/// <param name="Segments">Their segments (CRM tags such as <c>pension</c>), normalised by <see cref="SegmentsOf"/>: lower case, sorted, comma-separated; null for none.</param>
public sealed record ContactPoints(EmailAddress? Email, PhoneNumber? Phone, string? Language = null, string? Segments = null)
{
    /// <summary>The segments as a list.</summary>
    public IReadOnlyList<string> SegmentList => Segments is null ? [] : Segments.Split(',');

    /// <summary>Segment tags normalised for storage and comparison; null when there are none.</summary>
    public static string? SegmentsOf(IEnumerable<string>? segments)
    {
        var tags = (segments ?? []).Select(s => s.Trim().ToLowerInvariant()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return tags.Count == 0 ? null : string.Join(',', tags);
    }
}

/// <summary>What writing contact points did.</summary>
public enum ContactWriteOutcome
{
    /// <summary>A new contact.</summary>
    Created,
    /// <summary>An existing contact changed.</summary>
    Updated,
    /// <summary>Nothing changed: the same points and source were already stored (a retry, a re-import).</summary>
    Unchanged,
    /// <summary>The contact is not at the version the caller named (If-Match): nothing was written.</summary>
    VersionMismatch,
}

/// <summary>The result of writing contact points.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Card">The contact as stored now; null after a version mismatch on a contact that does not exist.</param>
public sealed record ContactWriteResult(ContactWriteOutcome Outcome, ContactCard? Card);

/// <summary>The result of adding a suppression.</summary>
/// <param name="Added">False when the channel was already suppressed: nothing was added.</param>
/// <param name="Suppression">The suppression in force.</param>
public sealed record SuppressionResult(bool Added, ContactSuppression Suppression);
