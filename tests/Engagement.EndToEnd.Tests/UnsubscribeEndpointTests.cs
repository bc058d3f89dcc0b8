using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.EndToEnd.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.EndToEnd.Tests;

/// <summary>Unsubscribing from a campaign e-mail over real HTTP: one-click (RFC 8058), the preferences page, and what scanners cannot do.</summary>
[Collection(RunningHost.Name)]
public sealed class UnsubscribeEndpointTests(HostFixture host)
{
    [Fact]
    public async Task AOneClickPostWithdrawsThePurposeOverEmailAndSuppressesEmailAndARepeatRecordsNothingTwice()
    {
        var (subject, token) = await SubscribedPersonAsync();

        using var first = await OneClickAsync(token);
        using var repeat = await OneClickAsync(token);
        var ledger = await AdminAsync($"/api/consents/{subject}");
        var contact = await AdminAsync($"/api/contacts/{subject}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        var history = ledger["history"]!.AsArray();
        Assert.Equal(3, history.Count);
        Assert.True((bool)ledger["chainIntact"]!);
        var withdrawal = history[2]!["request"]!;
        Assert.Equal(("marketing", "email", "withdrawn", "emailLink"),
            ((string?)withdrawal["purpose"], (string?)withdrawal["channel"], (string?)withdrawal["decision"], (string?)withdrawal["capturedVia"]));
        Assert.Equal("127.0.0.1", (string?)withdrawal["evidence"]!["ipAddress"]);
        Assert.Equal("mail-provider/1.0", (string?)withdrawal["evidence"]!["userAgent"]);
        Assert.Equal("withdrawn", (string?)Status(ledger, "marketing")["decision"]);
        Assert.Equal("granted", (string?)Status(ledger, "profiling")["decision"]);
        var suppression = Assert.Single(contact["suppressions"]!.AsArray())!;
        Assert.Equal(("email", "unsubscribed"), ((string?)suppression["channel"], (string?)suppression["reason"]));
        Assert.Contains("spring-sale", (string?)suppression["note"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpeningTheLinkAndAHeadRequestChangeNothing()
    {
        var (subject, token) = await SubscribedPersonAsync();
        var before = await AdminAsync($"/api/consents/{subject}");

        using var opened = await SendAsync(HttpMethod.Get, "/unsubscribe?t=" + Uri.EscapeDataString(token), acceptLanguage: "cs");
        var page = await opened.Content.ReadAsStringAsync();
        using var head = await SendAsync(HttpMethod.Head, "/unsubscribe?t=" + Uri.EscapeDataString(token));
        var after = await AdminAsync($"/api/consents/{subject}");
        var contact = await AdminAsync($"/api/contacts/{subject}");

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal("text/html", opened.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", opened.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("default-src 'none'", opened.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<html lang=\"cs\">", page, StringComparison.Ordinal);
        Assert.Contains("Odhlásit ze všeho", page, StringComparison.Ordinal);
        Assert.Contains("name=\"purpose\" value=\"marketing\" aria-describedby=\"e360u-item-0-status\" checked>", page, StringComparison.Ordinal);
        Assert.Contains("name=\"purpose\" value=\"profiling\" aria-describedby=\"e360u-item-1-status\">", page, StringComparison.Ordinal);
        Assert.Contains("Souhlas udělen 1. 11. 2026", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Empty(contact["suppressions"]!.AsArray());
    }

    [Fact]
    public async Task ATamperedLinkIsRefusedWithAPageAndRecordsNothing()
    {
        var (subject, token) = await SubscribedPersonAsync();
        var tampered = token[..^2] + (token[^2] == 'A' ? "BA" : "AA");

        using var opened = await SendAsync(HttpMethod.Get, "/unsubscribe?t=" + Uri.EscapeDataString(tampered), acceptLanguage: "en");
        var page = await opened.Content.ReadAsStringAsync();
        using var head = await SendAsync(HttpMethod.Head, "/unsubscribe?t=" + Uri.EscapeDataString(tampered));
        using var posted = await OneClickAsync(tampered);
        using var formToken = await SendAsync(HttpMethod.Post, "/unsubscribe?t=" + Uri.EscapeDataString(host.Services.GetRequiredService<ConsentTokenSigner>()
            .Issue(new ConsentFormToken(KeyOf(subject), DateTimeOffset.UtcNow.AddHours(1)))), Form(("List-Unsubscribe", "One-Click")));
        var ledger = await AdminAsync($"/api/consents/{subject}");

        Assert.Equal(HttpStatusCode.BadRequest, opened.StatusCode);
        Assert.Contains("This link is not valid", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, head.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, formToken.StatusCode);
        Assert.Equal(2, ledger["history"]!.AsArray().Count);
    }

    [Fact]
    public async Task ThePageWithdrawsOnlyTheTickedPurposesAndUnsubscribingFromAllAlsoSuppressesEmail()
    {
        var (subject, token) = await SubscribedPersonAsync();

        using var saved = await SendAsync(HttpMethod.Post, "/unsubscribe", Form(("t", token), ("lang", "en"), ("purpose", "profiling"), ("action", "save")));
        var savedPage = await saved.Content.ReadAsStringAsync();
        var afterSave = await AdminAsync($"/api/consents/{subject}");
        var contactAfterSave = await AdminAsync($"/api/contacts/{subject}");
        using var all = await SendAsync(HttpMethod.Post, "/unsubscribe", Form(("t", token), ("lang", "en"), ("action", "all")));
        var allPage = await all.Content.ReadAsStringAsync();
        using var allAgain = await SendAsync(HttpMethod.Post, "/unsubscribe", Form(("t", token), ("lang", "en"), ("action", "all")));
        var afterAll = await AdminAsync($"/api/consents/{subject}");
        var contactAfterAll = await AdminAsync($"/api/contacts/{subject}");

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Contains("no longer send you the e-mails you chose", savedPage, StringComparison.Ordinal);
        Assert.Equal("granted", (string?)Status(afterSave, "marketing")["decision"]);
        Assert.Equal("withdrawn", (string?)Status(afterSave, "profiling")["decision"]);
        Assert.Empty(contactAfterSave["suppressions"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Contains("no more marketing e-mails", allPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, allAgain.StatusCode);
        Assert.Equal(4, afterAll["history"]!.AsArray().Count);
        Assert.Equal("withdrawn", (string?)Status(afterAll, "marketing")["decision"]);
        Assert.Equal("unsubscribed", (string?)Assert.Single(contactAfterAll["suppressions"]!.AsArray())!["reason"]);
    }

    [Fact]
    public async Task InChromiumWithoutScriptThePageIsStyledInCzechAndSavingWithdrawsOnlyWhatThePersonTicked()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Debian's chromium is needed for browser tests; tools/test installs it.");
        var (subject, token) = await SubscribedPersonAsync();

        var output = await NodeClient.RunAsync("unsubscribe-page.cjs", new Dictionary<string, string>
        {
            ["UNSUBSCRIBE_URL"] = host.BaseAddress.ToString().TrimEnd('/') + "/unsubscribe?t=" + Uri.EscapeDataString(token),
        }, "playwright-core");
        var seen = JsonNode.Parse(output.Trim().Split('\n')[^1])!;
        var ledger = await AdminAsync($"/api/consents/{subject}");

        Assert.Equal(200, (int)seen["status"]!);
        Assert.Equal("cs", (string?)seen["lang"]);
        Assert.Equal("Odhlášení z e-mailů", (string?)seen["heading"]);
        Assert.Empty(seen["cspViolations"]!.AsArray());
        Assert.Equal("rgb(255, 255, 255)", (string?)seen["mainBackground"]);
        Assert.Equal(["Novinky a nabídky e-mailem", ConsentTextCatalog.Default.CurrentFor("profiling", Engagement.Core.Consent.ContactChannel.Any, "cs")!.Title],
            seen["labels"]!.AsArray().Select(l => (string?)l));
        Assert.Equal([true, false], seen["checkedBefore"]!.AsArray().Select(c => (bool)c!));
        Assert.Equal([false, true], seen["checkedAfter"]!.AsArray().Select(c => (bool)c!));
        Assert.Equal("Odhlášení je zaznamenáno", (string?)seen["doneHeading"]);
        Assert.Equal("granted", (string?)Status(ledger, "marketing")["decision"]);
        var withdrawal = ledger["history"]!.AsArray()[^1]!["request"]!;
        Assert.Equal(("profiling", "withdrawn"), ((string?)withdrawal["purpose"], (string?)withdrawal["decision"]));
        Assert.Contains("Chrome", (string?)withdrawal["evidence"]!["userAgent"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task APostThatIsNeitherOneClickNorThePageFormIsAClearBadRequest()
    {
        var (_, token) = await SubscribedPersonAsync();

        using var empty = await SendAsync(HttpMethod.Post, "/unsubscribe?t=" + Uri.EscapeDataString(token), new StringContent("{}", Encoding.UTF8, "application/json"));
        var problem = JsonNode.Parse(await empty.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("application/problem+json", empty.Content.Headers.ContentType?.MediaType);
        Assert.Contains("List-Unsubscribe=One-Click", (string?)problem["detail"], StringComparison.Ordinal);
    }

    /// <summary>A person with an e-mail address who granted marketing and profiling over e-mail, and the unsubscribe token of a campaign e-mail to them.</summary>
    private async Task<(string Subject, string Token)> SubscribedPersonAsync()
    {
        var subject = "cust-" + Guid.NewGuid().ToString("N")[..12];
        await AdminAsync($"/api/contacts/{subject}", HttpMethod.Put, new JsonObject { ["email"] = $"{subject}@example.cz", ["provenance"] = "form" });
        foreach (var (purpose, textId) in new[] { ("marketing", "marketing-email"), ("profiling", "profiling") })
        {
            await AdminAsync("/api/consents", HttpMethod.Post, new JsonObject
            {
                ["subject"] = subject,
                ["purpose"] = purpose,
                ["channel"] = "email",
                ["decision"] = "granted",
                ["basis"] = "consent",
                ["capturedVia"] = "webForm",
                ["decidedAt"] = "2026-11-01T09:00:00Z",
                ["text"] = new JsonObject { ["textId"] = textId, ["version"] = 1, ["language"] = "cs", ["sha256"] = new string('a', 64) },
                ["evidence"] = new JsonObject { ["ipAddress"] = "192.0.2.7", ["userAgent"] = "browser" },
                ["sourceSystem"] = "web",
            });
        }

        var token = host.Services.GetRequiredService<ConsentTokenSigner>()
            .Issue(new UnsubscribeLink(KeyOf(subject), "marketing", "spring-sale", $"spring-sale-{subject}@engagement360.local"));
        return (subject, token);
    }

    private string KeyOf(string subject) => host.Services.GetRequiredService<Pseudonymizer>().KeyOf(IdentityRef.User(subject)).Value;

    private static JsonNode Status(JsonNode ledger, string purpose) =>
        ledger["status"]!.AsArray().Single(s => (string?)s!["purpose"] == purpose && (string?)s["channel"] == "email")!;

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));

    private Task<HttpResponseMessage> OneClickAsync(string token) =>
        SendAsync(HttpMethod.Post, "/unsubscribe?t=" + Uri.EscapeDataString(token), Form(("List-Unsubscribe", "One-Click")));

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? acceptLanguage = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.UserAgent.ParseAdd("mail-provider/1.0");
        if (acceptLanguage is not null)
        {
            request.Headers.AcceptLanguage.ParseAdd(acceptLanguage);
        }

        return host.Client.SendAsync(request);
    }

    private async Task<JsonNode> AdminAsync(string path, HttpMethod? method = null, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method ?? HttpMethod.Get} {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
