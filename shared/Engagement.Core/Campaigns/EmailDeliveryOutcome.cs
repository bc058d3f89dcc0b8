using System.Text.RegularExpressions;

namespace Engagement.Core.Campaigns;

/// <summary>What became of one campaign e-mail, as a delivery report or a recipient's feedback says.</summary>
public enum EmailDeliveryOutcome
{
    /// <summary>Handed to the recipient's mail server (Communication Services: Delivered, or Expanded to a distribution list).</summary>
    Delivered,
    /// <summary>Refused for good: the address does not exist or the domain is invalid (Bounced, or Failed with a permanent address status).</summary>
    HardBounce,
    /// <summary>Not delivered this time (Failed): a full mailbox, a server that did not answer. Repeated ones count as hard.</summary>
    SoftBounce,
    /// <summary>Not sent by the relay: the address is on its suppression list after an earlier hard bounce (Suppressed).</summary>
    Suppressed,
    /// <summary>The relay's spam filter judged the message spam and blocked it (FilteredSpam): a verdict on the content, not a recipient's complaint.</summary>
    SpamFiltered,
    /// <summary>Held in quarantine as spam, bulk or phishing (Quarantined).</summary>
    Quarantined,
    /// <summary>The recipient reported the message as spam (a feedback-loop report).</summary>
    Complained,
}

/// <summary>
/// Reads the status of a Communication Services e-mail delivery report (<c>Microsoft.Communication.EmailDeliveryReportReceived</c>).
/// The service's statuses map one to one, except that <c>Failed</c> is a soft bounce unless its status message carries a
/// permanent SMTP status about the address itself (5.1.x: no such mailbox or domain), which is as hard as <c>Bounced</c>.
/// The service reports no recipient complaints: <c>FilteredSpam</c> is its own filter's verdict and stays apart from them.
/// </summary>
public static partial class EmailDeliveryStatus
{
    /// <summary>The statuses the service documents.</summary>
    public static IReadOnlyList<string> Known { get; } = ["Delivered", "Expanded", "Bounced", "Suppressed", "FilteredSpam", "Quarantined", "Failed"];

    /// <summary>The outcome a reported status means; null for a status the service does not document.</summary>
    /// <param name="status">The report's <c>status</c> (case-insensitive).</param>
    /// <param name="statusMessage">The report's <c>deliveryStatusDetails.statusMessage</c>, if any.</param>
    public static EmailDeliveryOutcome? Classify(string? status, string? statusMessage) => status?.Trim().ToUpperInvariant() switch
    {
        "DELIVERED" or "EXPANDED" => EmailDeliveryOutcome.Delivered,
        "BOUNCED" => EmailDeliveryOutcome.HardBounce,
        "SUPPRESSED" => EmailDeliveryOutcome.Suppressed,
        "FILTEREDSPAM" => EmailDeliveryOutcome.SpamFiltered,
        "QUARANTINED" => EmailDeliveryOutcome.Quarantined,
        "FAILED" => statusMessage is not null && PermanentAddressStatus().IsMatch(statusMessage) ? EmailDeliveryOutcome.HardBounce : EmailDeliveryOutcome.SoftBounce,
        _ => null,
    };

    /// <summary>Whether an outcome means the message did not reach the recipient's mailbox.</summary>
    public static bool IsUndelivered(EmailDeliveryOutcome outcome) =>
        outcome is EmailDeliveryOutcome.HardBounce or EmailDeliveryOutcome.SoftBounce or EmailDeliveryOutcome.Suppressed
            or EmailDeliveryOutcome.SpamFiltered or EmailDeliveryOutcome.Quarantined;

    /// <summary>
    /// Whether a soft bounce makes the address as good as hard-bounced: the recipient's soft bounces since their last
    /// delivered message (this one included) reached <paramref name="limit"/>.
    /// </summary>
    public static bool SoftBouncesCountAsHard(int softBouncesSinceLastDelivery, int limit) => limit > 0 && softBouncesSinceLastDelivery >= limit;

    // RFC 3463 enhanced status codes 5.1.x: bad destination mailbox, system or address syntax.
    [GeneratedRegex(@"(?<![\d.])5\.1\.\d{1,3}(?![\d.])", RegexOptions.CultureInvariant)]
    private static partial Regex PermanentAddressStatus();
}
