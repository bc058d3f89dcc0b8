using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

[Collection(RunningHost.Name)]
public sealed class MalformedRequestTests(HostFixture host)
{
    public static TheoryData<string, string, byte[], string?, HttpStatusCode, string> Corpus()
    {
        var valid = """{"type":"track","event":"Clicked","anonymousId":"a1"}""";
        var deep = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            deep.Append("{\"a\":");
        }

        deep.Append('1').Append('}', 200);
        var tooMany = "{\"batch\":[" + string.Join(',', Enumerable.Repeat(valid, 2501)) + "]}";
        var oversize = "{\"batch\":[" + string.Join(',', Enumerable.Repeat("""{"type":"track","event":"E","anonymousId":"a","properties":{"p":"PAD"}}""".Replace("PAD", new string('x', 30_000), StringComparison.Ordinal), 20)) + "]}";
        var hugeString = """{"event":"E","anonymousId":"a","properties":{"note":"PAD"}}""".Replace("PAD", new string('y', 40_000), StringComparison.Ordinal);
        return new TheoryData<string, string, byte[], string?, HttpStatusCode, string>
        {
            { "not JSON", "/v1/track", Bytes("{\"event\": \"E\", "), null, HttpStatusCode.BadRequest, "Malformed JSON" },
            { "a JSON array", "/v1/track", Bytes("[1,2,3]"), null, HttpStatusCode.BadRequest, "Malformed request" },
            { "empty body", "/v1/track", [], null, HttpStatusCode.BadRequest, "Empty body" },
            { "userId of the wrong type", "/v1/track", Bytes("""{"event":"E","userId":{"id":1}}"""), null, HttpStatusCode.BadRequest, "Invalid event" },
            { "properties of the wrong type", "/v1/track", Bytes("""{"event":"E","anonymousId":"a","properties":"x"}"""), null, HttpStatusCode.BadRequest, "Invalid event" },
            { "track without event", "/v1/track", Bytes("""{"anonymousId":"a"}"""), null, HttpStatusCode.BadRequest, "Invalid event" },
            { "no user or anonymous id", "/v1/page", Bytes("""{"name":"Home"}"""), null, HttpStatusCode.BadRequest, "Invalid event" },
            { "a timestamp that is not a date", "/v1/track", Bytes("""{"event":"E","anonymousId":"a","timestamp":"soon"}"""), null, HttpStatusCode.BadRequest, "Invalid event" },
            { "batch without batch array", "/v1/batch", Bytes("""{"events":[]}"""), null, HttpStatusCode.BadRequest, "Malformed batch" },
            { "batch over 2,500 events", "/v1/batch", Bytes(tooMany), null, HttpStatusCode.BadRequest, "Batch too large" },
            { "request over 500 KB", "/v1/batch", Bytes(oversize), null, HttpStatusCode.BadRequest, "Request too large" },
            { "event over 32 KB", "/v1/track", Bytes(hugeString), null, HttpStatusCode.BadRequest, "Invalid event" },
            { "nesting too deep", "/v1/track", Bytes(deep.ToString()), null, HttpStatusCode.BadRequest, "JSON nested too deeply" },
            { "invalid UTF-8", "/v1/track", [.. Bytes("{\"event\":\""), 0xC3, 0x28, .. Bytes("\",\"anonymousId\":\"a\"}")], null, HttpStatusCode.BadRequest, "Malformed JSON" },
            { "bad gzip", "/v1/batch", [0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03], "gzip", HttpStatusCode.BadRequest, "Malformed compression" },
            { "gzip bomb", "/v1/batch", Gzip(new string(' ', 2_000_000)), "gzip", HttpStatusCode.BadRequest, "Request too large" },
            { "unknown encoding", "/v1/batch", Bytes(valid), "compress", HttpStatusCode.BadRequest, "Unsupported encoding" },
            { "unknown call", "/v1/purchase", Bytes(valid), null, HttpStatusCode.NotFound, "Unknown tracking call" },
        };
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task MalformedRequestGetsAClearClientError(string description, string path, byte[] body, string? encoding, HttpStatusCode expected, string title)
    {
        using var response = await PostAsync(path, body, host.Basic(), encoding);

        Assert.True(expected == response.StatusCode, $"{description}: expected {(int)expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(title, (string?)problem["title"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        await AssertHostStillHealthyAsync();
    }

    [Fact]
    public async Task MissingWriteKeyIsUnauthorized()
    {
        using var response = await PostAsync("/v1/track", Bytes("""{"event":"E","anonymousId":"a"}"""), auth: null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task WrongWriteKeyIsUnauthorized()
    {
        using var basic = await PostAsync("/v1/track", Bytes("""{"event":"E","anonymousId":"a"}"""), host.Basic("wk_not_a_real_key_at_all"));
        using var inBody = await PostAsync("/v1/track", Bytes("""{"event":"E","anonymousId":"a","writeKey":"wk_wrong_key_0000000"}"""), auth: null);
        Assert.Equal(HttpStatusCode.Unauthorized, basic.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, inBody.StatusCode);
    }

    [Fact]
    public async Task WriteKeyInTheBodyIsAccepted()
    {
        var run = Guid.NewGuid().ToString("N");
        using var response = await PostAsync("/t", Bytes($$"""{"event":"E","anonymousId":"body-{{run}}","writeKey":"{{host.WriteKey}}"}"""), auth: null, contentType: "text/plain");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((bool?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["success"]);
        await host.WaitForProfileAsync($"body-{run}", p => (long?)p["eventCount"] == 1);
    }

    [Fact]
    public async Task BatchWithSomeInvalidMessagesKeepsTheValidOnes()
    {
        var run = Guid.NewGuid().ToString("N");
        var body = $$"""{"batch":[{"type":"track","event":"Good","anonymousId":"mix-{{run}}","messageId":"g-{{run}}"},{"type":"track","anonymousId":"mix-{{run}}"},{"type":"nonsense","anonymousId":"x"}]}""";
        using var response = await PostAsync("/v1/batch", Bytes(body), host.Basic());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal([1, 2], reply["rejected"]!.AsArray().Select(r => (int)r!["index"]!));
        await host.WaitForProfileAsync($"mix-{run}", p => (long?)p["eventCount"] == 1);
    }

    [Fact]
    public async Task ManagementCallsNeedTheAdminKey()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetProfileAsync("anyone", adminKey: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetProfileAsync("anyone", adminKey: "wrong-admin-key-000000")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await host.GetProfileAsync("nobody-" + Guid.NewGuid())).Status);
    }

    [Fact]
    public async Task BrowserPreflightAllowsTheTrackingHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/v1/batch");
        request.Headers.Add("Origin", "https://www.example-finance.cz");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,anonymousid,sentat");
        using var response = await host.Client.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, $"preflight answered {(int)response.StatusCode}");
        Assert.Equal("https://www.example-finance.cz", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowed = string.Join(',', response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        foreach (var header in new[] { "authorization", "content-type", "anonymousid", "sentat" })
        {
            Assert.Contains(header, allowed, StringComparison.Ordinal);
        }
    }

    private async Task AssertHostStillHealthyAsync()
    {
        using var health = await host.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body, AuthenticationHeaderValue? auth, string? encoding = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (encoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(encoding);
        }

        request.Headers.Authorization = auth;
        return await host.Client.SendAsync(request);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }
}
