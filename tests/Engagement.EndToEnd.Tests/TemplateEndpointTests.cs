using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Engagement.Core.Events;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Infrastructure.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.EndToEnd.Tests;

/// <summary>Campaign templates over real HTTP: save, read, preview for an ingested profile, bad input.</summary>
[Collection(RunningHost.Name)]
public sealed class TemplateEndpointTests(HostFixture host)
{
    [Fact]
    public async Task ASavedTemplatePreviewsForAProfileBuiltFromEvents()
    {
        var userId = "tpl-" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        await host.Services.GetRequiredService<IngestionHandler>().HandleAsync(
        [
            new EngagementEvent { MessageId = Guid.NewGuid().ToString("N"), Kind = EventKind.Identify, SourceId = "e2e", UserId = userId, TraitsJson = """{"firstName":"<img src=x onerror=alert(1)>","tier":"gold"}""", Timestamp = now.AddMinutes(-3), ReceivedAt = now },
            new EngagementEvent { MessageId = Guid.NewGuid().ToString("N"), Kind = EventKind.Track, SourceId = "e2e", UserId = userId, Name = "Product Viewed", PropertiesJson = """{"product_id":"tent-2","name":"Tent","price":199.5,"url":"https://shop.example/tent","image_url":"https://img.example/tent.jpg"}""", Timestamp = now.AddMinutes(-2), ReceivedAt = now },
            new EngagementEvent { MessageId = Guid.NewGuid().ToString("N"), Kind = EventKind.Track, SourceId = "e2e", UserId = userId, Name = "Product Added", PropertiesJson = """{"product_id":"boot-1","name":"Boots","price":89}""", Timestamp = now.AddMinutes(-1), ReceivedAt = now },
        ]);
        var name = "Spring " + Guid.NewGuid().ToString("N");

        using var saved = await SendAsync(HttpMethod.Post, "/api/templates", new
        {
            name,
            subject = "Hi {{ profile.firstName }}",
            preheader = "{% if profile.traits.tier == 'gold' %}Gold offers{% else %}Offers{% endif %}",
            html = "<p>Hi {{ profile.firstName }}</p>{% for p in products %}<tr><td>{{ p.name }}</td><td>{{ p.price }}</td></tr>{% endfor %}",
            text = "Hi {{ profile.firstName }}: {{ products | map: 'name' | join: ', ' }}",
        });
        var id = (string?)JsonNode.Parse(await saved.Content.ReadAsStringAsync())!["id"];
        using var retried = await SendAsync(HttpMethod.Post, "/api/templates", new
        {
            name,
            subject = "Hi {{ profile.firstName }}",
            preheader = "{% if profile.traits.tier == 'gold' %}Gold offers{% else %}Offers{% endif %}",
            html = "<p>Hi {{ profile.firstName }}</p>{% for p in products %}<tr><td>{{ p.name }}</td><td>{{ p.price }}</td></tr>{% endfor %}",
            text = "Hi {{ profile.firstName }}: {{ products | map: 'name' | join: ', ' }}",
        });
        using var read = await SendAsync(HttpMethod.Get, $"/api/templates/{id}");
        using var preview = await SendAsync(HttpMethod.Post, $"/api/templates/{id}/preview", new { subject = userId });
        var rendered = JsonNode.Parse(await preview.Content.ReadAsStringAsync())!["rendered"]!;

        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(id, (string?)JsonNode.Parse(await retried.Content.ReadAsStringAsync())!["id"]);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.NotNull(read.Headers.ETag);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("Hi <img src=x onerror=alert(1)>", (string?)rendered["subject"]);
        Assert.Equal("Gold offers", (string?)rendered["preheader"]);
        Assert.Equal("<p>Hi &lt;img src=x onerror=alert(1)&gt;</p><tr><td>Boots</td><td>89</td></tr><tr><td>Tent</td><td>199.5</td></tr>", (string?)rendered["html"]);
        Assert.Equal("Hi <img src=x onerror=alert(1)>: Boots, Tent", (string?)rendered["text"]);
    }

