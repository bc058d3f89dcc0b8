using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Engagement.Core.Consent;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>The consent form's endpoints over real HTTP: tokens, texts, status, decisions, origins and the page's refusals.</summary>
[Collection(RunningHost.Name)]
public sealed class ConsentFormEndpointTests(HostFixture host)
{
    [Fact]
    public async Task TokensNeedTheAdminKeyAndASubject()
    {
        using var anonymous = await host.Client.PostAsJsonAsync("/api/consent-forms/tokens", new { subject = "cust-1" });
        using var noSubject = await AdminPostAsync("/api/consent-forms/tokens", new { subject = "" });
        using var issued = await AdminPostAsync("/api/consent-forms/tokens", new { subject = "cust-1" });
        var body = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noSubject.StatusCode);
        Assert.Equal("application/problem+json", noSubject.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal("cust-1", (string?)body["subject"]);
        Assert.InRange((DateTimeOffset)body["expiresAt"]!, DateTimeOffset.UtcNow.AddMinutes(50), DateTimeOffset.UtcNow.AddMinutes(70));
    }

    [Theory]
    [InlineData("?lang=cs", null, "cs")]
    [InlineData("", "cs-CZ,cs;q=0.9,en;q=0.5", "cs")]
    [InlineData("?lang=de", "de-DE", "en")]
    public async Task TheCurrentTextsAreServedInTheLanguageChosenAndMayBeCached(string query, string? acceptLanguage, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/consent/texts" + query);
        if (acceptLanguage is not null)
        {
            request.Headers.AcceptLanguage.ParseAdd(acceptLanguage);
        }

        using var response = await host.Client.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public, max-age=300", response.Headers.CacheControl?.ToString());
        Assert.Equal(expected, (string?)body["language"]);
        var texts = body["texts"]!.AsArray();
        Assert.Equal(ConsentTextCatalog.Default.CurrentTexts(expected).Select(t => t.Reference.Sha256), texts.Select(t => (string?)t!["sha256"]));
        Assert.All(texts, t => Assert.Equal(expected, (string?)t!["language"]));
    }

