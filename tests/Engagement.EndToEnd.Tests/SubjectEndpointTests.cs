using System.Net;
using System.Text.Json.Nodes;
using Engagement.Core.Events;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Infrastructure.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.EndToEnd.Tests;

/// <summary>Subject rights over real HTTP: export, then erasure.</summary>
[Collection(RunningHost.Name)]
public sealed class SubjectEndpointTests(HostFixture host)
{
    [Fact]
    public async Task ASubjectCanBeExportedAndThenErased()
    {
        var userId = "subject-" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        await host.Services.GetRequiredService<IngestionHandler>().HandleAsync(
        [
            new EngagementEvent { MessageId = Guid.NewGuid().ToString("N"), Kind = EventKind.Identify, SourceId = "e2e", UserId = userId, TraitsJson = """{"email":"s@example.cz"}""", Timestamp = now, ReceivedAt = now },
            new EngagementEvent { MessageId = Guid.NewGuid().ToString("N"), Kind = EventKind.Track, SourceId = "e2e", UserId = userId, Name = "Order Completed", Timestamp = now, ReceivedAt = now },
        ]);

        using var export = await SendAsync(HttpMethod.Get, $"/api/subjects/{userId}/export");
        var body = JsonNode.Parse(await export.Content.ReadAsStringAsync())!;
        using var erase = await SendAsync(HttpMethod.Delete, $"/api/subjects/{userId}");
        using var again = await SendAsync(HttpMethod.Delete, $"/api/subjects/{userId}");
        var (profileStatus, _) = await host.GetProfileAsync(userId);
        using var exportAfter = await SendAsync(HttpMethod.Get, $"/api/subjects/{userId}/export");

        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal(["identify", "track"], body["events"]!.AsArray().Select(e => (string?)e!["kind"]).Order());
        Assert.Equal("s@example.cz", (string?)body["profile"]!["traits"]!["email"]);
        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, profileStatus);
        Assert.Equal(HttpStatusCode.NotFound, exportAfter.StatusCode);
    }

    [Fact]
    public async Task SubjectEndpointsNeedTheAdminKey()
    {
        using var export = await host.Client.GetAsync("/api/subjects/anyone/export");
        using var erase = await host.Client.DeleteAsync("/api/subjects/anyone");

        Assert.Equal(HttpStatusCode.Unauthorized, export.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, erase.StatusCode);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        return host.Client.SendAsync(request);
    }
}
