using Engagement.Core.Tracking;
using Engagement.Infrastructure.Tracking;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Http;

/// <summary>
/// The tracking API over HTTP, once for both hosts: origin rules, route segment, headers, the intake, and the
/// browser settings document. A host maps its routes to these methods and writes the returned <see cref="ReplyShape"/>.
/// </summary>
public sealed class TrackingHttp(TrackingIntake intake, BrowserSettings settings, IOptions<TrackingOptions> options)
{
    /// <summary>A tracking call on <c>/v1/{segment}</c> or <c>/{letter}</c>.</summary>
    public async Task<ReplyShape> TrackAsync(HttpRequest request, string segment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = HeaderValue(request, "Origin");
        if (!TrackingCors.IsAllowed(origin, options.Value))
        {
            return TrackingCors.OriginRejected(origin);
        }

        var cors = TrackingCors.HeadersFor(origin, options.Value);
        if (!TrackingEndpoints.TryParse(segment, out var endpoint))
        {
            return ReplyShape.Problem(new ApiProblem("Unknown tracking call", 404,
                $"\"{segment}\" is not a tracking call: use /v1/batch, identify, track, page, screen, group or alias, or /b, /i, /t, /p, /s, /g, /a.")).WithHeaders(cors);
        }

        var headers = new TrackingHeaders(
            HeaderValue(request, "Authorization"),
            HeaderValue(request, "Content-Encoding"),
            HeaderValue(request, "SentAt"),
            HeaderValue(request, "AnonymousId"));
        var reply = await intake.HandleAsync(endpoint, request.Body, headers, cancellationToken);
        return ReplyShape.FromTracking(reply).WithHeaders(cors);
    }

    /// <summary>A CORS preflight of a tracking route.</summary>
    public ReplyShape Preflight(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TrackingCors.Preflight(HeaderValue(request, "Origin"), options.Value);
    }

    /// <summary>The analytics-next settings document for a write key (<c>GET /v1/projects/{writeKey}/settings</c>).</summary>
    public async Task<ReplyShape> SettingsAsync(HttpRequest request, string writeKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = HeaderValue(request, "Origin");
        if (!TrackingCors.IsAllowed(origin, options.Value))
        {
            return TrackingCors.OriginRejected(origin);
        }

        var document = await settings.ForAsync(writeKey, request.Scheme, request.Host.Value ?? "localhost", cancellationToken);
        var reply = document is null
            ? ReplyShape.Problem(new ApiProblem("Unknown write key", 404, "No source has this write key; check the key in the website's snippet."))
            : new ReplyShape(200, ReplyShape.JsonContentType, System.Text.Encoding.UTF8.GetBytes(document.ToJsonString()), []);
        return reply.WithHeaders(TrackingCors.HeadersFor(origin, options.Value));
    }

    private static string? HeaderValue(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
}
