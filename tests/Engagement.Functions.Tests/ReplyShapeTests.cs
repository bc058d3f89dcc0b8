using System.Text;
using System.Text.Json;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Health;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Tracking;
using Microsoft.AspNetCore.Http;

namespace Engagement.Functions.Tests;

/// <summary>The HTTP answers both hosts send, as the Functions glue writes them.</summary>
public sealed class ReplyShapeTests
{
    [Fact]
    public async Task AcceptedTrackingCallAnswersSegmentsSuccessBody()
    {
        var (status, headers, body) = await WriteAsync(ReplyShape.FromTracking(new TrackingReply(200, new TrackingAccepted(true), null)));

        Assert.Equal(200, status);
        Assert.StartsWith("application/json", headers["Content-Type"].ToString(), StringComparison.Ordinal);
        Assert.Equal("""{"success":true}""", body);
    }

    [Fact]
    public async Task RejectedMessagesAreListedInTheAcceptedBody()
    {
        var reply = new TrackingReply(200, new TrackingAccepted(true, [new RejectedSummary(3, "m-3", "type is missing")]), null);

        var (_, _, body) = await WriteAsync(ReplyShape.FromTracking(reply));

        var rejected = JsonDocument.Parse(body).RootElement.GetProperty("rejected")[0];
        Assert.Equal(3, rejected.GetProperty("index").GetInt32());
        Assert.Equal("type is missing", rejected.GetProperty("error").GetString());
    }

    [Fact]
    public async Task RateLimitedCallIsAProblemWithRetryAfterInWholeSeconds()
    {
        var reply = new TrackingReply(429, null, new ApiProblem("Too many events", 429, "Retry after the delay."), TimeSpan.FromMilliseconds(1200));

        var (status, headers, body) = await WriteAsync(ReplyShape.FromTracking(reply));

        Assert.Equal(429, status);
        Assert.Equal(ApiProblem.ContentType, headers["Content-Type"].ToString());
        Assert.Equal("2", headers["Retry-After"].ToString());
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Too many events", problem.GetProperty("title").GetString());
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://httpstatuses.io/429", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnknownProfileIsA404Problem()
    {
        var (status, headers, body) = await WriteAsync(ReplyShape.FromProfile("user-1", null));

        Assert.Equal(404, status);
        Assert.Equal(ApiProblem.ContentType, headers["Content-Type"].ToString());
        Assert.Contains("user-1", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthyChecksAnswer200WithEveryPart()
    {
        var (status, _, body) = await WriteAsync(ReplyShape.FromHealth([new HealthCheck("table storage", true, null), new HealthCheck("blob storage", true, null)]));

        Assert.Equal(200, status);
        Assert.Equal(2, JsonDocument.Parse(body).RootElement.GetProperty("checks").GetArrayLength());
    }

    [Fact]
    public async Task UnhealthyCheckAnswers503NamingTheFailingPart()
    {
        var checks = new[] { new HealthCheck("table storage", true, null), new HealthCheck("event stream", false, "no answer within 5 s") };

        var (status, headers, body) = await WriteAsync(ReplyShape.FromHealth(checks));

        Assert.Equal(503, status);
        Assert.True(headers.ContainsKey("Retry-After"));
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Contains("event stream: no answer within 5 s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["event stream"], problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task EmptyAnswerHasNoBodyOrContentType()
    {
        var (status, headers, body) = await WriteAsync(ReplyShape.Empty(204).WithHeaders([KeyValuePair.Create("Vary", "Origin")]));

        Assert.Equal(204, status);
        Assert.False(headers.ContainsKey("Content-Type"));
        Assert.Equal("Origin", headers["Vary"].ToString());
        Assert.Empty(body);
    }

    private static async Task<(int Status, IHeaderDictionary Headers, string Body)> WriteAsync(ReplyShape shape)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await shape.WriteAsync(context.Response);

        return (context.Response.StatusCode, context.Response.Headers, Encoding.UTF8.GetString(body.ToArray()));
    }
}
