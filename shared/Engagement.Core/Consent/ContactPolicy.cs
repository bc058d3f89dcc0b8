namespace Engagement.Core.Consent;

/// <summary>Where a contact came from.</summary>
public enum ContactProvenance
{
    /// <summary>Not known (e.g. migrated without history): needs a reactivation campaign before marketing use.</summary>
    Unknown,
    /// <summary>Gave their details with an order.</summary>
    Order,
    /// <summary>A web or paper form.</summary>
    Form,
    /// <summary>A competition entry.</summary>
    Competition,
    /// <summary>A pop-up.</summary>
    Popup,
    /// <summary>An import whose source is recorded.</summary>
    Import,
}

/// <summary>A channel a subject must not be contacted over, and why (unsubscribed, bounced, complained, by hand).</summary>
/// <param name="Channel">The channel; <see cref="ContactChannel.Any"/> suppresses every channel.</param>
/// <param name="Reason">Why.</param>
/// <param name="Since">Since when.</param>
/// <param name="Until">Until when; null for good.</param>
public sealed record Suppression(ContactChannel Channel, string Reason, DateTimeOffset Since, DateTimeOffset? Until = null);

/// <summary>Whether a subject may be contacted, on what basis, and why (for the log and for people).</summary>
/// <param name="Allowed">Whether the contact may happen.</param>
/// <param name="Basis">The lawful basis it rests on, when allowed.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record ContactDecision(bool Allowed, LegalBasis? Basis, string Reason);

/// <summary>The policy's settings.</summary>
public sealed record ContactPolicyOptions
{
    /// <summary>
    /// Purposes (optionally per channel, as <c>purpose</c> or <c>purpose/Channel</c>) that may rest on legitimate
    /// interest when nothing is recorded, e.g. <c>marketing/Email</c> for similar products to existing customers.
    /// Everything else needs recorded consent.
    /// </summary>
    public IReadOnlyCollection<string> LegitimateInterest { get; init; } = [];
}

/// <summary>
/// The one place that decides whether a subject may be contacted for a purpose over a channel. Every sending path
/// (e-mails, SMS, call lists, bid lists) asks it. Order of the rules: suppression wins; then the latest recorded
/// decision (a refusal or withdrawal always wins over a basis); then, with nothing recorded, legitimate interest where
/// configured, except for contacts of unknown provenance. A subject with no contact record (known only from their own
/// activity, such as a logged-in user) has no provenance to doubt.
/// </summary>
public static class ContactPolicy
{
    /// <summary>Decides one contact.</summary>
    /// <param name="purpose">What the contact is for.</param>
    /// <param name="channel">Over which channel.</param>
    /// <param name="statuses">The subject's current consent statuses.</param>
    /// <param name="suppressions">The subject's suppressions (expired and future ones are ignored).</param>
    /// <param name="provenance">Where the contact came from; null when no contact record is held.</param>
    /// <param name="options">Where legitimate interest applies.</param>
    /// <param name="now">The time of the contact.</param>
    public static ContactDecision Decide(
        string purpose,
        ContactChannel channel,
        IEnumerable<ConsentStatus> statuses,
        IEnumerable<Suppression> suppressions,
        ContactProvenance? provenance,
        ContactPolicyOptions options,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        ArgumentNullException.ThrowIfNull(suppressions);
        ArgumentNullException.ThrowIfNull(options);
        if (ActiveSuppression(channel, suppressions, now) is { } suppressed)
        {
            return Suppressed(suppressed);
        }

        var latest = statuses
            .Where(s => s.Purpose == purpose && (s.Channel == channel || s.Channel == ContactChannel.Any))
            .OrderBy(s => s.Since).ThenBy(s => s.Sequence)
            .LastOrDefault();
        switch (latest?.Decision)
        {
            case ConsentDecision.Denied or ConsentDecision.Withdrawn:
                return new ContactDecision(false, null, $"{purpose} over {channel}: {latest.Decision.ToString().ToLowerInvariant()} on {latest.Since:yyyy-MM-dd}");
            case ConsentDecision.Granted when latest.Basis == LegalBasis.Consent:
                return new ContactDecision(true, LegalBasis.Consent, $"{purpose} over {channel}: consent given on {latest.Since:yyyy-MM-dd}");
        }

        var interest = latest?.Decision == ConsentDecision.Granted
            || options.LegitimateInterest.Contains(purpose) || options.LegitimateInterest.Contains($"{purpose}/{channel}");
        if (!interest)
        {
            return new ContactDecision(false, null, $"{purpose} over {channel}: no consent recorded, and the purpose needs consent");
        }

        if (provenance == ContactProvenance.Unknown)
        {
            return new ContactDecision(false, null, $"{purpose} over {channel}: contact of unknown provenance; a reactivation campaign must ask first");
        }

        return new ContactDecision(true, latest?.Basis ?? LegalBasis.LegitimateInterest, $"{purpose} over {channel}: {(latest?.Basis ?? LegalBasis.LegitimateInterest) switch
        {
            LegalBasis.Contract => "needed for the contract",
            _ => "legitimate interest, nothing refused",
        }}");
    }

    /// <summary>
    /// Whether a subject may be asked for consent over a channel (a consent request SMS or e-mail). Asking needs no
    /// basis, since it is how one is obtained; it needs only that the channel is not suppressed — a STOP reply
    /// suppresses SMS until someone lifts it by hand.
    /// </summary>
    public static ContactDecision MayAskForConsent(ContactChannel channel, IEnumerable<Suppression> suppressions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(suppressions);
        return ActiveSuppression(channel, suppressions, now) is { } suppressed
            ? Suppressed(suppressed)
            : new ContactDecision(true, null, $"asking for consent over {channel}: not suppressed");
    }

    /// <summary>The suppression that stops contact over a channel at <paramref name="now"/> (its own, or one of every channel); null when none does.</summary>
    public static Suppression? ActiveSuppression(ContactChannel channel, IEnumerable<Suppression> suppressions, DateTimeOffset now) =>
        suppressions.FirstOrDefault(s => (s.Channel == channel || s.Channel == ContactChannel.Any) && s.Since <= now && (s.Until is null || s.Until > now));

    private static ContactDecision Suppressed(Suppression suppressed) =>
        new(false, null, $"suppressed on {suppressed.Channel} since {suppressed.Since:yyyy-MM-dd}: {suppressed.Reason}");
}
