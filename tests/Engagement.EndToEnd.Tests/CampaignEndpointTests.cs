using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>The campaigns API over real HTTP, as a marketer's tool would use it: start, read, list, cancel, and refusals.</summary>
[Collection(RunningHost.Name)]
public sealed class CampaignEndpointTests(HostFixture host)
{
    [Fact]
    public async Task AScheduledCampaignIsStartedOnceReadListedAndCancelled()
    {
        var (segment, template) = await PrepareAsync();
        var body = Definition(segment, template, startAt: DateTimeOffset.UtcNow.AddHours(2));
        var key = Guid.NewGuid().ToString("N");

        using var started = await SendAsync(HttpMethod.Post, "/api/campaigns", body, idempotencyKey: key);
        var startedBody = JsonNode.Parse(await started.Content.ReadAsStringAsync())!;
        var id = (string)startedBody["id"]!;
        using var again = await SendAsync(HttpMethod.Post, "/api/campaigns", body, idempotencyKey: key);
        using var read = await SendAsync(HttpMethod.Get, $"/api/campaigns/{id}");
        var campaign = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;
        using var listed = await SendAsync(HttpMethod.Get, "/api/campaigns?limit=500");
        var list = JsonNode.Parse(await listed.Content.ReadAsStringAsync())!.AsArray();
        using var cancelled = await SendAsync(HttpMethod.Post, $"/api/campaigns/{id}/cancel");
        var afterCancel = JsonNode.Parse(await cancelled.Content.ReadAsStringAsync())!;
        using var cancelledAgain = await SendAsync(HttpMethod.Post, $"/api/campaigns/{id}/cancel");

        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal($"/api/campaigns/{id}", started.Headers.Location?.OriginalString);
        Assert.Equal($"/api/campaigns/{id}", (string?)startedBody["statusUrl"]);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (string)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["id"]!);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("running", (string?)campaign["status"]);
        Assert.Equal("scheduled", (string?)campaign["report"]!["phase"]);
        Assert.Equal("Spring offer", (string?)campaign["name"]);
        Assert.Contains(list, c => (string?)c!["id"] == id && (string?)c["segmentId"] == segment);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (string?)afterCancel["status"]);
        Assert.Equal(HttpStatusCode.Conflict, cancelledAgain.StatusCode);
    }

    [Fact]
    public async Task ADefinitionWithProblemsIsRefusedWithEveryProblemAtItsPath()
    {
        var (segment, _) = await PrepareAsync();
        using var response = await SendAsync(HttpMethod.Post, "/api/campaigns", $$"""
            {"name":"Broken","segmentId":"{{segment}}","sender":{"from":"not-an-address"},
             "variants":[{"id":"A","templateId":"no-such-template"},{"id":"A b","templateId":"x"}],
             "abTest":{"testShare":1.5,"metric":"likes"},"quietHour":{"from":"21:00"} }
            """);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var errors = problem["errors"]!.AsArray().Select(e => (string)e!).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(errors, e => e.StartsWith("sender.from", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("variants[1].id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("abTest.testShare", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("abTest.metric", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("quietHour", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AMissingSegmentOrTemplateIsNamed()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/campaigns", Definition("no-such-segment", "no-such-template"));
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsArray().Select(e => (string)e!).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("segmentId: no segment \"no-such-segment\" is saved", errors);
        Assert.Contains("variants[0].templateId: no template \"no-such-template\" is saved", errors);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"name\":")]
    public async Task UnreadableBodiesAreRefusedWithAProblem(string body)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/campaigns", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnUnknownCampaignIsNotFoundAndEveryCampaignRouteNeedsTheAdminKey()
    {
        using var unknown = await SendAsync(HttpMethod.Get, "/api/campaigns/no-such-campaign");
        using var unknownCancel = await SendAsync(HttpMethod.Post, "/api/campaigns/no-such-campaign/cancel");
        using var noKeyStart = await SendAsync(HttpMethod.Post, "/api/campaigns", "{}", admin: false);
        using var noKeyList = await SendAsync(HttpMethod.Get, "/api/campaigns", admin: false);
        using var noKeyRead = await SendAsync(HttpMethod.Get, "/api/campaigns/x", admin: false);
        using var noKeyCancel = await SendAsync(HttpMethod.Post, "/api/campaigns/x/cancel", admin: false);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknownCancel.StatusCode);
        Assert.All([noKeyStart, noKeyList, noKeyRead, noKeyCancel], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
    }

    private async Task<(string Segment, string Template)> PrepareAsync()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        using var segment = await SendAsync(HttpMethod.Post, "/api/segments", $$"""{"name":"Campaign test {{run}}","rule":{"trait":{"path":"cohort","op":"eq","value":"{{run}}"} } }""");
        Assert.Equal(HttpStatusCode.Created, segment.StatusCode);
        using var template = await SendAsync(HttpMethod.Post, "/api/templates", $$"""
            {"id":"campaign-{{run}}","name":"Spring","subject":"Jarní nabídka","preheader":"","html":"<p>Dobrý den</p>","text":"Dobrý den"}
            """);
        Assert.True(template.IsSuccessStatusCode, await template.Content.ReadAsStringAsync());
        return ((string)JsonNode.Parse(await segment.Content.ReadAsStringAsync())!["id"]!, $"campaign-{run}");
    }

    private static string Definition(string segment, string template, DateTimeOffset? startAt = null) => $$"""
        {"name":"Spring offer","segmentId":"{{segment}}","sender":{"from":"news@shop.example.cz","name":"Shop"},
         "variants":[{"id":"A","templateId":"{{template}}"}]{{(startAt is { } at ? $",\"startAt\":\"{at:O}\"" : string.Empty)}}}
        """;

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, bool admin = true, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (admin)
        {
            request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return host.Client.SendAsync(request);
    }
}
