using System.Security.Cryptography;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Streaming;

[Collection(SharedAzurite.Name)]
public sealed class QueueStreamConsumerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task EmptyQueueSettlesNothing()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();

        Assert.Equal(0, await host.Get<QueueStreamConsumer>().PumpOnceAsync());
    }

    [Fact]
    public async Task PumpIngestsEveryMessageAndEmptiesTheQueue()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var users = Enumerable.Range(0, 3).Select(_ => UniqueId.New("user")).ToList();
        foreach (var user in users)
        {
            await host.Get<IEventStreamProducer>().AppendAsync(BatchFor(user, 2));
        }

        Assert.Equal(3, await host.Get<QueueStreamConsumer>().BacklogAsync());
        var settled = await host.Get<QueueStreamConsumer>().PumpOnceAsync();

        Assert.Equal(3, settled);
        Assert.Empty(await host.PeekStreamAsync());
        foreach (var user in users)
        {
            Assert.Equal(2, (await host.EventRowsAsync(IdentityRef.User(user))).Count);
        }
    }

    [Fact]
    public async Task PoisonMessageOnTheQueueIsDeadLetteredAndTheOthersIngested()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var userId = UniqueId.New("user");
        var queue = host.Get<EngagementStorage>().StreamQueue;
        var poison = await queue.SendMessageAsync(BinaryData.FromBytes(RandomNumberGenerator.GetBytes(64)));
        await host.Get<IEventStreamProducer>().AppendAsync(BatchFor(userId, 3));

        var settled = await host.Get<QueueStreamConsumer>().PumpOnceAsync();

        Assert.Equal(2, settled);
        Assert.Empty(await host.PeekStreamAsync());
        Assert.Equal(3, (await host.EventRowsAsync(IdentityRef.User(userId))).Count);
        var (_, letter) = Assert.Single(await host.DeadLettersAsync("stream", "msg-" + poison.Value.MessageId));
        Assert.Contains("cannot be read", letter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageDeliveredTooOftenIsDeadLetteredWithoutIngesting()
    {
        await using var host = await azurite.CreateServicesAsync(new Dictionary<string, string?>
        {
            ["Ingestion:QueueName"] = UniqueId.QueueName(),
            ["Ingestion:MaxDeliveries"] = "2",
        });
        var userId = UniqueId.New("user");
        var queue = host.Get<EngagementStorage>().StreamQueue;
        var sent = await queue.SendMessageAsync(new BinaryData(StreamCodec.EncodeBatch(BatchFor(userId, 2))));
        // Two deliveries that never settled: taken, then given back as a crashed consumer's would be.
        for (var delivery = 0; delivery < 2; delivery++)
        {
            var taken = (await queue.ReceiveMessageAsync()).Value;
            await queue.UpdateMessageAsync(taken.MessageId, taken.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }

        var settled = await host.Get<QueueStreamConsumer>().PumpOnceAsync();

        Assert.Equal(1, settled);
        Assert.Empty(await host.PeekStreamAsync());
        Assert.Empty(await host.EventRowsAsync(IdentityRef.User(userId)));
        var (_, letter) = Assert.Single(await host.DeadLettersAsync("stream", "msg-" + sent.Value.MessageId));
        Assert.Contains("Delivered 3 times", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(2, StreamCodec.Decode(Convert.FromBase64String(letter.Payload)).Batch!.Events.Count);
    }

    private static IngestionBatch BatchFor(string userId, int count) =>
        new(UniqueId.New("batch"), "test-site", Enumerable.Range(0, count).Select(i => EventBuilder.Track("Queued").ForUser(userId).AtMinute(i).Build()).ToList());
}
