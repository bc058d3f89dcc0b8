using System.Net;
using System.Text.RegularExpressions;
using Engagement.Core.Campaigns;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>
/// Makes a campaign e-mail's HTML body trackable: every http(s) link becomes a signed click link to the same address,
/// and the open pixel is added at the end of the body. Other links (mailto:, tel:, anchors) stay as they are.
/// </summary>
public sealed partial class TrackingLinks(CampaignTracking tracking)
{
    /// <summary>
    /// The body with tracked links and the pixel. <paramref name="baseUrl"/> is where recipients reach this deployment's
    /// <c>/t/</c> endpoints (scheme and host). Throws when tracking is off (no <c>Campaigns:TrackingSecret</c>).
    /// </summary>
    public string Rewrite(string html, TrackedMessage message, Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(baseUrl);
        var signer = tracking.Signer ?? throw new InvalidOperationException("Set Campaigns:TrackingSecret to track campaign e-mails.");
        var root = baseUrl.GetLeftPart(UriPartial.Authority);
        var linked = Href().Replace(html, match =>
        {
            var target = WebUtility.HtmlDecode(match.Groups["url"].Value).Trim();
            if (!Uri.TryCreate(target, UriKind.Absolute, out var url) || !TrackingTokenSigner.IsTrackable(url))
            {
                return match.Value;
            }

            var quote = match.Groups["q"].Value;
            return $"{match.Groups["attr"].Value}{quote}{root}/t/c/{signer.IssueClick(new TrackedClick(message, url))}{quote}";
        });
        var pixel = $"<img src=\"{root}/t/o/{signer.IssueOpen(message)}.gif\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">";
        var end = linked.LastIndexOf("</body>", StringComparison.OrdinalIgnoreCase);
        return end < 0 ? linked + pixel : linked.Insert(end, pixel);
    }

    [GeneratedRegex("""(?<attr>\bhref\s*=\s*)(?<q>["'])(?<url>https?://[^"']*)\k<q>""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Href();
}
