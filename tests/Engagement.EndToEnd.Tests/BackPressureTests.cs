using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Sources;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.EndToEnd.Tests;

/// <summary>Temporary trouble is answered so that clients retry (429/503 with Retry-After), never with a silent loss.</summary>
public sealed class BackPressureTests
{
    [Fact]
    public async Task SourceOverItsRateGets429WithRetryAfter()
    {
        await using var azurite = await AzuriteProcess.StartAsync(null);
        var (app, baseAddress) = await HostFixture.StartHostAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Tracking:EventsPerSecondPerSource"] = "5",
            ["Tracking:BurstEventsPerSource"] = "10",
        });
        await using (app)
        {
            var key = (await app.Services.GetRequiredService<SourceRegistry>().AddAsync("rate-limited")).WriteKey!;
            using var client = new HttpClient { BaseAddress = baseAddress };
            using var first = await client.SendAsync(Batch(key, 10));
            using var second = await client.SendAsync(Batch(key, 10));

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.True(second.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task StorageOutageIsAnswered503AndReportedByHealth()
    {
        var azurite = await AzuriteProcess.StartAsync(null);
        var (app, baseAddress) = await HostFixture.StartHostAsync(azurite.ConnectionString, new Dictionary<string, string?>());
        await using (app)
        {
            var key = (await app.Services.GetRequiredService<SourceRegistry>().AddAsync("outage")).WriteKey!;
            using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
            using (var before = await client.SendAsync(Batch(key, 1)))
            {
                Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            }

            await azurite.DisposeAsync();

            using var during = await client.SendAsync(Batch(key, 3));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.NotNull(during.Headers.RetryAfter);
            Assert.Equal("application/problem+json", during.Content.Headers.ContentType?.MediaType);

            using var health = await client.GetAsync("/healthz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var problem = JsonNode.Parse(await health.Content.ReadAsStringAsync())!;
            Assert.Contains("event stream", (string?)problem["detail"], StringComparison.Ordinal);
            await app.StopAsync();
        }
    }

    private static HttpRequestMessage Batch(string key, int events)
    {
        var batch = new JsonArray(Enumerable.Range(0, events).Select(i => (JsonNode)new JsonObject
        {
            ["type"] = "track",
            ["event"] = "Clicked",
            ["anonymousId"] = $"bp-{Guid.NewGuid():N}",
        }).ToArray());
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batch")
        {
            Content = new StringContent(new JsonObject { ["batch"] = batch }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));
        return request;
    }
}
