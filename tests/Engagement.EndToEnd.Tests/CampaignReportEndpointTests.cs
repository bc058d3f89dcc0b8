using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Infrastructure.Campaigns;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.EndToEnd.Tests;

/// <summary>
/// E-mail delivery and engagement reports arriving at the Communication Services webhook as Event Grid delivers them,
/// the unsubscribe link, our own pixel, and the campaign report that counts them, over real HTTP and from the command line.
/// </summary>
[Collection(RunningHost.Name)]
public sealed class CampaignReportEndpointTests(HostFixture host)
{
    private const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static string NewCampaign() => "camp-" + Guid.NewGuid().ToString("N")[..12];

    private string KeyOf(string id) => host.Services.GetRequiredService<Pseudonymizer>().KeyOf(IdentityRef.User(id)).Value;

    private static string MessageId(string campaign, string variant, string subjectKey) => new CampaignMessageId(campaign, "test", variant, subjectKey).Format("mail.example.com");

    /// <summary>Messages sent to new recipients (the send ledger, as the sender leaves it); returns each recipient's id, subject key and Message-ID.</summary>
    private async Task<List<(string Id, string Key, string MessageId)>> SendAsync(string campaign, string variant, int count)
    {
        var recipients = Enumerable.Range(0, count).Select(_ => "cust-" + Guid.NewGuid().ToString("N")[..12]).Select(id => (Id: id, Key: KeyOf(id))).ToList();
        var sends = recipients.Select(r => new PlannedSend(r.Key, variant, MessageId(campaign, variant, r.Key))).ToList();
        var ledger = host.Services.GetRequiredService<CampaignSendLedger>();
        await ledger.ClaimAsync(campaign, "test", sends, TimeSpan.FromMinutes(5));
        await ledger.MarkSentAsync(campaign, "test", sends.Select(s => s.SubjectKey));
        return recipients.Zip(sends, (r, s) => (r.Id, r.Key, s.MessageId)).ToList();
    }

    private static JsonObject DeliveryReport(string id, string messageId, string status, string statusMessage = "No error.") => new()
    {
        ["id"] = id,
        ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/microsoft.communication/communicationservices/acs-e360",
        ["subject"] = "sender/DoNotReply@mail.example.com/message/" + Guid.NewGuid(),
        ["data"] = new JsonObject
        {
            ["sender"] = "DoNotReply@mail.example.com",
            ["recipient"] = "reader@example.cz",
            ["messageId"] = Guid.NewGuid().ToString(),
            ["internetMessageId"] = $"<{messageId}>",
            ["status"] = status,
            ["deliveryStatusDetails"] = new JsonObject { ["statusMessage"] = statusMessage },
            ["deliveryAttemptTimeStamp"] = DateTimeOffset.UtcNow.AddMinutes(-10).ToString("O"),
        },
        ["eventType"] = "Microsoft.Communication.EmailDeliveryReportReceived",
        ["dataVersion"] = "1.0",
        ["metadataVersion"] = "1",
        ["eventTime"] = DateTimeOffset.UtcNow.AddMinutes(-10).ToString("O"),
    };

    private static JsonObject EngagementReport(string id, string messageId, string type, string? context = null) => new()
    {
        ["id"] = id,
        ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/microsoft.communication/communicationservices/acs-e360",
        ["subject"] = "sender/DoNotReply@mail.example.com/message/" + Guid.NewGuid(),
        ["data"] = new JsonObject
        {
            ["sender"] = "DoNotReply@mail.example.com",
            ["recipient"] = "reader@example.cz",
            ["messageId"] = Guid.NewGuid().ToString(),
            ["internetMessageId"] = $"<{messageId}>",
            // A minute after the send (made just now): a click within seconds of it would be taken for a scanner's.
            ["userActionTimeStamp"] = DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"),
            ["engagementContext"] = context,
            ["userAgent"] = Chrome,
            ["engagementType"] = type,
        },
        ["eventType"] = "Microsoft.Communication.EmailEngagementTrackingReportReceived",
        ["dataVersion"] = "1.0",
        ["metadataVersion"] = "1",
        ["eventTime"] = DateTimeOffset.UtcNow.ToString("O"),
    };

