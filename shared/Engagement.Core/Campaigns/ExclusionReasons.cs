using Engagement.Core.Consent;

namespace Engagement.Core.Campaigns;

/// <summary>
/// The stable codes recorded when a contact is left out of a campaign step (ledger rows, counts, reports). The
/// contact-policy codes name the rule of <see cref="ContactPolicy"/> that refused, in the same order of precedence.
/// </summary>
public static class ExclusionReasons
{
    /// <summary>Nothing lets the purpose be used: no consent recorded and no legitimate interest configured.</summary>
    public const string NoConsent = "noConsent";

    /// <summary>Consent was withdrawn.</summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>Consent was refused.</summary>
    public const string Denied = "denied";

    /// <summary>Unsubscribed from e-mail (or from everything).</summary>
    public const string Unsubscribed = "unsubscribed";

    /// <summary>Legitimate interest would apply, but where the contact came from is not known.</summary>
    public const string UnknownProvenance = "unknownProvenance";

    /// <summary>No e-mail address is held (or the person is known only by anonymous ids).</summary>
    public const string NoEmail = "noEmail";

    /// <summary>No sign of life within the configured months.</summary>
    public const string Inactive = "inactive";

    /// <summary>The contact had as many campaign e-mails as the frequency cap allows.</summary>
    public const string FrequencyCap = "frequencyCap";

    /// <summary>The prefix of a suppression's code, followed by its reason: <c>suppressed:Bounced</c>, <c>suppressed:Complained</c>.</summary>
    public const string SuppressedPrefix = "suppressed:";

    /// <summary>The code of a suppression, from its reason as the policy reads it (<c>bounced</c> → <c>suppressed:Bounced</c>).</summary>
    public static string Suppressed(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return string.Equals(reason, "unsubscribed", StringComparison.OrdinalIgnoreCase)
            ? Unsubscribed
            : SuppressedPrefix + char.ToUpperInvariant(reason[0]) + reason[1..];
    }

    /// <summary>
    /// Why <see cref="ContactPolicy.Decide"/> refuses the contact, as a code; null when it allows it. Same inputs, same
    /// order: suppression, then the latest recorded decision, then the lawful basis, then provenance.
    /// </summary>
    public static string? Of(
        string purpose,
        ContactChannel channel,
        IReadOnlyCollection<ConsentStatus> statuses,
        IReadOnlyCollection<Suppression> suppressions,
        ContactProvenance? provenance,
        ContactPolicyOptions options,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        ArgumentNullException.ThrowIfNull(suppressions);
        if (ContactPolicy.Decide(purpose, channel, statuses, suppressions, provenance, options, now).Allowed)
        {
            return null;
        }

        if (ContactPolicy.ActiveSuppression(channel, suppressions, now) is { } suppressed)
        {
            return Suppressed(suppressed.Reason);
        }

        var latest = statuses
            .Where(s => s.Purpose == purpose && (s.Channel == channel || s.Channel == ContactChannel.Any))
            .OrderBy(s => s.Since).ThenBy(s => s.Sequence)
            .LastOrDefault();
        return latest?.Decision switch
        {
            ConsentDecision.Withdrawn => Withdrawn,
            ConsentDecision.Denied => Denied,
            _ when provenance == ContactProvenance.Unknown && (latest?.Decision == ConsentDecision.Granted
                || options.LegitimateInterest.Contains(purpose) || options.LegitimateInterest.Contains($"{purpose}/{channel}")) => UnknownProvenance,
            _ => NoConsent,
        };
    }

    /// <summary>
    /// Whether a contact counts as inactive: no sign of life (an event, the contact given) within
    /// <paramref name="months"/> months before <paramref name="now"/>. Zero months: nobody is.
    /// </summary>
    public static bool IsInactive(DateTimeOffset? lastSignOfLife, int months, DateTimeOffset now) =>
        months > 0 && (lastSignOfLife is not { } last || last < now.AddMonths(-months));
}
