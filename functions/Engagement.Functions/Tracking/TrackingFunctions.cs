using Engagement.Functions.Http;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Engagement.Functions.Tracking;

/// <summary>
/// The Segment-compatible tracking API: <c>POST /v1/{track|page|identify|screen|group|alias|batch|import}</c> and the
/// analytics-next short routes <c>POST /{t|p|i|s|g|a|b}</c>, plus their CORS preflights and the browser library's settings. routePrefix is "" (host.json).
/// </summary>
public sealed class TrackingFunctions(TrackingHttp tracking)
{
    [Function("Track")]
    public async Task<IActionResult> TrackAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/{kind:alpha}")] HttpRequest req, string kind) =>
        new ReplyResult(await tracking.TrackAsync(req, kind, req.HttpContext.RequestAborted));

    [Function("TrackShort")]
    public async Task<IActionResult> TrackShortAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "{letter:length(1)}")] HttpRequest req, string letter) =>
        new ReplyResult(await tracking.TrackAsync(req, letter, req.HttpContext.RequestAborted));

    [Function("TrackPreflight")]
    public IActionResult Preflight(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "v1/{kind:alpha}")] HttpRequest req) =>
        new ReplyResult(tracking.Preflight(req));

    [Function("TrackShortPreflight")]
    public IActionResult PreflightShort(
        [HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "{letter:length(1)}")] HttpRequest req) =>
        new ReplyResult(tracking.Preflight(req));

    /// <summary>The settings analytics-next loads from its <c>cdnURL</c>; points the browser library at this API.</summary>
    [Function("BrowserSettings")]
    public async Task<IActionResult> SettingsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/projects/{writeKey}/settings")] HttpRequest req, string writeKey) =>
        new ReplyResult(await tracking.SettingsAsync(req, writeKey, req.HttpContext.RequestAborted));
}
