using System.Net;
using Engagement.Core.Consent;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;

namespace Engagement.Infrastructure.Consent;

/// <summary>
/// What the consent channels take from a browser's request: which pages may call them (CORS), the address and user
/// agent recorded as evidence, and where a page may send the person back to.
/// </summary>
internal static class ConsentBrowser
{
    /// <summary>The origins allowed: <c>Consent:AllowedOrigins</c>, else <c>Tracking:AllowedOrigins</c>; empty allows any.</summary>
    public static string[] AllowedOrigins(ConsentOptions consent, TrackingOptions tracking) =>
        consent.AllowedOrigins.Length > 0 ? consent.AllowedOrigins : tracking.AllowedOrigins;

    /// <summary>Whether a page on <paramref name="origin"/> may call; requests without an origin (same-origin GETs, servers) always may.</summary>
    public static bool IsAllowed(string? origin, string[] allowed) =>
        string.IsNullOrEmpty(origin) || BrowserOrigins.Allows(allowed, origin);

    /// <summary>The CORS headers of an answer to an allowed cross-origin request.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> CorsHeaders(string? origin, string[] allowed) =>
        string.IsNullOrEmpty(origin) || !IsAllowed(origin, allowed)
            ? []
            : [KeyValuePair.Create("Access-Control-Allow-Origin", origin), KeyValuePair.Create("Vary", "Origin")];

    /// <summary>The answer to a preflight of a consent endpoint.</summary>
    public static ReplyShape Preflight(string? origin, string[] allowed)
    {
        if (!IsAllowed(origin, allowed))
        {
            return OriginRejected(origin);
        }

        var reply = ReplyShape.Empty(204).WithHeaders(CorsHeaders(origin, allowed));
        return string.IsNullOrEmpty(origin)
            ? reply
            : reply.WithHeaders(
            [
                KeyValuePair.Create("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                KeyValuePair.Create("Access-Control-Allow-Headers", "Content-Type"),
                KeyValuePair.Create("Access-Control-Max-Age", TrackingCors.MaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]);
    }

    /// <summary>The answer to a page on an origin that may not call.</summary>
    public static ReplyShape OriginRejected(string? origin) => ReplyShape.Problem(
        new ApiProblem("Origin not allowed", 403, $"Pages on \"{origin}\" may not show the consent form. Add the origin to Consent:AllowedOrigins."));

    /// <summary>
    /// The browser's address and user agent. The address is the connection's, or, behind <paramref name="trustedProxyCount"/>
    /// proxies, the one the outermost of them appended to <c>X-Forwarded-For</c>; entries further left are the client's own claims.
    /// </summary>
    public static ConsentEvidence Evidence(HttpRequest request, int trustedProxyCount)
    {
        ArgumentNullException.ThrowIfNull(request);
        var address = request.HttpContext.Connection.RemoteIpAddress;
        if (trustedProxyCount > 0)
        {
            var hops = request.Headers["X-Forwarded-For"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            if (hops.Count >= trustedProxyCount && IPAddress.TryParse(StripPort(hops[^trustedProxyCount]), out var forwarded))
            {
                address = forwarded;
            }
        }

        if (address is { IsIPv4MappedToIPv6: true })
        {
            address = address.MapToIPv4();
        }

        var userAgent = request.Headers.UserAgent.ToString();
        // The ledger needs both; a browser that sends no user agent is recorded as such rather than refused.
        return new ConsentEvidence(
            IpAddress: address?.ToString() ?? "unknown",
            UserAgent: string.IsNullOrWhiteSpace(userAgent) ? "(none sent)" : userAgent[..Math.Min(userAgent.Length, 512)]);
    }

    /// <summary>
    /// A return address a consent page may send the person to: a path on this host, or an absolute http(s) address on
    /// an allowed origin (any when none are configured). Null for anything else, so the page cannot be made to redirect elsewhere.
    /// </summary>
    public static string? SafeReturn(string? address, string[] allowed)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Length > 2048)
        {
            return null;
        }

        if (address.StartsWith('/') && !address.StartsWith("//", StringComparison.Ordinal) && !address.Contains('\\', StringComparison.Ordinal))
        {
            return address;
        }

        return Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            && (allowed.Length == 0 || BrowserOrigins.Allows(allowed, uri.GetLeftPart(UriPartial.Authority)))
            ? uri.AbsoluteUri
            : null;
    }

    private static string StripPort(string hop)
    {
        if (hop.StartsWith('['))
        {
            var end = hop.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? hop[1..end] : hop;
        }

        return hop.Count(c => c == ':') == 1 ? hop[..hop.IndexOf(':', StringComparison.Ordinal)] : hop;
    }
}