    [Fact]
    public async Task AnyVersionEverShownResolvesThroughTheAdminApi()
    {
        using var found = await AdminGetAsync("/api/consent-texts/marketing-email/1/cs");
        using var missing = await AdminGetAsync("/api/consent-texts/marketing-email/99/cs");
        using var notANumber = await AdminGetAsync("/api/consent-texts/marketing-email/one/cs");

        var text = JsonNode.Parse(await found.Content.ReadAsStringAsync())!;
        Assert.Equal(ConsentTextCatalog.Default.Find("marketing-email", 1, "cs")!.Body, (string?)text["body"]);
        Assert.Equal(ConsentTextCatalog.Default.Find("marketing-email", 1, "cs")!.Reference.Sha256, (string?)text["sha256"]);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notANumber.StatusCode);
    }

    [Fact]
    public async Task AlteredAndExpiredTokensAreRefusedWith401Problems()
    {
        var token = await TokenAsync("cust-" + Guid.NewGuid().ToString("N"));
        var altered = token[..5] + (token[5] == 'x' ? 'y' : 'x') + token[6..];
        var expired = new ConsentTokenSigner(HostFixture.ConsentFormSecret).Issue(new ConsentFormToken("cust-1", DateTimeOffset.UtcNow.AddMinutes(-1)));

        foreach (var (bad, detail) in new[] { (altered, "altered"), (expired, "expired"), ("", "missing") })
        {
            using var status = await host.Client.GetAsync($"/consent/status?token={Uri.EscapeDataString(bad)}");
            using var decisions = await host.Client.PostAsJsonAsync("/consent/decisions", Decisions(bad, "r1", granted: true));
            using var page = await host.Client.GetAsync($"/consent/page?token={Uri.EscapeDataString(bad)}");

            Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
            Assert.Equal("application/problem+json", status.Content.Headers.ContentType?.MediaType);
            Assert.Contains(detail, await status.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Unauthorized, decisions.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task ARetriedSubmissionRecordsNothingTwice()
    {
        var subject = "cust-" + Guid.NewGuid().ToString("N");
        var token = await TokenAsync(subject);

        using var first = await host.Client.PostAsJsonAsync("/consent/decisions", Decisions(token, "submission-1", granted: true));
        using var retry = await host.Client.PostAsJsonAsync("/consent/decisions", Decisions(token, "submission-1", granted: true));
        var retried = JsonNode.Parse(await retry.Content.ReadAsStringAsync())!;
        using var ledger = await AdminGetAsync($"/api/consents/{subject}");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.True((bool)retried["repeated"]!);
        Assert.Equal(0, (int)retried["recorded"]!);
        Assert.Equal("granted", (string?)retried["items"]!.AsArray().Single(i => (string?)i!["textId"] == "marketing-email")!["decision"]);
        Assert.Single(JsonNode.Parse(await ledger.Content.ReadAsStringAsync())!["history"]!.AsArray());
    }

    [Fact]
    public async Task AHashTheCatalogueDoesNotHoldIsRefusedAndNothingIsRecorded()
    {
        var subject = "cust-" + Guid.NewGuid().ToString("N");
        var token = await TokenAsync(subject);
        var body = Decisions(token, "forged", granted: true);
        body["decisions"]![0]!["sha256"] = new string('a', 64);

        using var response = await host.Client.PostAsJsonAsync("/consent/decisions", body);
        using var ledger = await AdminGetAsync($"/api/consents/{subject}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not one this deployment shows", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, ledger.StatusCode);
    }

    [Fact]
    public async Task AForwardedForHeaderIsNotTakenAsTheAddressWithoutATrustedProxy()
    {
        var subject = "cust-" + Guid.NewGuid().ToString("N");
        var token = await TokenAsync(subject);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/consent/decisions") { Content = JsonContent.Create(Decisions(token, "xff", granted: false)) };
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.UserAgent.ParseAdd("portal-test/1.0");

        using var response = await host.Client.SendAsync(request);
        using var ledger = await AdminGetAsync($"/api/consents/{subject}");
        var record = JsonNode.Parse(await ledger.Content.ReadAsStringAsync())!["history"]![0]!["request"]!;

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("127.0.0.1", (string?)record["evidence"]!["ipAddress"]);
        Assert.Equal("portal-test/1.0", (string?)record["evidence"]!["userAgent"]);
        Assert.Equal("denied", (string?)record["decision"]);
    }

    [Fact]
    public async Task OnlyConfiguredOriginsMayCallAndReturnAddressesElsewhereAreDropped()
    {
        var (app, address) = await HostFixture.StartHostAsync(host.ConnectionString, new Dictionary<string, string?>
        {
            ["Consent:AllowedOrigins:0"] = "https://portal.example.cz",
            ["Consent:TrustedProxyCount"] = "1",
        });
        try
        {
            using var client = new HttpClient { BaseAddress = address };
            using var allowed = await PreflightAsync(client, "https://portal.example.cz");
            using var other = await PreflightAsync(client, "https://evil.example.com");
            var subject = "cust-" + Guid.NewGuid().ToString("N");
            var token = await TokenAsync(subject);
            using var page = await client.GetAsync($"/consent/page?token={Uri.EscapeDataString(token)}&return={Uri.EscapeDataString("https://evil.example.com/x")}");
            var html = await page.Content.ReadAsStringAsync();
            using var proxied = new HttpRequestMessage(HttpMethod.Post, "/consent/decisions") { Content = JsonContent.Create(Decisions(token, "proxied", granted: true)) };
            proxied.Headers.Add("X-Forwarded-For", "198.51.100.1, 203.0.113.9");
            proxied.Headers.Add("Origin", "https://portal.example.cz");
            using var decided = await client.SendAsync(proxied);
            using var ledger = await AdminGetAsync($"/api/consents/{subject}");

            Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
            Assert.Equal("https://portal.example.cz", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("name=\"return\" value=\"\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("evil.example.com", html, StringComparison.Ordinal);
            Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("https://portal.example.cz", decided.Headers.GetValues("Access-Control-Allow-Origin").Single());
            // Behind one trusted proxy, the address is the one that proxy appended, not what the client claimed before it.
            Assert.Equal("203.0.113.9", (string?)JsonNode.Parse(await ledger.Content.ReadAsStringAsync())!["history"]![0]!["request"]!["evidence"]!["ipAddress"]);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task TheFormScriptIsServedAsJavaScript()
    {
        using var response = await host.Client.GetAsync("/consent/form.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("window.Engagement360Consent", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static JsonObject Decisions(string token, string requestId, bool granted)
    {
        var text = ConsentTextCatalog.Default.Current("marketing-email", "en")!;
        return new JsonObject
        {
            ["token"] = token,
            ["variant"] = "popup",
            ["language"] = "en",
            ["requestId"] = requestId,
            ["decisions"] = new JsonArray(new JsonObject
            {
                ["textId"] = text.TextId,
                ["version"] = text.Version,
                ["language"] = text.Language,
                ["sha256"] = text.Reference.Sha256,
                ["granted"] = granted,
            }),
        };
    }

    private static Task<HttpResponseMessage> PreflightAsync(HttpClient client, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/consent/decisions");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        return client.SendAsync(request);
    }

    private async Task<string> TokenAsync(string subject)
    {
        using var response = await AdminPostAsync("/api/consent-forms/tokens", new { subject });
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!;
    }

    private Task<HttpResponseMessage> AdminPostAsync(string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> AdminGetAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }
}
