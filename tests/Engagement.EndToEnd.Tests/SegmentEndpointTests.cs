using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>The segments API over real HTTP, as a marketer's tool would use it.</summary>
[Collection(RunningHost.Name)]
public sealed class SegmentEndpointTests(HostFixture host)
{
    [Fact]
    public async Task ASavedSegmentIsReadBackAndPreviewedWithItsMembers()
    {
        var run = Guid.NewGuid().ToString("N");
        using (var track = await SendAsync(HttpMethod.Post, "/v1/batch", Fill("""
            {"batch":[
              {"type":"identify","userId":"buyer-RUN","traits":{"cohort":"RUN","plan":"gold"}},
              {"type":"track","userId":"buyer-RUN","event":"Order Completed","properties":{"total":240}},
              {"type":"identify","userId":"browser-RUN","traits":{"cohort":"RUN","plan":"gold"}}
            ]}
            """, run), admin: false, basic: true))
        {
            Assert.Equal(HttpStatusCode.OK, track.StatusCode);
        }

        await host.WaitForProfileAsync($"buyer-{run}", p => (long?)p["countsByEvent"]?["Order Completed"] == 1);
        await host.WaitForProfileAsync($"browser-{run}", p => (string?)p["traits"]?["plan"] == "gold");

        using var created = await SendAsync(HttpMethod.Post, "/api/segments", Fill("""
            {"name":"Gold buyers RUN","description":"Ordered over 200 in the last week","rule":{"all":[
              {"trait":{"path":"cohort","op":"eq","value":"RUN"}},
              {"event":{"name":"Order Completed","within":"P7D","property":{"path":"total","op":"gt","value":200}}}
            ]}}
            """, run));
        var saved = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = (string)saved["id"]!;
        using var read = await SendAsync(HttpMethod.Get, $"/api/segments/{id}");
        var readBack = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;
        using var previewed = await SendAsync(HttpMethod.Get, $"/api/segments/{id}/preview?sample=5");
        var preview = JsonNode.Parse(await previewed.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/segments/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(1, (int)saved["version"]!);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("\"v1\"", read.Headers.ETag?.ToString());
        Assert.Equal($"Gold buyers {run}", (string?)readBack["name"]);
        Assert.Equal("P7D", (string?)readBack["definition"]!["rule"]!["all"]![1]!["event"]!["within"]);
        Assert.Equal(HttpStatusCode.OK, previewed.StatusCode);
        Assert.Equal(1, (long)preview["count"]!);
        Assert.Equal($"buyer-{run}", (string?)preview["sample"]!.AsArray().Single()!["userId"]);
    }

    [Fact]
    public async Task ARetriedCreateWithTheSameIdempotencyKeySavesOneSegment()
    {
        var key = Guid.NewGuid().ToString("N");
        const string Body = """{"name":"Anyone gold","rule":{"trait":{"path":"plan","op":"eq","value":"gold"}}}""";

        using var first = await SendAsync(HttpMethod.Post, "/api/segments", Body, idempotencyKey: key);
        using var retry = await SendAsync(HttpMethod.Post, "/api/segments", Body, idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal((string?)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"], (string?)JsonNode.Parse(await retry.Content.ReadAsStringAsync())!["id"]);
    }

    [Fact]
    public async Task ABadDefinitionIsRefusedWithEveryErrorAndItsPath()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/segments", """
            {"name":"Broken","rule":{"any":[
              {"trait":{"path":"plan","op":"eq","value":"gold"}},
              {"segment":{"id":"no-such-segment"}},
              {"event":{"name":"Order Completed","within":"P3X"}},
              {"consent":{"purpose":"marketing","status":"maybe"}}
            ]}}
            """);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = problem["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("$.rule.any[2].event.within: \"P3X\" is not a duration", errors[0], StringComparison.Ordinal);
        Assert.Equal("$.rule.any[3].consent.status: \"maybe\" is not one of granted, denied, none", errors[1]);
    }

    [Fact]
    public async Task AReferenceToAnUnknownSegmentIsRefusedWithItsPath()
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/segments", """{"name":"Ref","rule":{"not":{"segment":{"id":"no-such-segment"}}}}""");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("$.rule.not.segment.id: no segment \"no-such-segment\"", (string?)problem["errors"]![0]);
    }

    [Fact]
    public async Task AChangeThatWouldMakeACycleIsRefusedAndAStaleChangeIsPreconditionFailed()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        using var a = await SendAsync(HttpMethod.Post, "/api/segments", Fill("""{"id":"a-RUN","name":"A","rule":{"trait":{"path":"plan","op":"exists"}}}""", run));
        using var b = await SendAsync(HttpMethod.Post, "/api/segments", Fill("""{"id":"b-RUN","name":"B","rule":{"segment":{"id":"a-RUN"}}}""", run));

        using var cycle = await SendAsync(HttpMethod.Put, $"/api/segments/a-{run}", Fill("""{"name":"A","rule":{"segment":{"id":"b-RUN"}}}""", run));
        using var changed = await SendAsync(HttpMethod.Put, $"/api/segments/a-{run}", """{"name":"A2","rule":{"trait":{"path":"plan","op":"eq","value":"gold"}}}""", ifMatch: "\"v1\"");
        using var stale = await SendAsync(HttpMethod.Put, $"/api/segments/a-{run}", """{"name":"A3","rule":{"trait":{"path":"plan","op":"exists"}}}""", ifMatch: "\"v1\"");

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, cycle.StatusCode);
        Assert.Equal($"$.rule.segment.id: \"b-{run}\" leads back to this segment (a-{run} → b-{run} → a-{run})", (string?)JsonNode.Parse(await cycle.Content.ReadAsStringAsync())!["errors"]![0]);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("\"v2\"", changed.Headers.ETag?.ToString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"id":"Has Spaces","name":"x","rule":{"any":[]}}""", "is not a segment id")]
    [InlineData("""[]""", "must be an object")]
    public async Task MalformedBodiesAreRefused(string body, string named)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/segments", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SegmentsNeedTheAdminKeyAndUnknownOnesAreNotFound()
    {
        using var anonymous = await SendAsync(HttpMethod.Post, "/api/segments", """{"name":"x","rule":{"any":[]}}""", admin: false);
        using var unknown = await SendAsync(HttpMethod.Get, "/api/segments/no-such-segment");
        using var unknownPreview = await SendAsync(HttpMethod.Get, "/api/segments/no-such-segment/preview");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownPreview.StatusCode);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("101")]
    public async Task AnOutOfRangeSampleIsRefused(string sample)
    {
        using var created = await SendAsync(HttpMethod.Post, "/api/segments", """{"name":"Nobody","rule":{"any":[]}}""");
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;

        using var response = await SendAsync(HttpMethod.Get, $"/api/segments/{id}/preview?sample={sample}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sample must be a whole number from 0 to 100", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Fill(string template, string run) => template.Replace("RUN", run, StringComparison.Ordinal);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, bool admin = true, bool basic = false, string? idempotencyKey = null, string? ifMatch = null)
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

        if (basic)
        {
            request.Headers.Authorization = host.Basic();
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return host.Client.SendAsync(request);
    }
}
