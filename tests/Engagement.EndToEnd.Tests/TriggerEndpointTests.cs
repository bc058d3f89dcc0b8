using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>The triggered e-mail endpoints over real HTTP: define, list, read with run counts, disable, refusals.</summary>
[Collection(RunningHost.Name)]
public sealed class TriggerEndpointTests(HostFixture host)
{
    [Fact]
    public async Task ATriggerIsSavedListedReadWithItsRunCountsAndDisabled()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        var template = await TemplateAsync(run);
        var body = $$"""
            {"id":"cart-{{run}}","name":"Cart reminder","kind":"abandonedCart","templateId":"{{template}}",
             "abandonedCart":{"startEvent":"Basket {{run}}","awaitedEvent":"Paid {{run}}","waitHours":2} }
            """;

        using var created = await SendAsync(HttpMethod.Post, "/api/triggers", body);
        using var repeated = await SendAsync(HttpMethod.Post, "/api/triggers", body);
        using var taken = await SendAsync(HttpMethod.Post, "/api/triggers", body.Replace("\"waitHours\":2", "\"waitHours\":3", StringComparison.Ordinal));
        using var listed = await SendAsync(HttpMethod.Get, "/api/triggers");
        using var read = await SendAsync(HttpMethod.Get, $"/api/triggers/cart-{run}");
        using var disabled = await SendAsync(HttpMethod.Post, $"/api/triggers/cart-{run}/disable");
        using var readAgain = await SendAsync(HttpMethod.Get, $"/api/triggers/cart-{run}");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/triggers/cart-{run}", created.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        var all = JsonNode.Parse(await listed.Content.ReadAsStringAsync())!["triggers"]!.AsArray();
        Assert.Contains(all, t => (string?)t!["id"] == $"cart-{run}");
        var trigger = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;
        Assert.Equal("abandonedCart", (string?)trigger["kind"]);
        Assert.Equal("marketing", (string?)trigger["purpose"]);
        Assert.True((bool)trigger["enabled"]!);
        Assert.Equal(2.0, (double)trigger["abandonedCart"]!["waitHours"]!);
        foreach (var count in new[] { "waiting", "sent", "cancelled", "excluded", "failed" })
        {
            Assert.Equal(0, (int)trigger["runs"]![count]!);
        }

        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.False((bool)JsonNode.Parse(await readAgain.Content.ReadAsStringAsync())!["enabled"]!);
    }

    [Fact]
    public async Task ABadTriggerIsRefusedWithEveryProblemAndItsPath()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/triggers", """
            {"id":"Not An Id","name":"","kind":"abandonedCart","templateId":"t","shout":true,
             "abandonedCart":{"waitHours":-1},"birthday":{"localHour":9}}
            """);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var errors = problem["errors"]!.AsArray().Select(e => (string)e!).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        foreach (var path in new[] { "$.id:", "$.name:", "$.shout:", "$.abandonedCart.waitHours:", "$.birthday:" })
        {
            Assert.Contains(errors, e => e.StartsWith(path, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task WhatTheDeploymentDoesNotHaveIsRefusedAtItsPath()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        using var response = await SendAsync(HttpMethod.Post, "/api/triggers", $$"""
            {"id":"likely-{{run}}","name":"Likely","kind":"intent","templateId":"no-such-template-{{run}}","purpose":"astrology",
             "intent":{"goal":"no-such-goal","threshold":0.5} }
            """);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsArray().Select(e => (string)e!).ToList();
        using var notJson = await SendAsync(HttpMethod.Post, "/api/triggers", "{\"id\":");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(errors, e => e.StartsWith("$.templateId: no template", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.purpose:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.intent.goal:", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    [Fact]
    public async Task EveryTriggerEndpointNeedsTheAdminKeyAndUnknownTriggersAre404()
    {
        using var create = await SendAsync(HttpMethod.Post, "/api/triggers", "{}", admin: false);
        using var list = await SendAsync(HttpMethod.Get, "/api/triggers", admin: false);
        using var read = await SendAsync(HttpMethod.Get, "/api/triggers/anything", admin: false);
        using var disable = await SendAsync(HttpMethod.Post, "/api/triggers/anything/disable", admin: false);
        using var unknown = await SendAsync(HttpMethod.Get, "/api/triggers/no-such-trigger");
        using var unknownDisable = await SendAsync(HttpMethod.Post, "/api/triggers/no-such-trigger/disable");

        Assert.All(new[] { create, list, read, disable }, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownDisable.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    private async Task<string> TemplateAsync(string run)
    {
        var id = $"trigger-template-{run}";
        using var saved = await SendAsync(HttpMethod.Post, "/api/templates", """
            {"id":"ID","name":"Cart","subject":"Your cart","preheader":"","html":"<p>Still thinking?</p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a>","text":"Still thinking?"}
            """.Replace("ID", id, StringComparison.Ordinal));
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        return id;
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, bool admin = true)
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

        return host.Client.SendAsync(request);
    }
}
