namespace Engagement.Infrastructure.Http;

/// <summary>
/// Cross-origin rules of the tracking API, the same in both hosts: browsers on any site may send events unless
/// <see cref="TrackingOptions.AllowedOrigins"/> names the sites that may ("*" in the list allows any as well).
/// The request's origin is reflected rather than answered with "*", so credentialed requests work too.
/// </summary>
public static class TrackingCors
{
    /// <summary>The request headers tracking clients send.</summary>
    public const string AllowedHeaders = "Authorization, Content-Type, Content-Encoding, AnonymousId, SentAt";

    /// <summary>How long browsers may cache a preflight answer, seconds (browsers cap it lower themselves).</summary>
    public const int MaxAgeSeconds = 86_400;

    /// <summary>Whether a request from <paramref name="origin"/> may be served; requests without an origin (servers, SDKs) always may.</summary>
    public static bool IsAllowed(string? origin, TrackingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrEmpty(origin) || BrowserOrigins.Allows(options.AllowedOrigins, origin);
    }

    /// <summary>The CORS headers of an answer to an allowed browser request; none for requests without an origin.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> HeadersFor(string? origin, TrackingOptions options) =>
        string.IsNullOrEmpty(origin) || !IsAllowed(origin, options)
            ? []
            : [KeyValuePair.Create("Access-Control-Allow-Origin", origin), KeyValuePair.Create("Vary", "Origin")];

    /// <summary>The answer to a preflight (<c>OPTIONS</c>) request: 204 with what may be sent, or 403 for an origin not allowed.</summary>
    public static ReplyShape Preflight(string? origin, TrackingOptions options)
    {
        if (!IsAllowed(origin, options))
        {
            return OriginRejected(origin);
        }

        var reply = ReplyShape.Empty(204).WithHeaders(HeadersFor(origin, options));
        return string.IsNullOrEmpty(origin)
            ? reply
            : reply.WithHeaders(
            [
                KeyValuePair.Create("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                KeyValuePair.Create("Access-Control-Allow-Headers", AllowedHeaders),
                KeyValuePair.Create("Access-Control-Max-Age", MaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]);
    }

    /// <summary>The answer to a browser request from an origin that is not allowed.</summary>
    public static ReplyShape OriginRejected(string? origin) => ReplyShape.Problem(
        new ApiProblem("Origin not allowed", 403, $"Pages on \"{origin}\" may not send events here. Add the origin to Tracking:AllowedOrigins."));
}
