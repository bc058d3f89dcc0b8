using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Testing;

namespace Engagement.EndToEnd.Tests;

/// <summary>
/// SMS consent over real HTTP: a consent request SMS through the local Communication Services route, and the reply
/// arriving at the Event Grid webhook as Event Grid would deliver it.
/// </summary>
[Collection(RunningHost.Name)]
public sealed class CommunicationWebhookTests(HostFixture host)
{
    private static string NewSubject() => "cust-" + Guid.NewGuid().ToString("N");

    private static string NewPhone() => "+420" + Random.Shared.Next(600_000_000, 799_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task<(HttpStatusCode Status, JsonNode? Body, string? MediaType)> PostAsync(string path, string json, bool admin = true, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (admin)
        {
            request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        using var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response.Content.Headers.ContentType?.MediaType);
    }

    private Task<(HttpStatusCode Status, JsonNode? Body, string? MediaType)> DeliverAsync(string events, string? key = HostFixture.WebhookKey, IDictionary<string, string>? headers = null) =>
        PostAsync(key is null ? "/api/events/communication" : $"/api/events/communication?key={Uri.EscapeDataString(key)}", events, admin: false, headers: headers);

    private async Task PutContactAsync(string subject, string phone)
    {
        var (status, _, _) = await SendPutAsync(subject, $$"""{"phone":"{{phone}}","provenance":"order"}""");
        Assert.Equal(HttpStatusCode.Created, status);
    }

    private async Task<(HttpStatusCode, JsonNode?, string?)> SendPutAsync(string subject, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/contacts/{subject}") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        using var response = await host.Client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()), null);
    }

    private async Task<JsonNode> ConsentsAsync(string subject)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/consents/{subject}");
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task TheValidationHandshakeIsAnsweredWithTheCode()
    {
        var byEvent = await DeliverAsync(LocalSmsService.ValidationEvent("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"));
        var byHeader = await DeliverAsync(LocalSmsService.ValidationEvent("code-2"), headers: new Dictionary<string, string> { ["aeg-event-type"] = "SubscriptionValidation" });

        Assert.Equal(HttpStatusCode.OK, byEvent.Status);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", (string?)byEvent.Body!["validationResponse"]);
        Assert.Equal("code-2", (string?)byHeader.Body!["validationResponse"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-webhook-key-0000")]
    public async Task TheWebhookNeedsItsKey(string? key)
    {
        var (status, _, mediaType) = await DeliverAsync(LocalSmsService.ValidationEvent("code"), key);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("application/problem+json", mediaType);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("42")]
    [InlineData("[]")]
    [InlineData("""[{"subject":"x"}]""")]
    [InlineData("""[{"id":"1","eventType":"Microsoft.Communication.SMSReceived","data":{"from":"420777123456"}}]""")]
    public async Task AMalformedDeliveryIsAProblemNotAFailure(string body)
    {
        var (status, problem, mediaType) = await DeliverAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem!["detail"]));
    }

    [Fact]
    public async Task AConsentRequestSmsAnsweredAnoRecordsConsentOnceWithTheTextItAskedWith()
    {
        var (subject, phone) = (NewSubject(), NewPhone());
        await PutContactAsync(subject, phone);
        var ask = $$"""{"subject":"{{subject}}","purposes":["marketing"],"language":"cs","requestId":"crm-ask-1"}""";

        var sent = await PostAsync("/api/consent-requests/sms", ask);
        var resent = await PostAsync("/api/consent-requests/sms", ask);
        var sms = Assert.Single(host.Sms.Messages, m => m.To == phone);
        var reply = LocalSmsService.SmsReceivedEvent(phone, host.Sms.OurNumber, "ano", "Incoming_" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow);
        var delivered = await DeliverAsync(reply);
        var redelivered = await DeliverAsync(reply);
        var consents = await ConsentsAsync(subject);

        Assert.Equal(HttpStatusCode.Accepted, sent.Status);
        Assert.Equal(HttpStatusCode.OK, resent.Status);
        Assert.True((bool)resent.Body!["repeated"]!);
        Assert.Contains("Souhlasím se zasíláním obchodních sdělení a nabídek formou SMS", sms.Message, StringComparison.Ordinal);
        Assert.Contains("ANO", sms.Message, StringComparison.Ordinal);
        Assert.Contains("STOP", sms.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, delivered.Status);
        Assert.Equal("granted", (string?)delivered.Body!["replies"]![0]!["outcome"]);
        Assert.True((bool)redelivered.Body!["replies"]![0]!["repeated"]!);
        var record = Assert.Single(consents["history"]!.AsArray())!["request"]!;
        Assert.Equal(("granted", "sms", "replySms"), ((string?)record["decision"], (string?)record["channel"], (string?)record["capturedVia"]));
        Assert.Equal("marketing-sms", (string?)record["text"]!["textId"]);
        Assert.Equal((string?)sent.Body!["asked"]![0]!["text"]!["sha256"], (string?)record["text"]!["sha256"]);
        Assert.StartsWith("Incoming_", (string?)record["evidence"]!["smsMessageId"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopByReplySmsMakesTheNextConsentRequestAConflict()
    {
        var (subject, phone) = (NewSubject(), NewPhone());
        await PutContactAsync(subject, phone);

        var stopped = await DeliverAsync(LocalSmsService.SmsReceivedEvent(phone, host.Sms.OurNumber, "STOP", "Incoming_" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow));
        var ask = await PostAsync("/api/consent-requests/sms", $$"""{"subject":"{{subject}}","purposes":["marketing"],"language":"cs","requestId":"after-stop"}""");

        Assert.Equal("stopped", (string?)stopped.Body!["replies"]![0]!["outcome"]);
        Assert.Equal(HttpStatusCode.Conflict, ask.Status);
        Assert.Contains("stopReply", (string?)ask.Body!["detail"], StringComparison.Ordinal);
        Assert.DoesNotContain(host.Sms.Messages, m => m.To == phone);
    }

    [Theory]
    [InlineData("""{"purposes":["marketing"],"requestId":"r"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"subject":"SUBJECT","purposes":[],"requestId":"r"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"subject":"SUBJECT","purposes":["horoscopes"],"requestId":"r"}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"subject":"SUBJECT","purposes":["marketing"]}""", HttpStatusCode.BadRequest)]
    [InlineData("""{"subject":"SUBJECT","purposes":["marketing"],"requestId":"r"}""", HttpStatusCode.NotFound)]
    public async Task AConsentRequestThatCannotBeSentSaysWhy(string body, HttpStatusCode expected)
    {
        var (status, problem, mediaType) = await PostAsync("/api/consent-requests/sms", body.Replace("SUBJECT", NewSubject(), StringComparison.Ordinal));

        Assert.Equal(expected, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem!["detail"]));
    }
}
