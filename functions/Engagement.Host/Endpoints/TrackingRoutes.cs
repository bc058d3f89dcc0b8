using Engagement.Infrastructure.Http;

namespace Engagement.Host.Endpoints;

/// <summary>The Segment-compatible tracking API: <c>/v1/{type}</c>, the browser library's one-letter paths, and its settings.</summary>
internal static class TrackingRoutes
{
    private static readonly string[] Letters = ["b", "i", "t", "p", "s", "g", "a"];

    public static void MapTracking(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/{kind}", (string kind, HttpRequest request, TrackingHttp tracking, CancellationToken ct) => TrackAsync(tracking, request, kind, ct));
        app.MapMethods("/v1/{kind}", ["OPTIONS"], (HttpRequest request, TrackingHttp tracking) => new ReplyResult(tracking.Preflight(request)));
        app.MapGet("/v1/projects/{writeKey}/settings", async (string writeKey, HttpRequest request, TrackingHttp tracking, CancellationToken ct) =>
            new ReplyResult(await tracking.SettingsAsync(request, writeKey, ct)));
        app.MapMethods("/v1/projects/{writeKey}/settings", ["OPTIONS"], (HttpRequest request, TrackingHttp tracking) => new ReplyResult(tracking.Preflight(request)));
        foreach (var letter in Letters)
        {
            app.MapPost("/" + letter, (HttpRequest request, TrackingHttp tracking, CancellationToken ct) => TrackAsync(tracking, request, letter, ct));
            app.MapMethods("/" + letter, ["OPTIONS"], (HttpRequest request, TrackingHttp tracking) => new ReplyResult(tracking.Preflight(request)));
        }
    }

    private static async Task<IResult> TrackAsync(TrackingHttp tracking, HttpRequest request, string segment, CancellationToken cancellationToken) =>
        new ReplyResult(await tracking.TrackAsync(request, segment, cancellationToken));
}