    [Fact]
    public async Task AnInvalidTemplateIsRefusedWithEveryIssueAndItsPosition()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/templates", new
        {
            name = "Broken",
            subject = "Hi {{ profile.nmae }}",
            html = "<p>\n{{ profile.firstName | shout }}</p>",
            text = "{% if offer %}",
        });
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var issues = problem["issues"]!.AsArray().Select(i => ((string?)i!["part"], (int)i["line"]!, (int)i["column"]!)).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([("subject", 1, 15), ("html", 2, 24), ("text", 1, 4)], issues);
        Assert.Equal(3, problem["errors"]!.AsArray().Count);
    }

    [Fact]
    public async Task AnUpdateWithTheLatestETagMakesANewVersionAndAStaleOneIsRefused()
    {
        var id = "upd-" + Guid.NewGuid().ToString("N");
        using var saved = await SendAsync(HttpMethod.Post, "/api/templates", new { id, name = "Update", subject = "v1", html = "<p>v1</p>", text = "v1" });
        var etag = saved.Headers.ETag!.ToString();

        using var withoutEtag = await SendAsync(HttpMethod.Put, $"/api/templates/{id}", new { name = "Update", subject = "v2", html = "<p>v2</p>", text = "v2" });
        using var updated = await SendAsync(HttpMethod.Put, $"/api/templates/{id}", new { name = "Update", subject = "v2", html = "<p>v2</p>", text = "v2" }, etag);
        using var stale = await SendAsync(HttpMethod.Put, $"/api/templates/{id}", new { name = "Update", subject = "v3", html = "<p>v3</p>", text = "v3" }, etag);
        using var invalid = await SendAsync(HttpMethod.Put, $"/api/templates/{id}", new { name = "Update", subject = "{{ nope }}", html = "<p>v3</p>", text = "v3" }, updated.Headers.ETag!.ToString());
        using var read = await SendAsync(HttpMethod.Get, $"/api/templates/{id}");
        var latest = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        Assert.Equal((HttpStatusCode)428, withoutEtag.StatusCode);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal((2, "v2"), ((int)latest["version"]!, (string?)latest["subject"]));
        Assert.Equal(updated.Headers.ETag, read.Headers.ETag);
    }

    [Fact]
    public async Task APreviewThatCannotRenderForThisPersonIsAProblemNotAFailure()
    {
        var userId = "tpl-" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        await host.Services.GetRequiredService<IngestionHandler>().HandleAsync(
        [
            new EngagementEvent { MessageId = Guid.NewGuid().ToString("N"), Kind = EventKind.Identify, SourceId = "e2e", UserId = userId, TraitsJson = """{"points":"many"}""", Timestamp = now, ReceivedAt = now },
        ]);
        using var saved = await SendAsync(HttpMethod.Post, "/api/templates", new { name = "Points " + Guid.NewGuid().ToString("N"), subject = "s", html = "{{ profile.traits.points | round: 1 }}", text = "t" });
        var id = (string?)JsonNode.Parse(await saved.Content.ReadAsStringAsync())!["id"];

        using var preview = await SendAsync(HttpMethod.Post, $"/api/templates/{id}/preview", new { subject = userId });
        var problem = JsonNode.Parse(await preview.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, preview.StatusCode);
        Assert.Equal("application/problem+json", preview.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("html, line 1, column", (string?)problem["errors"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRequestsAreAnsweredWithProblems()
    {
        using var notJson = await SendRawAsync("/api/templates", "{nope");
        using var missing = await SendAsync(HttpMethod.Post, "/api/templates", new { name = "x" });
        using var unknown = await SendAsync(HttpMethod.Get, "/api/templates/no-such-template");
        using var previewUnknown = await SendAsync(HttpMethod.Post, "/api/templates/no-such-template/preview", new { subject = "u" });
        using var saved = await SendAsync(HttpMethod.Post, "/api/templates", new { name = "Plain " + Guid.NewGuid().ToString("N"), subject = "s", html = "h", text = "t" });
        var id = (string?)JsonNode.Parse(await saved.Content.ReadAsStringAsync())!["id"];
        using var noSubject = await SendAsync(HttpMethod.Post, $"/api/templates/{id}/preview", new { });
        using var noProfile = await SendAsync(HttpMethod.Post, $"/api/templates/{id}/preview", new { subject = "nobody-" + Guid.NewGuid().ToString("N") });
        using var noKey = await host.Client.GetAsync($"/api/templates/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, previewUnknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noSubject.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noProfile.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.All(new[] { notJson, missing, unknown, noProfile }, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return host.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> SendRawAsync(string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }
}
