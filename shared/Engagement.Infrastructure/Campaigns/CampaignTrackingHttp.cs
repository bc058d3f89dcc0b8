using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>
/// The tracking endpoints of campaign e-mails for both hosts: the open pixel, the click redirect, and the engagement
/// report. The pixel answers the same GIF whatever the token, so nothing can be learnt by probing it; a click
/// redirects only to the address signed into its token, and an invalid token is a 404, never a redirect elsewhere.
/// </summary>
public sealed class CampaignTrackingHttp(CampaignTracking tracking)
{
    /// <summary>The header a caller may name its request in, so a retry of it is recorded once.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    private const string PixelSuffix = ".gif";

    // The smallest transparent GIF: 1×1, one transparent colour.
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    private static readonly KeyValuePair<string, string>[] NoStore =
    [
        KeyValuePair.Create("Cache-Control", "no-store, no-cache, must-revalidate, private, max-age=0"),
        KeyValuePair.Create("Pragma", "no-cache"),
        KeyValuePair.Create("Expires", "0"),
        KeyValuePair.Create("Referrer-Policy", "no-referrer"),
    ];

    /// <summary>The pixel's bytes (a 1×1 transparent GIF).</summary>
    public static ReadOnlyMemory<byte> PixelBytes => Gif;

    /// <summary><c>GET /t/o/{token}.gif</c>: records an open when the token is valid; always the pixel.</summary>
    public async Task<ReplyShape> OpenAsync(HttpRequest request, string file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (file?.EndsWith(PixelSuffix, StringComparison.OrdinalIgnoreCase) == true)
        {
            await tracking.RecordOpenAsync(file[..^PixelSuffix.Length], request.Method, UserAgent(request), RequestId(request), cancellationToken);
        }

        return new ReplyShape(200, "image/gif", Gif, NoStore);
    }

    /// <summary><c>GET|HEAD /t/c/{token}</c>: records a click and redirects to the signed address; 404 for anything else.</summary>
    public async Task<ReplyShape> ClickAsync(HttpRequest request, string token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var click = await tracking.RecordClickAsync(token, request.Method, UserAgent(request), RequestId(request), cancellationToken);
        if (click is null)
        {
            return ReplyShape.Problem(new ApiProblem("Link not found", 404, "This link is not valid: it may have been cut short when copied. Open it again from the e-mail.")).WithHeaders(NoStore);
        }

        return ReplyShape.Empty(302).WithHeaders([KeyValuePair.Create("Location", click.Url.AbsoluteUri), .. NoStore]);
    }

    /// <summary><c>GET /api/campaigns/{id}/engagement</c> (admin): unique opens and clicks per variant, and what was left out by reason.</summary>
    public async Task<ReplyShape> EngagementAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(campaignId) || campaignId.Length > 256)
        {
            return ReplyShape.Problem(new ApiProblem("Invalid campaign id", 400, "Name the campaign by its id (at most 256 characters)."));
        }

        return ReplyShape.Json(200, await tracking.EngagementAsync(campaignId, cancellationToken), ApiJson.TypeInfo<CampaignEngagement>());
    }

    private static string? UserAgent(HttpRequest request) => request.Headers.UserAgent.FirstOrDefault();

    private static string RequestId(HttpRequest request) => CampaignTracking.RequestIdOf(request.Headers[RequestIdHeader].FirstOrDefault());
}
