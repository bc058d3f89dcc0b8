using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>The consent API over real HTTP, as a call centre or store system would use it.</summary>
[Collection(RunningHost.Name)]
public sealed class ConsentEndpointTests(HostFixture host)
{
    private static JsonObject CallCentreGrant(string subject, string? requestId = null, string decision = "granted", string decidedAt = "2026-11-20T10:15:00Z") => new()
    {
        ["subject"] = subject,
        ["purpose"] = "marketing",
        ["channel"] = "phone",
        ["decision"] = decision,
        ["basis"] = "consent",
        ["capturedVia"] = "callCentre",
        ["decidedAt"] = decidedAt,
        ["text"] = new JsonObject { ["textId"] = "marketing-phone", ["version"] = 2, ["language"] = "cs", ["sha256"] = new string('a', 64) },
        ["evidence"] = new JsonObject { ["agentId"] = "agent-17", ["callId"] = "call-" + Guid.NewGuid().ToString("N") },
        ["sourceSystem"] = "call-centre",
        ["requestId"] = requestId,
    };

    [Fact]
    public async Task ADecisionIsRecordedOnceAndWithdrawalShowsInTheStatusAndHistory()
    {
        var subject = "cust-" + Guid.NewGuid().ToString("N");
        var body = CallCentreGrant(subject, requestId: "req-1");

        using var first = await PostAsync(body);
        using var repeat = await PostAsync(body);
        using var withdrawal = await PostAsync(CallCentreGrant(subject, decision: "withdrawn", decidedAt: "2026-11-21T08:00:00Z"));
        using var read = await GetAsync(subject);
        var report = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.True((bool)JsonNode.Parse(await repeat.Content.ReadAsStringAsync())!["repeated"]!);
        Assert.Equal(HttpStatusCode.Created, withdrawal.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(2, report["history"]!.AsArray().Count);
        Assert.True((bool)report["chainIntact"]!);
        var status = report["status"]!.AsArray().Single()!;
        Assert.Equal("withdrawn", (string?)status["decision"]);
        Assert.Equal("phone", (string?)status["channel"]);
        Assert.Equal("agent-17", (string?)report["history"]![0]!["request"]!["evidence"]!["agentId"]);
        Assert.DoesNotContain(subject, (string?)report["history"]![0]!["request"]!["subjectKey"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("evidence", "agentId and callId")]
    [InlineData("text", "text shown")]
    [InlineData("decision", "decision")]
    public async Task AnIncompleteDecisionIsRefusedWithWhatIsMissing(string removed, string named)
    {
        var body = CallCentreGrant("cust-" + Guid.NewGuid().ToString("N"));
        body.Remove(removed);

        using var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"subject":"x","decision":"maybe"}""")]
    [InlineData("""{"subject":"x","unknownField":1}""")]
    [InlineData("""not json""")]
    public async Task MalformedBodiesAreRefused(string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/consents") { Content = new StringContent(text, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ConsentsNeedTheAdminKeyAndAnUnknownSubjectIsNotFound()
    {
        using var anonymous = await host.Client.PostAsJsonAsync("/api/consents", CallCentreGrant("cust-x"));
        using var unknown = await GetAsync("cust-" + Guid.NewGuid().ToString("N"));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/consents") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }

    private Task<HttpResponseMessage> GetAsync(string subject)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/consents/{Uri.EscapeDataString(subject)}");
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }
}
