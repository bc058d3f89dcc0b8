using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Infrastructure.ConsentDrives;
using Engagement.Infrastructure.Contacts;
using Microsoft.Extensions.DependencyInjection;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>
/// The consent form in headless Debian Chromium: a portal on another origin shows the pop-up after login, and the
/// full-page consent page with and without JavaScript. What the browser showed is checked, and what the ledger recorded.
/// </summary>
[Collection(RunningHost.Name)]
public sealed class ConsentFormBrowserTests(HostFixture host)
{
    private static readonly string[] Purposes = ["ad-personalisation", "marketing", "marketing", "marketing", "profiling", "third-party-sharing"];

    [Fact]
    public async Task ThePopUpIsAnAccessibleModalDialogInCzechAndEscapeClosesItWithoutRecording()
    {
        var subject = NewSubject();

        var seen = await RunAsync("show-escape", subject, "cs");

        Assert.True((bool)seen["focusInside"]!);
        Assert.Equal("true", (string?)seen["ariaModal"]);
        Assert.Equal("Vaše souhlasy", (string?)seen["heading"]);
        Assert.StartsWith("Engagement 360 se vás ptá", (string?)seen["description"], StringComparison.Ordinal);
        var labels = seen["labels"]!.AsArray().Select(l => (string?)l).ToList();
        Assert.Equal(ConsentTextCatalog.Default.CurrentTexts("cs").Select(t => t.Title), labels);
        Assert.Contains("Novinky a nabídky e-mailem", labels);
        Assert.All(seen["checked"]!.AsArray(), c => Assert.False((bool)c!));
        Assert.Equal(["Nesouhlasím", "Uložit volbu", "Souhlasím se vším", "Zavřít bez rozhodnutí"], seen["buttons"]!.AsArray().Select(b => (string?)b));
        Assert.True((bool)seen["portalInert"]!);
        Assert.True((bool)seen["focusTrapped"]!);
        Assert.False((bool)seen["outcome"]!["decided"]!);
        Assert.True((bool)seen["dialogGone"]!);
        Assert.Equal("portal-button", (string?)seen["focusReturnedTo"]);
        Assert.False((bool)seen["portalInertAfter"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await ReadLedgerAsync(subject)).Status);
    }

