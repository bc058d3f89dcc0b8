using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;

namespace Engagement.Functions.Tests;

/// <summary>Which browsers may call the tracking API, and what a preflight answers.</summary>
public sealed class TrackingCorsTests
{
    private static readonly TrackingOptions AnyOrigin = new();
    private static readonly TrackingOptions OneOrigin = new() { AllowedOrigins = ["https://shop.example"] };

    [Fact]
    public void AnyOriginIsReflectedWhenNoneAreConfigured()
    {
        var headers = TrackingCors.HeadersFor("https://blog.example", AnyOrigin);

        Assert.Contains(KeyValuePair.Create("Access-Control-Allow-Origin", "https://blog.example"), headers);
        Assert.Contains(KeyValuePair.Create("Vary", "Origin"), headers);
    }

    [Fact]
    public void PreflightNamesTheTrackingHeaders()
    {
        var preflight = TrackingCors.Preflight("https://shop.example", OneOrigin);

        Assert.Equal(204, preflight.Status);
        var allowed = preflight.Headers.Single(h => h.Key == "Access-Control-Allow-Headers").Value;
        foreach (var header in new[] { "Authorization", "Content-Type", "AnonymousId", "SentAt" })
        {
            Assert.Contains(header, allowed, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UnlistedOriginIsRefused()
    {
        Assert.False(TrackingCors.IsAllowed("https://evil.example", OneOrigin));
        Assert.Equal(403, TrackingCors.Preflight("https://evil.example", OneOrigin).Status);
        Assert.Empty(TrackingCors.HeadersFor("https://evil.example", OneOrigin));
    }

    [Fact]
    public void ServerCallsWithoutOriginAreAllowedWithoutCorsHeaders()
    {
        Assert.True(TrackingCors.IsAllowed(null, OneOrigin));
        Assert.Empty(TrackingCors.HeadersFor(null, OneOrigin));
    }

    [Fact]
    public void ListedOriginMatchesWithoutCaseOrTrailingSlash() =>
        Assert.True(TrackingCors.IsAllowed("https://SHOP.example", new TrackingOptions { AllowedOrigins = ["https://shop.example/"] }));
}
