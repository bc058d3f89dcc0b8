using System.Text.Json.Nodes;
using Engagement.Infrastructure.Sources;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Tracking;

/// <summary>
/// The settings document Segment's browser library (analytics-next) loads from its CDN at
/// <c>{cdnURL}/v1/projects/{writeKey}/settings</c>. Served by the product, it points the library at this
/// tracking API, so a website changes only its <c>cdnURL</c>.
/// </summary>
public sealed class BrowserSettings(SourceRegistry sources, IOptions<TrackingOptions> options)
{
    /// <summary>The settings for a write key, or null when the key is unknown.</summary>
    /// <param name="writeKey">The source's write key.</param>
    /// <param name="requestScheme">The scheme the request came in on.</param>
    /// <param name="requestHost">The host (and port) the request came in on.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    public async Task<JsonObject?> ForAsync(string writeKey, string requestScheme, string requestHost, CancellationToken cancellationToken = default)
    {
        if (await sources.AuthenticateAsync(writeKey, cancellationToken) is null)
        {
            return null;
        }

        var apiHost = string.IsNullOrWhiteSpace(options.Value.PublicApiHost) ? requestHost : options.Value.PublicApiHost;
        var scheme = string.IsNullOrWhiteSpace(options.Value.PublicApiScheme) ? requestScheme : options.Value.PublicApiScheme;
        JsonObject Enabled() => new() { ["__default"] = new JsonObject { ["enabled"] = true } };
        return new JsonObject
        {
            ["integrations"] = new JsonObject
            {
                ["Segment.io"] = new JsonObject
                {
                    ["apiKey"] = writeKey,
                    ["apiHost"] = apiHost.TrimEnd('/') + "/v1",
                    ["protocol"] = scheme,
                    ["unbundledIntegrations"] = new JsonArray(),
                    ["addBundledMetadata"] = false,
                },
            },
            ["plan"] = new JsonObject { ["track"] = Enabled(), ["identify"] = Enabled(), ["group"] = Enabled() },
            ["edgeFunction"] = new JsonObject(),
            ["analyticsNextEnabled"] = true,
            ["middlewareSettings"] = new JsonObject(),
            ["enabledMiddleware"] = new JsonObject(),
            // The library would otherwise post its own usage metrics to Segment.
            ["metrics"] = new JsonObject { ["sampleRate"] = 0 },
            ["legacyVideoPluginsEnabled"] = false,
            ["remotePlugins"] = new JsonArray(),
        };
    }
}
