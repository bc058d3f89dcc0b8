using System.Security.Cryptography;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Streaming;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Streaming;

[Collection(SharedAzurite.Name)]
public sealed class QueueEventStreamProducerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SmallBatchTravelsInline()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var batch = BatchFor(UniqueId.New("user"), events: 3, randomBytesPerEvent: 100);

        await host.Get<IEventStreamProducer>().AppendAsync(batch);

        var message = Assert.Single(await host.PeekStreamAsync());
        var envelope = StreamCodec.Decode(message.Body.ToArray());
        Assert.Null(envelope.Claim);
        Assert.Equal(batch.BatchId, envelope.Batch!.BatchId);
        Assert.Equal(batch.Events, envelope.Batch.Events, EventsEqual);
    }

    [Fact]
    public async Task OversizeBatchGoesThroughClaimCheck()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var userId = UniqueId.New("user");
        // Random properties do not compress: 40 events of 3 KB random text are well over the inline limit.
        var batch = BatchFor(userId, events: 40, randomBytesPerEvent: 2_300);
        Assert.True(StreamCodec.EncodeBatch(batch).Length > QueueEventStreamProducer.MaxInlineBytes);

        await host.Get<IEventStreamProducer>().AppendAsync(batch);

        var message = Assert.Single(await host.PeekStreamAsync());
        var envelope = StreamCodec.Decode(message.Body.ToArray());
        Assert.Null(envelope.Batch);
        Assert.EndsWith($"{batch.BatchId}.json.gz", envelope.Claim, StringComparison.Ordinal);
        Assert.Contains(envelope.Claim, await host.ClaimCheckBlobsAsync());

        var settled = await host.Get<QueueStreamConsumer>().PumpOnceAsync();

        Assert.Equal(1, settled);
        Assert.Empty(await host.PeekStreamAsync());
        Assert.DoesNotContain(envelope.Claim, await host.ClaimCheckBlobsAsync());
        Assert.Equal(40, (await host.EventRowsAsync(IdentityRef.User(userId))).Count);
        var activity = (await host.Get<EventStore>().GetActivityAsync(host.PartitionOf(IdentityRef.User(userId))))!;
        Assert.Equal(40, activity.EventCount);
    }

    private static IngestionBatch BatchFor(string userId, int events, int randomBytesPerEvent) =>
        new(UniqueId.New("batch"), "test-site", Enumerable.Range(0, events)
            .Select(i => EventBuilder.Track("Large Event").ForUser(userId).AtMinute(i)
                .WithProperties($$"""{"noise":"{{Convert.ToBase64String(RandomNumberGenerator.GetBytes(randomBytesPerEvent))}}"}""")
                .Build())
            .ToList());

    private static bool EventsEqual(EngagementEvent expected, EngagementEvent actual) =>
        expected.MessageId == actual.MessageId && expected.PropertiesJson == actual.PropertiesJson && expected.Timestamp == actual.Timestamp;
}
