using Engagement.Core.Tracking;
using Engagement.Infrastructure.Tracking;

namespace Engagement.Host.Endpoints;

/// <summary>The Segment-compatible tracking API: <c>/v1/{type}</c> and the browser library's one-letter paths.</summary>
internal static class TrackingRoutes
{
    public const string CorsPolicy = "tracking";

    public static void MapTracking(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/{kind}", HandleAsync).RequireCors(CorsPolicy);
        app.MapGet("/v1/projects/{writeKey}/settings", SettingsAsync).RequireCors(CorsPolicy);
        // The browser library (analytics-next) posts to one-letter paths under its apiHost.
        foreach (var letter in new[] { "t", "p", "i", "g", "a", "s", "b" })
        {
            app.MapPost("/" + letter, (HttpRequest request, TrackingIntake intake, CancellationToken cancellationToken) => HandleAsync(letter, request, intake, cancellationToken)).RequireCors(CorsPolicy);
        }
    }

    private static async Task<IResult> SettingsAsync(string writeKey, HttpRequest request, BrowserSettings settings, CancellationToken cancellationToken)
    {
        var document = await settings.ForAsync(writeKey, request.Scheme, request.Host.Value ?? "localhost", cancellationToken);
        return document is null
            ? HttpReplies.Problem("Unknown write key", 404, "No source has this write key; check the key in the website's snippet.")
            : Results.Text(document.ToJsonString(), "application/json");
    }

    private static async Task<IResult> HandleAsync(string kind, HttpRequest request, TrackingIntake intake, CancellationToken cancellationToken)
    {
        if (!TrackingEndpoints.TryParse(kind, out var endpoint))
        {
            return HttpReplies.Problem("Unknown call", 404, $"\"{kind}\" is not a tracking call; use batch, identify, track, page, screen, group or alias.");
        }

        var headers = new TrackingHeaders(
            request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
            request.Headers.ContentEncoding.ToString() is { Length: > 0 } encoding ? encoding : null,
            request.Headers["SentAt"].ToString() is { Length: > 0 } sentAt ? sentAt : null,
            request.Headers["AnonymousId"].ToString() is { Length: > 0 } anonymousId ? anonymousId : null);
        var reply = await intake.HandleAsync(endpoint, request.Body, headers, cancellationToken);
        return HttpReplies.From(reply);
    }
}
