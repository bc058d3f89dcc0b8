using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.Core.Tracking;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Sources;
using Engagement.Infrastructure.Streaming;
using Engagement.Infrastructure.Tracking;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Tracking;

/// <summary>The tracking API without HTTP: what the hosts' endpoints hand to <see cref="TrackingIntake"/>.</summary>
[Collection(SharedAzurite.Name)]
public sealed class TrackingIntakeTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task GzipBatchIsAcceptedQueuedAndIngested()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (source, key) = await AddSourceAsync(host);
        var userId = UniqueId.New("user");
        var body = StorageProbe.Gzip(Batch(userId, 3).ToJsonString());

        var reply = await SendAsync(host, TrackingEndpoint.Batch, body, new TrackingHeaders(Basic(key), "gzip", null, null));

        Assert.Equal(200, reply.Status);
        Assert.True(reply.Accepted!.Success);
        Assert.Null(reply.Accepted.Rejected);
        var queued = StreamCodec.Decode(Assert.Single(await host.PeekStreamAsync()).Body.ToArray()).Batch!;
        Assert.Equal(source, queued.SourceId);
        Assert.Equal(3, queued.Events.Count);
        Assert.All(queued.Events, e => Assert.Equal(source, e.SourceId));

        await host.Get<QueueStreamConsumer>().PumpOnceAsync();

        var profile = await host.Get<ProfileQuery>().GetAsync(userId);
        Assert.NotNull(profile);
        Assert.Equal(3, profile.EventCount);
        Assert.Equal(3, profile.CountsByEvent["Order Completed"]);
    }

    [Fact]
    public async Task GzipBodyIsRecognisedWithoutContentEncoding()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (_, key) = await AddSourceAsync(host);

        var reply = await SendAsync(host, TrackingEndpoint.Batch, StorageProbe.Gzip(Batch(UniqueId.New("user"), 1).ToJsonString()), new TrackingHeaders(Basic(key), null, null, null));

        Assert.Equal(200, reply.Status);
    }

    [Theory]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task OtherCompressionsAreAccepted(string encoding)
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (_, key) = await AddSourceAsync(host);
        var json = Encoding.UTF8.GetBytes(Batch(UniqueId.New("user"), 2).ToJsonString());

        var reply = await SendAsync(host, TrackingEndpoint.Batch, Compress(json, encoding), new TrackingHeaders(Basic(key), encoding, null, null));

        Assert.Equal(200, reply.Status);
        Assert.Equal(2, StreamCodec.Decode(Assert.Single(await host.PeekStreamAsync()).Body.ToArray()).Batch!.Events.Count);
    }

    [Fact]
    public async Task TextPlainBodyWithTheWriteKeyInsideIsAcceptedAndIngested()
    {
        // navigator.sendBeacon sends text/plain without headers; the key travels in the body.
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (_, key) = await AddSourceAsync(host);
        var anonymousId = UniqueId.New("anon");
        var message = new JsonObject
        {
            ["writeKey"] = key,
            ["anonymousId"] = anonymousId,
            ["name"] = "Zájezdy",
            ["properties"] = new JsonObject { ["url"] = "https://www.cestovka.cz/zajezdy/recko" },
        };

        var reply = await SendAsync(host, TrackingEndpoint.Page, Encoding.UTF8.GetBytes(message.ToJsonString()), new TrackingHeaders(null, null, null, null));
        await host.Get<QueueStreamConsumer>().PumpOnceAsync();

        Assert.Equal(200, reply.Status);
        var profile = (await host.Get<ProfileQuery>().GetAsync(anonymousId))!;
        Assert.Equal(1, profile.CountsByType["page"]);
        Assert.Equal(1, profile.Pages["www.cestovka.cz/zajezdy/recko"]);
    }

    [Fact]
    public async Task WrongKeyIsUnauthorized()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        await AddSourceAsync(host);
        var body = Encoding.UTF8.GetBytes(Batch(UniqueId.New("user"), 1).ToJsonString());

        var inHeader = await SendAsync(host, TrackingEndpoint.Batch, body, new TrackingHeaders(Basic("wk_not-a-key-of-any-source"), null, null, null));
        var withKey = Batch(UniqueId.New("user"), 1);
        withKey["writeKey"] = "wk_not-a-key-either";
        var inBody = await SendAsync(host, TrackingEndpoint.Batch, Encoding.UTF8.GetBytes(withKey.ToJsonString()), new TrackingHeaders(null, null, null, null));

        Assert.Equal(401, inHeader.Status);
        Assert.Equal(401, inBody.Status);
        Assert.Contains("not known", inHeader.Problem!.Detail, StringComparison.Ordinal);
        Assert.Empty(await host.PeekStreamAsync());
    }

    [Fact]
    public async Task MissingKeyIsUnauthorized()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        await AddSourceAsync(host);

        var reply = await SendAsync(host, TrackingEndpoint.Batch, Encoding.UTF8.GetBytes(Batch(UniqueId.New("user"), 1).ToJsonString()), new TrackingHeaders(null, null, null, null));

        Assert.Equal(401, reply.Status);
        Assert.Equal("Unauthorized", reply.Problem!.Title);
        Assert.Empty(await host.PeekStreamAsync());
    }

    [Fact]
    public async Task BatchOverTheEventLimitIsRejected()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (_, key) = await AddSourceAsync(host);

        var reply = await SendAsync(host, TrackingEndpoint.Batch, Encoding.UTF8.GetBytes(Batch(UniqueId.New("user"), 2501).ToJsonString()), new TrackingHeaders(Basic(key), null, null, null));

        Assert.Equal(400, reply.Status);
        Assert.Equal("Batch too large", reply.Problem!.Title);
        Assert.Empty(await host.PeekStreamAsync());
    }

    [Fact]
    public async Task PartlyInvalidBatchIsAcceptedAndItsInvalidMessagesDeadLettered()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (source, key) = await AddSourceAsync(host);
        var badId = UniqueId.New("bad");
        var batch = Batch(UniqueId.New("user"), 2);
        batch["batch"]!.AsArray().Add(new JsonObject { ["type"] = "track", ["userId"] = "u", ["messageId"] = badId });

        var reply = await SendAsync(host, TrackingEndpoint.Batch, Encoding.UTF8.GetBytes(batch.ToJsonString()), new TrackingHeaders(Basic(key), null, null, null));

        Assert.Equal(200, reply.Status);
        var rejected = Assert.Single(reply.Accepted!.Rejected!);
        Assert.Equal(2, rejected.Index);
        Assert.Equal(badId, rejected.MessageId);
        Assert.Equal(2, StreamCodec.Decode(Assert.Single(await host.PeekStreamAsync()).Body.ToArray()).Batch!.Events.Count);
        var (_, letter) = Assert.Single(await host.DeadLettersAsync("tracking", badId));
        Assert.Equal(source, letter.SourceId);
        Assert.Contains("\"event\"", letter.Reason, StringComparison.Ordinal);
        Assert.Contains(badId, letter.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedBodyWithoutAKeyIsABadRequestNotUnauthorized()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();

        var reply = await SendAsync(host, TrackingEndpoint.Track, Encoding.UTF8.GetBytes("{\"userId\":"), new TrackingHeaders(null, null, null, null));

        Assert.Equal(400, reply.Status);
        Assert.Equal("Malformed JSON", reply.Problem!.Title);
    }

    [Fact]
    public async Task BrokenCompressionIsABadRequest()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (_, key) = await AddSourceAsync(host);
        var gzip = StorageProbe.Gzip(Batch(UniqueId.New("user"), 1).ToJsonString());

        var truncated = await SendAsync(host, TrackingEndpoint.Batch, [.. gzip.AsSpan(0, 12)], new TrackingHeaders(Basic(key), "gzip", null, null));
        var unsupported = await SendAsync(host, TrackingEndpoint.Batch, Encoding.UTF8.GetBytes(Batch(UniqueId.New("user"), 1).ToJsonString()), new TrackingHeaders(Basic(key), "zstd", null, null));

        Assert.Equal(400, truncated.Status);
        Assert.Equal(400, unsupported.Status);
        Assert.Equal("Unsupported encoding", unsupported.Problem!.Title);
    }

    [Fact]
    public async Task BodyThatDecompressesPastTheLimitIsRejected()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (_, key) = await AddSourceAsync(host);
        var bomb = StorageProbe.Gzip("{\"batch\":[" + new string(' ', 2_000_000) + "]}");

        var reply = await SendAsync(host, TrackingEndpoint.Batch, bomb, new TrackingHeaders(Basic(key), "gzip", null, null));

        Assert.Equal(400, reply.Status);
        Assert.Equal("Request too large", reply.Problem!.Title);
    }

    [Fact]
    public async Task AnonymousIdAndSentAtHeadersAreUsed()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var (_, key) = await AddSourceAsync(host);
        var anonymousId = UniqueId.New("anon");
        var body = new JsonObject { ["event"] = "Clicked", ["timestamp"] = "2020-01-01T00:00:00Z" };

        var reply = await SendAsync(host, TrackingEndpoint.Track, Encoding.UTF8.GetBytes(body.ToJsonString()), new TrackingHeaders(Basic(key), null, "2020-01-01T00:00:00Z", anonymousId));

        Assert.Equal(200, reply.Status);
        var ev = Assert.Single(StreamCodec.Decode(Assert.Single(await host.PeekStreamAsync()).Body.ToArray()).Batch!.Events);
        Assert.Equal(anonymousId, ev.AnonymousId);
        // sentAt equals the event time: the event happened as it was sent, i.e. when it was received.
        Assert.Equal(ev.ReceivedAt, ev.Timestamp);
    }

    [Fact]
    public async Task UnknownSourceNameOrKeyIsNotAdded()
    {
        var registry = azurite.Services.Get<SourceRegistry>();
        var name = SourceName();

        var badName = await registry.AddAsync("Not A Name");
        var shortKey = await registry.AddAsync(name, "short");
        var added = await registry.AddAsync(name, "a-custom-key-of-enough-length");
        var again = await registry.AddAsync(name);

        Assert.NotNull(badName.Error);
        Assert.NotNull(shortKey.Error);
        Assert.Null(added.Error);
        Assert.Equal(name, await registry.AuthenticateAsync("a-custom-key-of-enough-length"));
        Assert.Contains("exists already", again.Error, StringComparison.Ordinal);
    }

    private static async Task<(string Source, string Key)> AddSourceAsync(EngagementServices host)
    {
        var added = await host.Get<SourceRegistry>().AddAsync(SourceName());
        Assert.Null(added.Error);
        return (added.Source!.Name, added.WriteKey!);
    }

    private static string SourceName() => "web-" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<TrackingReply> SendAsync(EngagementServices host, TrackingEndpoint endpoint, byte[] body, TrackingHeaders headers)
    {
        using var stream = new MemoryStream(body);
        return await host.Get<TrackingIntake>().HandleAsync(endpoint, stream, headers);
    }

    private static string Basic(string key) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":"));

    private static JsonObject Batch(string userId, int count)
    {
        var messages = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            messages.Add(new JsonObject
            {
                ["type"] = "track",
                ["userId"] = userId,
                ["event"] = "Order Completed",
                ["messageId"] = UniqueId.New("m"),
                ["properties"] = new JsonObject { ["total"] = 100 + i },
            });
        }

        return new JsonObject { ["batch"] = messages };
    }

    private static byte[] Compress(byte[] data, string encoding)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding == "br"
            ? new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true)
            : new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            compressor.Write(data);
        }

        return output.ToArray();
    }
}
