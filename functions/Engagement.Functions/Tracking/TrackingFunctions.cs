using Engagement.Core.Tracking;
using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Tracking;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Tracking;

/// <summary>
/// The Segment-compatible tracking API: <c>POST /v1/{track|page|identify|screen|group|alias|batch|import}</c> and the
/// analytics-next short routes <c>POST /{t|p|i|s|g|a|b}</c>, plus their CORS preflights. routePrefix is "" (host.json).
/// </summary>
public sealed class TrackingFunctions(TrackingIntake intake, IOptions<TrackingOptions> options)
{
    [Function("Track")]
    public Task<IActionResult> TrackAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/{kind:alpha}")] HttpRequest req, string kind) =>
        HandleAsync(req, kind);

    [Function("TrackShort")]
    public Task<IActionResult> TrackShortAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "{letter:length(1)}")] HttpRequest req, string letter) =>
        HandleAsync(req, letter);

    [Function("TrackPreflight")]
    public IActionResult Preflight(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "v1/{kind:alpha}")] HttpRequest req) =>
        new ReplyResult(TrackingCors.Preflight(HeaderValue(req, "Origin"), options.Value));

    [Function("TrackShortPreflight")]
    public IActionResult PreflightShort(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "{letter:length(1)}")] HttpRequest req) =>
        new ReplyResult(TrackingCors.Preflight(HeaderValue(req, "Origin"), options.Value));

    private async Task<IActionResult> HandleAsync(HttpRequest req, string segment)
    {
        var origin = HeaderValue(req, "Origin");
        if (!TrackingCors.IsAllowed(origin, options.Value))
        {
            return new ReplyResult(TrackingCors.OriginRejected(origin));
        }

        var cors = TrackingCors.HeadersFor(origin, options.Value);
        if (!TrackingEndpoints.TryParse(segment, out var endpoint))
        {
            return new ReplyResult(ReplyShape.Problem(new ApiProblem("Unknown tracking endpoint", 404,
                $"\"{segment}\" is not a tracking call: use /v1/track, page, identify, screen, group, alias, batch or import, or /t, /p, /i, /s, /g, /a, /b.")).WithHeaders(cors));
        }

        var headers = new TrackingHeaders(
            HeaderValue(req, "Authorization"),
            HeaderValue(req, "Content-Encoding"),
            HeaderValue(req, "SentAt"),
            HeaderValue(req, "AnonymousId"));
        var reply = await intake.HandleAsync(endpoint, req.Body, headers, req.HttpContext.RequestAborted);
        return new ReplyResult(ReplyShape.FromTracking(reply).WithHeaders(cors));
    }

    private static string? HeaderValue(HttpRequest req, string name) =>
        req.Headers.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
}
