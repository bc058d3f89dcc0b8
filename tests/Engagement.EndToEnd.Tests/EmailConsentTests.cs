using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Engagement.Core.Consent;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Host.Hosting;

namespace Engagement.EndToEnd.Tests;

/// <summary>Double opt-in over real HTTP and real SMTP (MailDev): the request e-mail, its link, and what confirming records.</summary>
public sealed partial class EmailConsentTests(EmailHostFixture host) : IClassFixture<EmailHostFixture>
{
    private static readonly string[] Marketing = ["marketing"];
    private static readonly string[] Astrology = ["astrology"];

    [Fact]
    public async Task TheRequestSendsExactlyOneEmailAndARetryWithTheSameRequestIdSendsNone()
    {
        var (subject, email) = NewPerson();

        using var first = await RequestAsync(subject, email, "req-1");
        var firstBody = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        var mails = await WaitForMailsAsync(email, 1);
        using var retry = await RequestAsync(subject, email, "req-1");
        var retryBody = JsonNode.Parse(await retry.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.True((bool)firstBody["sent"]!);
        Assert.Equal("sent", (string?)firstBody["state"]);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False((bool)retryBody["sent"]!);
        Assert.True((bool)retryBody["repeated"]!);
        Assert.Single(await host.MailsToAsync(email));
        var mail = Assert.Single(mails);
        Assert.Equal("Potvrďte prosím svůj souhlas – Pojišťovna Příklad", (string?)mail["subject"]);
        Assert.Contains("Novinky a nabídky e-mailem", (string?)mail["html"], StringComparison.Ordinal);
        Assert.Contains("Osobní doporučení", (string?)mail["text"], StringComparison.Ordinal);
        Assert.Contains(ConsentTextCatalog.Default.Current("marketing-email", "cs")!.Body, (string?)mail["text"], StringComparison.Ordinal);
        Assert.Matches(LinkPattern(), (string?)mail["text"]);
        var source = await host.SourceAsync((string)mail["id"]!);
        Assert.Contains($"Message-ID: <{(string?)firstBody["messageId"]}>", source, StringComparison.OrdinalIgnoreCase);
        Assert.Matches("^consent-[0-9a-f]{32}@engagement360.local$", (string?)firstBody["messageId"]);
        Assert.Contains("multipart/alternative", source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpeningTheLinkRecordsNothingAndConfirmingRecordsEachConsentOnceViaTheEmailLink()
    {
        var (subject, email) = NewPerson();
        using var _ = await RequestAsync(subject, email, "req-confirm");
        var link = LinkIn((await WaitForMailsAsync(email, 1))[0]);

        using var opened = await host.Client.GetAsync(link);
        var page = await opened.Content.ReadAsStringAsync();
        var afterOpening = await LedgerAsync(subject);
        using var confirmed = await ConfirmAsync(link);
        var thanks = await confirmed.Content.ReadAsStringAsync();
        using var again = await ConfirmAsync(link);
        var againPage = await again.Content.ReadAsStringAsync();
        var ledger = await LedgerAsync(subject);

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.Equal("text/html", opened.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Potvrzuji souhlas", page, StringComparison.Ordinal);
        Assert.Contains("<form method=\"post\" action=\"/consent/confirm\">", page, StringComparison.Ordinal);
        Assert.Null(afterOpening);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("Děkujeme, souhlas je potvrzen", thanks, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("už byl potvrzen", againPage, StringComparison.Ordinal);
        var history = ledger!["history"]!.AsArray();
        Assert.Equal(2, history.Count);
        Assert.True((bool)ledger["chainIntact"]!);
        foreach (var record in history.Select(r => r!["request"]!))
        {
            Assert.Equal("granted", (string?)record["decision"]);
            Assert.Equal("emailLink", (string?)record["capturedVia"]);
            Assert.Equal("email", (string?)record["sourceSystem"]);
            Assert.Equal("127.0.0.1", (string?)record["evidence"]!["ipAddress"]);
            Assert.Equal("engagement360-e2e", (string?)record["evidence"]!["userAgent"]);
            var text = record["text"]!;
            Assert.True(ConsentTextCatalog.Default.Holds(new ConsentTextReference((string)text["textId"]!, (int)text["version"]!, (string)text["language"]!, (string)text["sha256"]!)));
        }

        Assert.Equal(["marketing-email", "profiling"], history.Select(r => (string?)r!["request"]!["text"]!["textId"]).Order(StringComparer.Ordinal));
        Assert.Equal("email", (string?)history.Single(r => (string?)r!["request"]!["purpose"] == "marketing")!["request"]!["channel"]);
    }

    [Fact]
    public async Task AnExpiredLinkIsRefusedWithAClearPageAndRecordsNothing()
    {
        var (subject, email) = NewPerson();
        using var _ = await RequestAsync(subject, email, "req-expiring");
        var link = LinkIn((await WaitForMailsAsync(email, 1))[0]);

        host.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        try
        {
            using var opened = await host.Client.GetAsync(link);
            using var confirmed = await ConfirmAsync(link);

            Assert.Equal(HttpStatusCode.Gone, opened.StatusCode);
            Assert.Equal(HttpStatusCode.Gone, confirmed.StatusCode);
            Assert.Contains("Platnost tohoto odkazu vypršela", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Null(await LedgerAsync(subject));
        }
        finally
        {
            // Other tests of the class share the clock: later links are issued at the moved time, which is fine.
            host.Clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Theory]
    [InlineData("altered")]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public async Task ATamperedLinkIsRefusedWithAClearPage(string damage)
    {
        var (subject, email) = NewPerson();
        using var _ = await RequestAsync(subject, email, "req-tampered");
        var link = LinkIn((await WaitForMailsAsync(email, 1))[0]);
        var token = Uri.UnescapeDataString(link[(link.IndexOf("t=", StringComparison.Ordinal) + 2)..]);
        var damaged = damage switch
        {
            "altered" => token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..],
            "truncated" => token[..^5],
            _ => "%%%not-a-token",
        };
        var badLink = "/consent/confirm?t=" + Uri.EscapeDataString(damaged);

        using var opened = await host.Client.GetAsync(badLink);
        using var confirmed = await ConfirmAsync(badLink, acceptLanguage: "cs-CZ,cs;q=0.9");

        // A damaged link names no language: the page speaks the browser's.
        Assert.Equal(HttpStatusCode.BadRequest, opened.StatusCode);
        Assert.Contains("This link is not valid", await opened.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, confirmed.StatusCode);
        Assert.Contains("Tento odkaz není platný", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await LedgerAsync(subject));
    }

    [Fact]
    public async Task ThePendingRequestIsExportedAndErasureRemovesItSoItsLinkStopsWorking()
    {
        var (subject, email) = NewPerson();
        using var _ = await RequestAsync(subject, email, "req-erase");
        var link = LinkIn((await WaitForMailsAsync(email, 1))[0]);

        var export = await AdminAsync(HttpMethod.Get, $"/api/subjects/{subject}/export");
        var erased = await AdminAsync(HttpMethod.Delete, $"/api/subjects/{subject}");
        using var confirmed = await ConfirmAsync(link);

        var request = Assert.Single(export!["consentRequests"]!.AsArray())!;
        Assert.Equal(email, (string?)request["email"]);
        Assert.Equal("sent", (string?)request["state"]);
        Assert.Equal(2, request["texts"]!.AsArray().Count);
        Assert.Equal(1, (int)erased!["consentRequests"]!);
        Assert.Equal(HttpStatusCode.Gone, confirmed.StatusCode);
        Assert.Contains("Tento odkaz už neplatí", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await LedgerAsync(subject));
    }

    [Fact]
    public async Task AReusedRequestIdForAnotherAddressIsAConflictAndBadRequestsAreRefused()
    {
        var (subject, email) = NewPerson();
        using var first = await RequestAsync(subject, email, "req-reused");
        using var reused = await RequestAsync(subject, "other-" + email, "req-reused");
        using var noRequestId = await PostAsync(new { subject, email, purposes = Marketing, language = "cs" });
        using var badAddress = await PostAsync(new { subject, email = "not an address", purposes = Marketing, requestId = "x1" });
        using var unknownPurpose = await PostAsync(new { subject, email, purposes = Astrology, requestId = "x2" });
        using var unknownField = await PostAsync(new { subject, email, purposes = Marketing, requestId = "x3", extra = 1 });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
        foreach (var (response, named) in new[] { (noRequestId, "requestId"), (badAddress, "email"), (unknownPurpose, "astrology"), (unknownField, "extra") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Single(await WaitForMailsAsync(email, 1));
        Assert.Empty(await host.MailsToAsync("other-" + email));
    }

    [Fact]
    public async Task WhenTheRelayIsDownTheCallIsAnswered503AndARetryLaterSends()
    {
        var closedPort = Loopback.FreePort();
        var (app, address) = await HostFixture.StartHostAsync(host.ConnectionString, new Dictionary<string, string?>
        {
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Smtp:Security"] = "None",
            ["Email:From"] = "consent@engagement360.local",
        });
        var (subject, email) = NewPerson();
        try
        {
            using var client = new HttpClient { BaseAddress = address };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/consent-requests/email")
            {
                Content = JsonContent.Create(new { subject, email, purposes = Marketing, language = "en", requestId = "req-down" }),
            };
            request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
            using var down = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(down.Headers.RetryAfter);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        // The claim was let go: the same request id through a host whose relay answers sends the e-mail.
        using var retry = await RequestAsync(subject, email, "req-down", purposes: Marketing, language: "en");
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("Please confirm your consent – Pojišťovna Příklad", (string?)(await WaitForMailsAsync(email, 1))[0]["subject"]);
    }

    private static (string Subject, string Email) NewPerson()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        return ("cust-" + run, $"jana.{run}@example.cz");
    }

    private Task<HttpResponseMessage> RequestAsync(string subject, string email, string requestId, string[]? purposes = null, string language = "cs") =>
        PostAsync(new { subject, email, purposes = purposes ?? ["marketing", "profiling"], language, requestId });

    private Task<HttpResponseMessage> PostAsync(object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/consent-requests/email") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> ConfirmAsync(string link, string? acceptLanguage = null)
    {
        var token = Uri.UnescapeDataString(link[(link.IndexOf("t=", StringComparison.Ordinal) + 2)..]);
        var request = new HttpRequestMessage(HttpMethod.Post, "/consent/confirm") { Content = new FormUrlEncodedContent([KeyValuePair.Create("t", token)]) };
        request.Headers.UserAgent.ParseAdd("engagement360-e2e");
        if (acceptLanguage is not null)
        {
            request.Headers.AcceptLanguage.ParseAdd(acceptLanguage);
        }
        return host.Client.SendAsync(request);
    }

    private async Task<JsonNode?> AdminAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonNode?> LedgerAsync(string subject)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/consents/{subject}");
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode == HttpStatusCode.NotFound ? null : JsonNode.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The path and query of the confirmation link in an e-mail's plain-text part.</summary>
    private static string LinkIn(JsonNode mail)
    {
        var match = LinkPattern().Match((string)mail["text"]!);
        Assert.True(match.Success, "The e-mail holds no confirmation link.");
        return new Uri(match.Value).PathAndQuery;
    }

    private async Task<List<JsonNode>> WaitForMailsAsync(string email, int count)
    {
        // The relay has the message when the API answers; MailDev files it a moment later.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var mails = await host.MailsToAsync(email);
            if (mails.Count >= count)
            {
                return mails;
            }

            await Task.Delay(100);
        }

        return await host.MailsToAsync(email);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/consent/confirm\?t=[A-Za-z0-9_.%-]+")]
    private static partial Regex LinkPattern();
}
