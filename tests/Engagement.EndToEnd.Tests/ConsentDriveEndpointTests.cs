using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>Consent drives over real HTTP: starting one (once per idempotency key), its report and chart, bad input.</summary>
[Collection(RunningHost.Name)]
public sealed class ConsentDriveEndpointTests(HostFixture host)
{
    private static readonly string[] Marketing = ["marketing"];
    private static readonly string[] Astrology = ["astrology"];

    private static object Drive(object? purposes = null, double target = 0.4, string? segment = null) => new
    {
        name = "Endpoint drive",
        purposes = purposes ?? Marketing,
        audience = new { segments = new[] { segment ?? "endpoint-" + Guid.NewGuid().ToString("N") } },
        targetOptInShare = target,
        startsAt = DateTimeOffset.UtcNow,
        deadline = DateTimeOffset.UtcNow.AddDays(30),
        channels = new object[] { new { channel = "webForm", variants = new[] { new { id = "popup-a", placement = "portalPopup" } } }, new { channel = "email", batchSize = 100, maxWaves = 3 } },
        seed = 4,
    };

    [Fact]
    public async Task ADriveStartsOncePerKeyAndReportsItsProgressAndChart()
    {
        var key = Guid.NewGuid().ToString("N");
        var segment = "endpoint-" + key;
        for (var i = 0; i < 3; i++)
        {
            using var contact = await Request(HttpMethod.Put, $"/api/contacts/endpoint-{key}-{i}", JsonContent.Create(new { email = $"c{i}-{key}@example.cz", provenance = "form", segments = new[] { segment } }));
            Assert.True(contact.IsSuccessStatusCode, await contact.Content.ReadAsStringAsync());
        }

        using var first = await PostAsync(Drive(segment: segment), key);
        using var again = await PostAsync(Drive(segment: segment), key);
        var id = (string)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"]!;

        JsonNode report;
        var rounds = 0;
        do
        {
            await Task.Delay(200);
            report = JsonNode.Parse(await SendAsync(HttpMethod.Get, $"/api/consent-drives/{id}"))!;
        }
        while (report["report"]!["progress"]!.AsArray().Count == 0 && ++rounds < 100);
        using var chart = await Request(HttpMethod.Get, $"/api/consent-drives/{id}/chart.png");
        var png = await chart.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal($"/api/workflows/{id}", first.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (string)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["id"]!);
        Assert.Equal("running", (string?)report["workflow"]);
        Assert.Single(report["report"]!["progress"]!.AsArray());
        Assert.Equal(3, (long)report["report"]!["progress"]![0]!["audienceSize"]!);
        Assert.Equal("image/png", chart.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public async Task PurposesThatAreNotConfiguredAndInvalidPlansAreRefusedWithReasons()
    {
        using var unknown = await PostAsync(Drive(purposes: Astrology));
        using var invalid = await PostAsync(Drive(target: 1.5));
        using var notJson = await Request(HttpMethod.Post, "/api/consent-drives", new StringContent("{nope", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("'astrology' are not configured", (string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["detail"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task AnUnknownDriveIsNotFound()
    {
        using var report = await Request(HttpMethod.Get, "/api/consent-drives/consent-drive-nothing-here");
        using var chart = await Request(HttpMethod.Get, "/api/consent-drives/consent-drive-nothing-here/chart.png");

        Assert.Equal(HttpStatusCode.NotFound, report.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, chart.StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/consent-drives") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }

    private async Task<string> SendAsync(HttpMethod method, string path)
    {
        using var response = await Request(method, path);
        return await response.Content.ReadAsStringAsync();
    }

    private Task<HttpResponseMessage> Request(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }
}