    [Fact]
    public async Task DecliningRecordsADenialPerPurposeWithTheTextShownAndTheBrowsersEvidence()
    {
        var subject = NewSubject();

        var seen = await RunAsync("decline", subject, "en");

        Assert.True((bool)seen["outcome"]!["decided"]!);
        var history = await HistoryAsync(subject);
        Assert.Equal(Purposes, history.Select(r => (string?)r["request"]!["purpose"]).Order(StringComparer.Ordinal));
        Assert.All(history, r =>
        {
            Assert.Equal("denied", (string?)r["request"]!["decision"]);
            Assert.Equal("portalPopup", (string?)r["request"]!["capturedVia"]);
            Assert.Equal("portal", (string?)r["request"]!["sourceSystem"]);
            Assert.Equal("127.0.0.1", (string?)r["request"]!["evidence"]!["ipAddress"]);
            Assert.Contains("Chrome", (string?)r["request"]!["evidence"]!["userAgent"], StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task AcceptingRecordsOneGrantPerPurposeNamingTheExactTextEvenWhenClickedTwice()
    {
        var subject = NewSubject();

        var seen = await RunAsync("accept", subject, "en");

        Assert.True((bool)seen["outcome"]!["decided"]!);
        var history = await HistoryAsync(subject);
        Assert.Equal(6, history.Count);
        foreach (var text in ConsentTextCatalog.Default.CurrentTexts("en"))
        {
            var record = Assert.Single(history, r => (string?)r["request"]!["text"]!["textId"] == text.TextId)["request"]!;
            Assert.Equal("granted", (string?)record["decision"]);
            Assert.Equal("consent", (string?)record["basis"]);
            Assert.Equal(text.Version, (int)record["text"]!["version"]!);
            Assert.Equal("en", (string?)record["text"]!["language"]);
            Assert.Equal(text.Reference.Sha256, (string?)record["text"]!["sha256"]);
            Assert.Equal("127.0.0.1", (string?)record["evidence"]!["ipAddress"]);
            Assert.Contains("HeadlessChrome", (string?)record["evidence"]!["userAgent"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AGrantedPurposeIsWithdrawnThroughTheSameFormAndTheStatusShowsIt()
    {
        var subject = NewSubject();
        await RunAsync("accept", subject, "en");

        var seen = await RunAsync("withdraw", subject, "en");

        Assert.All(seen["checked"]!.AsArray(), c => Assert.True((bool)c!));
        Assert.False((bool)seen["checkedAfterUntick"]![1]!);
        var history = await HistoryAsync(subject);
        var latest = history.Where(r => (long)r["sequence"]! > 6).Select(r => r["request"]!).ToList();
        var withdrawal = Assert.Single(latest, r => (string?)r["decision"] == "withdrawn");
        Assert.Equal("marketing-email", (string?)withdrawal["text"]!["textId"]);
        Assert.All(latest.Where(r => r != withdrawal), r => Assert.Equal("granted", (string?)r["decision"]));
        var status = await StatusAsync(subject);
        var email = Assert.Single(status["items"]!.AsArray(), i => (string?)i!["textId"] == "marketing-email")!;
        Assert.Equal("withdrawn", (string?)email["decision"]);
        Assert.StartsWith("Withdrawn on ", (string?)email["statusText"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryPurposeCanBeAcceptedWithTheKeyboardAlone()
    {
        var subject = NewSubject();

        var seen = await RunAsync("keyboard", subject, "en");

        Assert.Equal("accept-all", (string?)seen["tabPath"]!.AsArray()[^1]);
        Assert.True((bool)seen["outcome"]!["decided"]!);
        Assert.All(await HistoryAsync(subject), r => Assert.Equal("granted", (string?)r["request"]!["decision"]));
    }

    [Theory]
    [InlineData("page-js", "POST /consent/decisions")]
    [InlineData("page-nojs", "POST /consent/page")]
    public async Task TheConsentPageRecordsTheTickedPurposeAndReturnsToThePortalWithAndWithoutJavaScript(string scenario, string request)
    {
        var subject = NewSubject();

        var seen = await RunAsync(scenario, subject, "cs");

        Assert.Equal(200, (int)seen["status"]!);
        Assert.Equal("Vaše souhlasy", (string?)seen["heading"]);
        Assert.EndsWith("/done", (string?)seen["finalUrl"], StringComparison.Ordinal);
        Assert.Contains(request, seen["requests"]!.AsArray().Select(r => (string?)r));
        var history = await HistoryAsync(subject);
        Assert.Equal(6, history.Count);
        Assert.All(history, r => Assert.Equal("injectionPage", (string?)r["request"]!["capturedVia"]));
        Assert.All(history, r => Assert.Equal("web", (string?)r["request"]!["sourceSystem"]));
        var granted = Assert.Single(history, r => (string?)r["request"]!["decision"] == "granted")["request"]!;
        Assert.Equal("marketing-email", (string?)granted["text"]!["textId"]);
        Assert.Equal("cs", (string?)granted["text"]!["language"]);
        Assert.Equal(5, history.Count(r => (string?)r["request"]!["decision"] == "denied"));
    }

    [Fact]
    public async Task ARunningDrivesAllocationShowsItsPopUpVariantOnceThenNoMoreAndCountsTheDisplay()
    {
        var subject = NewSubject();
        var services = host.Services;
        var keys = services.GetRequiredService<Pseudonymizer>();
        var subjectKey = keys.KeyOf(IdentityRef.User(subject)).Value;
        var segment = "prompt-" + Guid.NewGuid().ToString("N")[..10];
        await services.GetRequiredService<ContactStore>().PutAsync(subjectKey,
            new ContactPoints(new EmailAddress($"{subject}@example.cz"), null, "en", segment), new ContactSource(ContactProvenance.Order, null, DateTimeOffset.UtcNow.AddDays(-3)));
        var drive = "consent-drive-" + Guid.NewGuid().ToString("N");
        await services.GetRequiredService<ConsentDriveStore>().ApplyAllocationAsync(drive, new FormAllocation(
            1, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1), ["marketing"], new DisplayCaps(PerDay: 1, Total: 3),
            [new VariantQuota("popup-short", FormPlacement.PortalPopup, 1.0, 100)], new DriveAudience(Segments: [segment]), DateTimeOffset.UtcNow.AddMinutes(-1)));

        var shown = await RunAsync("prompt-accept", subject, "en");
        var again = await RunAsync("prompt-none", subject, "en");

        Assert.True((bool)shown["outcome"]!["shown"]!);
        Assert.Equal(drive, (string?)shown["outcome"]!["drive"]);
        Assert.Equal("popup-short", (string?)shown["outcome"]!["variant"]);
        Assert.True((bool)shown["outcome"]!["decided"]!);
        Assert.Contains(await HistoryAsync(subject), r => (string?)r["request"]!["purpose"] == "marketing" && (string?)r["request"]!["decision"] == "granted");
        // Opted in now (and at the daily cap anyway): nothing more is shown.
        Assert.False((bool)again["outcome"]!["shown"]!);
        Assert.False((bool)again["dialog"]!);
        var display = Assert.Single(await services.GetRequiredService<ConsentDriveStore>().DisplaysAsync(drive));
        Assert.Equal(subjectKey, display.SubjectKey);
        Assert.Equal("popup-short", display.Variant);
    }

    private static string NewSubject() => "portal-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<JsonNode> RunAsync(string scenario, string subject, string language)
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Debian's chromium is needed for browser tests; tools/test installs it.");
        var token = await TokenAsync(subject);
        var output = await NodeClient.RunAsync("consent-portal.cjs", new Dictionary<string, string>
        {
            ["ENGAGE_URL"] = host.BaseAddress.ToString().TrimEnd('/'),
            ["TOKEN"] = token,
            ["SCENARIO"] = scenario,
            ["FORM_LANG"] = language,
        }, "playwright-core");
        return JsonNode.Parse(output.Trim().Split('\n')[^1])!;
    }

    private async Task<string> TokenAsync(string subject)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/consent-forms/tokens") { Content = JsonContent.Create(new { subject }) };
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["token"]!;
    }

    private async Task<JsonNode> StatusAsync(string subject)
    {
        var token = await TokenAsync(subject);
        using var response = await host.Client.GetAsync($"/consent/status?token={Uri.EscapeDataString(token)}&lang=en");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> ReadLedgerAsync(string subject)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/consents/{Uri.EscapeDataString(subject)}");
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        using var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<List<JsonNode>> HistoryAsync(string subject)
    {
        var (status, body) = await ReadLedgerAsync(subject);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)body!["chainIntact"]!);
        return body["history"]!.AsArray().Select(r => r!).ToList();
    }
}
