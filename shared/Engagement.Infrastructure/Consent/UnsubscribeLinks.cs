using Engagement.Core.Consent;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Engagement.Infrastructure.Consent;

/// <summary>
/// Builds the unsubscribe link of a campaign e-mail (<c>{Consent:PublicBaseUrl}/unsubscribe?t=…</c>, a signed token
/// that never expires) and the header fields that let mail clients offer unsubscribing themselves:
/// <c>List-Unsubscribe</c> (RFC 2369) and <c>List-Unsubscribe-Post: List-Unsubscribe=One-Click</c> (RFC 8058).
/// </summary>
public sealed class UnsubscribeLinks(ConsentTokenSigner signer, IOptions<ConsentOptions> options)
{
    /// <summary>The value of <c>List-Unsubscribe-Post</c> that announces one-click unsubscribing (RFC 8058).</summary>
    public const string OneClick = "List-Unsubscribe=One-Click";

    /// <summary>The link to the unsubscribe page, on <paramref name="publicBase"/> or else <c>Consent:PublicBaseUrl</c>.</summary>
    /// <exception cref="InvalidOperationException">Neither names where people reach the pages.</exception>
    public string Link(UnsubscribeLink link, string? publicBase = null)
    {
        ArgumentNullException.ThrowIfNull(link);
        var origin = !string.IsNullOrWhiteSpace(publicBase) ? publicBase : options.Value.PublicBaseUrl;
        if (string.IsNullOrWhiteSpace(origin))
        {
            throw new InvalidOperationException("Unsubscribe links need Consent:PublicBaseUrl: the address people reach this deployment's pages at.");
        }

        return origin.TrimEnd('/') + "/unsubscribe?t=" + Uri.EscapeDataString(signer.Issue(link));
    }

    /// <summary>
    /// The header fields of a campaign e-mail: <c>List-Unsubscribe</c> with the HTTPS link (and a <c>mailto:</c> address
    /// when <paramref name="mailto"/> is given), and <c>List-Unsubscribe-Post</c> for one-click unsubscribing.
    /// </summary>
    /// <param name="link">What the link withdraws.</param>
    /// <param name="mailto">An address that unsubscribes whoever writes to it, if the deployment has one.</param>
    /// <param name="publicBase">Where people reach the pages; null: <c>Consent:PublicBaseUrl</c>.</param>
    public IReadOnlyList<KeyValuePair<string, string>> Headers(UnsubscribeLink link, string? mailto = null, string? publicBase = null)
    {
        var value = "<" + Link(link, publicBase) + ">";
        if (!string.IsNullOrWhiteSpace(mailto))
        {
            if (!MailboxAddress.TryParse(mailto, out var mailbox) || mailbox.Address != mailto.Trim() || !mailto.Contains('@', StringComparison.Ordinal))
            {
                throw new ArgumentException("The unsubscribe mailbox must be one e-mail address.", nameof(mailto));
            }

            // The subject tells a person reading that mailbox what the mail was for; the address alone cannot name a subject.
            value += ", <mailto:" + mailbox.Address + "?subject=unsubscribe>";
        }

        return [KeyValuePair.Create("List-Unsubscribe", value), KeyValuePair.Create("List-Unsubscribe-Post", OneClick)];
    }
}
