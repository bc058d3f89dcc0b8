using System.Security.Cryptography;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Streaming;

[Collection(SharedAzurite.Name)]
public sealed class StreamDeliveryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PoisonMessageIsDeadLettered()
    {
        var userId = UniqueId.New("user");
        var good = BatchFor(userId, 3);
        var garbage = Message(RandomNumberGenerator.GetBytes(300));
        var gzippedText = Message(StorageProbe.Gzip("this is not a stream envelope"));
        var missingClaim = Message(StreamCodec.EncodeClaim($"2026-11-22/{UniqueId.New("gone")}.json.gz"));
        var goodMessage = Message(StreamCodec.EncodeBatch(good));

        var result = await azurite.Services.Get<StreamDelivery>().HandleAsync([garbage, goodMessage, gzippedText, missingClaim]);

        Assert.Equal(3, result.UnreadableMessages);
        Assert.Equal(new IngestionResult(3, 3, 0, 0), result.Ingestion);
        Assert.Equal(3, (await azurite.Services.EventRowsAsync(IdentityRef.User(userId))).Count);
        foreach (var poison in new[] { garbage, gzippedText, missingClaim })
        {
            var (_, letter) = Assert.Single(await azurite.Services.DeadLettersAsync("stream", poison.Id));
            Assert.Equal("stream", letter.Stage);
            Assert.False(string.IsNullOrWhiteSpace(letter.Reason));
            Assert.Equal(poison.Body.ToArray(), Convert.FromBase64String(letter.Payload));
        }

        var (_, missing) = Assert.Single(await azurite.Services.DeadLettersAsync("stream", missingClaim.Id));
        Assert.Contains("does not exist", missing.Reason, StringComparison.Ordinal);
        Assert.Empty(await azurite.Services.DeadLettersAsync("stream", goodMessage.Id));
    }

    [Fact]
    public async Task CorruptClaimCheckIsDeadLetteredAndTheRestIngested()
    {
        var userId = UniqueId.New("user");
        var storage = azurite.Services.Get<EngagementStorage>();
        var notGzip = $"2026-11-22/{UniqueId.New("corrupt")}.json.gz";
        var notJson = $"2026-11-22/{UniqueId.New("corrupt")}.json.gz";
        await storage.StreamPayloads.UploadBlobAsync(notGzip, BinaryData.FromBytes(RandomNumberGenerator.GetBytes(200)));
        await storage.StreamPayloads.UploadBlobAsync(notJson, BinaryData.FromBytes(StorageProbe.Gzip("<batch/>")));
        var brokenBlob = Message(StreamCodec.EncodeClaim(notGzip));
        var brokenJson = Message(StreamCodec.EncodeClaim(notJson));
        var goodMessage = Message(StreamCodec.EncodeBatch(BatchFor(userId, 2)));

        var result = await azurite.Services.Get<StreamDelivery>().HandleAsync([brokenBlob, brokenJson, goodMessage]);

        Assert.Equal(2, result.UnreadableMessages);
        Assert.Equal(2, result.Ingestion.Stored);
        Assert.Single(await azurite.Services.DeadLettersAsync("stream", brokenBlob.Id));
        Assert.Single(await azurite.Services.DeadLettersAsync("stream", brokenJson.Id));
        Assert.DoesNotContain(notGzip, result.ClaimChecks);
    }

    [Fact]
    public async Task EnvelopeWithoutEventsIsDeadLettered()
    {
        var userId = UniqueId.New("user");
        var empty = Message(StorageProbe.Gzip("""{"batch":{"batchId":"b1","sourceId":"web"}}"""));
        var nothing = Message(StorageProbe.Gzip("{}"));
        var eventWithoutId = Message(StorageProbe.Gzip("""{"batch":{"batchId":"b2","sourceId":"web","events":[{"kind":"Track","sourceId":"web"}]}}"""));
        var goodMessage = Message(StreamCodec.EncodeBatch(BatchFor(userId, 1)));

        var result = await azurite.Services.Get<StreamDelivery>().HandleAsync([empty, nothing, eventWithoutId, goodMessage]);

        Assert.Equal(3, result.UnreadableMessages);
        Assert.Equal(1, result.Ingestion.Stored);
        Assert.Single(await azurite.Services.DeadLettersAsync("stream", empty.Id));
        Assert.Single(await azurite.Services.DeadLettersAsync("stream", nothing.Id));
        Assert.Single(await azurite.Services.DeadLettersAsync("stream", eventWithoutId.Id));
    }

    [Fact]
    public async Task DeliveryOfOnlyPoisonIngestsNothing()
    {
        var poison = Message([1, 2, 3]);

        var result = await azurite.Services.Get<StreamDelivery>().HandleAsync([poison]);

        Assert.Equal(1, result.UnreadableMessages);
        Assert.Equal(new IngestionResult(0, 0, 0, 0), result.Ingestion);
        Assert.Single(await azurite.Services.DeadLettersAsync("stream", poison.Id));
    }

    [Fact]
    public async Task ClaimCheckedBatchIsReadAndItsBlobReportedForDeletion()
    {
        var userId = UniqueId.New("user");
        var blobName = $"2026-11-22/{UniqueId.New("claim")}.json.gz";
        await azurite.Services.Get<EngagementStorage>().StreamPayloads.UploadBlobAsync(blobName, BinaryData.FromBytes(StreamCodec.EncodeBatch(BatchFor(userId, 4))));
        var delivery = azurite.Services.Get<StreamDelivery>();

        var result = await delivery.HandleAsync([Message(StreamCodec.EncodeClaim(blobName))]);
        await delivery.DeleteClaimChecksAsync(result.ClaimChecks);

        Assert.Equal(4, result.Ingestion.Stored);
        Assert.Equal([blobName], result.ClaimChecks);
        Assert.DoesNotContain(blobName, await azurite.Services.ClaimCheckBlobsAsync());
    }

    private static IngestionBatch BatchFor(string userId, int count) =>
        new(UniqueId.New("batch"), "test-site", Enumerable.Range(0, count).Select(i => EventBuilder.Track("Streamed").ForUser(userId).AtMinute(i).Build()).ToList());

    private static StreamMessage Message(byte[] body) => new(UniqueId.New("msg"), BinaryData.FromBytes(body));
}