    private async Task<(HttpStatusCode Status, JsonNode? Body, string? MediaType)> DeliverAsync(string body, string? key = HostFixture.WebhookKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, key is null ? "/api/events/communication" : $"/api/events/communication?key={Uri.EscapeDataString(key)}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("aeg-event-type", "Notification");
        using var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<(HttpStatusCode Status, byte[] Body, string? MediaType)> GetAsync(string path, string? adminKey = HostFixture.AdminKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        using var response = await host.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<JsonNode> ReportAsync(string campaign, string query = "")
    {
        var (status, body, _) = await GetAsync($"/api/campaigns/{campaign}/report{query}");
        Assert.Equal(HttpStatusCode.OK, status);
        return JsonNode.Parse(body)!;
    }

    private static JsonNode Variant(JsonNode report, string variant) => report["variants"]!.AsArray().Single(v => (string?)v!["variant"] == variant)!;

    [Fact]
    public async Task ReportsDeliveredAsEventGridDoesAreRecordedOnceAndCountedInTheReport()
    {
        var campaign = NewCampaign();
        var a = await SendAsync(campaign, "a", 3);
        var b = await SendAsync(campaign, "b", 2);
        var tracking = new TrackingTokenSigner(HostFixture.CampaignTrackingSecret);
        using (var pixel = await host.Client.GetAsync($"/t/o/{tracking.IssueOpen(new TrackedMessage(campaign, "a", a[0].MessageId, a[0].Key, DateTimeOffset.UtcNow.AddHours(-1)))}.gif"))
        {
            Assert.Equal(HttpStatusCode.OK, pixel.StatusCode);
        }

        var delivery = new JsonArray(
            DeliveryReport(Guid.NewGuid().ToString(), a[0].MessageId, "Delivered"),
            DeliveryReport(Guid.NewGuid().ToString(), a[1].MessageId, "Bounced", "550 5.1.1 The email account that you tried to reach does not exist"),
            DeliveryReport(Guid.NewGuid().ToString(), b[0].MessageId, "Delivered"),
            EngagementReport(Guid.NewGuid().ToString(), a[0].MessageId, "view"),
            EngagementReport(Guid.NewGuid().ToString(), b[0].MessageId, "click", "https://shop.example.com/sale"),
            DeliveryReport(Guid.NewGuid().ToString(), "CAF=xyz@mail.gmail.com", "Delivered"),
            new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["eventType"] = "Microsoft.Communication.SMSDeliveryReportReceived", ["data"] = new JsonObject() }).ToJsonString();

        var first = await DeliverAsync(delivery);
        var again = await DeliverAsync(delivery);
        var report = await ReportAsync(campaign);
        var byOpens = await ReportAsync(campaign, "?metric=opens");
        var contact = JsonNode.Parse((await GetAsync($"/api/contacts/{a[1].Id}")).Body)!;

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal((7, 2), ((int)first.Body!["events"]!, (int)first.Body["ignored"]!));
        Assert.Equal(["delivered", "hardBounce", "delivered", "open", "click"], first.Body["email"]!.AsArray().Select(e => (string?)e!["recorded"]));
        Assert.All(first.Body["email"]!.AsArray(), e => Assert.False((bool)e!["repeated"]!));
        Assert.All(again.Body!["email"]!.AsArray(), e => Assert.True((bool)e!["repeated"]!));
        var variantA = Variant(report, "a")["counts"]!;
        Assert.Equal((3, 2, 1, 1, 1), ((int)variantA["sent"]!, (int)variantA["delivered"]!, (int)variantA["hardBounces"]!, (int)variantA["reportedDelivered"]!, (int)variantA["uniqueOpens"]!));
        var variantB = Variant(report, "b")["counts"]!;
        Assert.Equal((2, 2, 1, 1), ((int)variantB["sent"]!, (int)variantB["delivered"]!, (int)variantB["uniqueOpens"]!, (int)variantB["uniqueClicks"]!));
        Assert.Equal(0.5, (double)Variant(report, "b")["rates"]!["clickRate"]!);
        Assert.Equal(1.0 / 3, (double)Variant(report, "a")["rates"]!["bounceRate"]!, 9);
        var comparison = Assert.Single(report["comparisons"]!.AsArray())!;
        Assert.Equal(("a", "b", "clicks"), ((string?)comparison["control"], (string?)comparison["variant"], (string?)comparison["metric"]));
        Assert.Equal("opens", (string?)Assert.Single(byOpens["comparisons"]!.AsArray())!["metric"]);
        var suppression = Assert.Single(contact["suppressions"]!.AsArray())!;
        Assert.Equal(("email", "bounced"), ((string?)suppression["channel"], (string?)suppression["reason"]));
        Assert.Contains(campaign, (string?)suppression["note"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnsubscribeThroughTheCampaignLinkCountsOnceForItsVariant()
    {
        var campaign = NewCampaign();
        var recipient = (await SendAsync(campaign, "b", 1))[0];
        var token = host.Services.GetRequiredService<ConsentTokenSigner>().Issue(new UnsubscribeLink(recipient.Key, "marketing", campaign, recipient.MessageId));

        foreach (var _ in new[] { 1, 2 })
        {
            using var content = new FormUrlEncodedContent([KeyValuePair.Create("List-Unsubscribe", "One-Click")]);
            using var response = await host.Client.PostAsync("/unsubscribe?t=" + Uri.EscapeDataString(token), content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var counts = Variant(await ReportAsync(campaign), "b")["counts"]!;
        Assert.Equal((1, 1), ((int)counts["sent"]!, (int)counts["unsubscribes"]!));
    }

    [Fact]
    public async Task TheChartIsAPng()
    {
        var campaign = NewCampaign();
        var sent = await SendAsync(campaign, "a", 2);
        await DeliverAsync(new JsonArray(EngagementReport(Guid.NewGuid().ToString(), sent[0].MessageId, "click", "https://shop.example.com/")).ToJsonString());

        var (status, body, mediaType) = await GetAsync($"/api/campaigns/{campaign}/report.png");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("image/png", mediaType);
        Assert.Equal(PngSignature, body[..8]);
    }

    [Theory]
    [InlineData("/report")]
    [InlineData("/report.png")]
    public async Task AnUnknownCampaignIsANotFoundProblem(string suffix)
    {
        var (status, body, mediaType) = await GetAsync($"/api/campaigns/{NewCampaign()}{suffix}");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Contains("Check the id", (string?)JsonNode.Parse(body)!["detail"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-admin-key-000000")]
    public async Task TheReportNeedsTheAdminKey(string? key)
    {
        var (json, _, jsonType) = await GetAsync($"/api/campaigns/{NewCampaign()}/report", key);
        var (png, _, _) = await GetAsync($"/api/campaigns/{NewCampaign()}/report.png", key);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (json, png));
        Assert.Equal("application/problem+json", jsonType);
    }

    [Fact]
    public async Task AnUnknownMetricIsABadRequest()
    {
        var campaign = NewCampaign();
        await SendAsync(campaign, "a", 1);

        var (status, _, mediaType) = await GetAsync($"/api/campaigns/{campaign}/report?metric=revenue");

        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (status, mediaType));
    }

    [Fact]
    public async Task TheWebhookAnswersTheValidationHandshakeOfTheSubscription()
    {
        var (status, body, _) = await DeliverAsync("""[{"id":"2d1781af-3a4c-4d7c-bd0c-e34b19da4e66","topic":"/subscriptions/x","subject":"","data":{"validationCode":"512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},"eventType":"Microsoft.EventGrid.SubscriptionValidationEvent","eventTime":"2026-11-22T18:41:00.9584103Z","metadataVersion":"1","dataVersion":"2"}]""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", (string?)body!["validationResponse"]);
    }

    [Fact]
    public async Task EmailEventsWithTheWrongKeyAreRefused()
    {
        var (status, _, mediaType) = await DeliverAsync(new JsonArray(DeliveryReport("x", MessageId(NewCampaign(), "a", "k"), "Delivered")).ToJsonString(), "wrong-webhook-key-000000");

        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json"), (status, mediaType));
    }

    [Theory]
    [InlineData("""[{"id":"1","eventType":"Microsoft.Communication.EmailDeliveryReportReceived","data":{"internetMessageId":"<e360.c.test.a.k@x>"}}]""", "data.status")]
    [InlineData("""[{"id":"2","eventType":"Microsoft.Communication.EmailEngagementTrackingReportReceived","data":{"internetMessageId":"<e360.c.test.a.k@x>","engagementType":"hover"}}]""", "view or click")]
    [InlineData("""[{"id":"3","eventType":"Microsoft.Communication.EmailDeliveryReportReceived","data":{"status":"Delivered","deliveryAttemptTimeStamp":"yesterday"}}]""", "not a date")]
    [InlineData("""[{"id":"4","eventType":"Engagement360.EmailComplaintReceived","data":{"feedbackType":"abuse"}}]""", "internetMessageId")]
    public async Task AMalformedEmailEventIsAProblemNotAFailure(string body, string expected)
    {
        var (status, problem, mediaType) = await DeliverAsync(body);

        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (status, mediaType));
        Assert.Contains(expected, (string?)problem!["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheCommandLinePrintsTheReportWritesTheChartAndSaysSoInOneLineWhenTheCampaignIsUnknown()
    {
        var campaign = NewCampaign();
        var sent = await SendAsync(campaign, "a", 2);
        await SendAsync(campaign, "b", 2);
        await DeliverAsync(new JsonArray(DeliveryReport(Guid.NewGuid().ToString(), sent[0].MessageId, "Bounced")).ToJsonString());
        var png = Path.Combine(Path.GetTempPath(), $"{campaign}.png");

        var known = await EngageAsync("campaigns", "report", campaign, "--png", png);
        var unknown = await EngageAsync("campaigns", "report", NewCampaign());

        try
        {
            Assert.True(known.ExitCode == 0, known.Error + known.Output);
            Assert.Contains($"Campaign {campaign}", known.Output, StringComparison.Ordinal);
            Assert.Contains("50.0 %", known.Output, StringComparison.Ordinal);
            Assert.Contains("A/B on click-through rate: b", known.Output, StringComparison.Ordinal);
            Assert.Equal(PngSignature, (await File.ReadAllBytesAsync(png))[..8]);
            Assert.Equal(2, unknown.ExitCode);
            Assert.StartsWith("error: nothing was sent, tracked or reported for campaign", unknown.Error.Trim(), StringComparison.Ordinal);
            Assert.Single(unknown.Error.Trim().Split('\n'));
        }
        finally
        {
            File.Delete(png);
        }
    }

    private async Task<(int ExitCode, string Output, string Error)> EngageAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "engage.dll") }.Concat(args).Concat(["--storage", host.ConnectionString]))
        {
            start.ArgumentList.Add(arg);
        }

        // The deployment's secrets, as with --storage they come from the environment.
        start.Environment["Ingestion__PseudonymSecret"] = "e2e-pseudonym-secret-0123456789";
        start.Environment["Admin__Key"] = HostFixture.AdminKey;
        start.Environment["Consent__FormSecret"] = HostFixture.ConsentFormSecret;
        start.Environment["Campaigns__TrackingSecret"] = HostFixture.CampaignTrackingSecret;
        start.Environment["COLUMNS"] = "240";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
