using System.Globalization;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ingestion;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Ingestion;

[Collection(SharedAzurite.Name)]
public sealed class EventStoreTests(AzuriteFixture azurite)
{
    private static readonly string[] OddMessageIds = ["a/b", "a#b", "a?b", "tab\there", "ž", new string('m', 230)];

    [Fact]
    public async Task ConcurrentWritersToOnePartitionLoseNothing()
    {
        var userId = UniqueId.New("user");
        var user = IdentityRef.User(userId);
        await using var hostA = await azurite.CreateServicesAsync();
        await using var hostB = await azurite.CreateServicesAsync();
        const int Rounds = 10;
        const int EventsPerWrite = 5;

        var results = new List<IngestionResult>();
        for (var round = 0; round < Rounds; round++)
        {
            var writes = await Task.WhenAll(
                hostA.Get<IngestionHandler>().HandleAsync(Events(userId, "a", round, EventsPerWrite)),
                hostB.Get<IngestionHandler>().HandleAsync(Events(userId, "b", round, EventsPerWrite)));
            results.AddRange(writes);
        }

        const int Total = Rounds * 2 * EventsPerWrite;
        Assert.Equal(Total, results.Sum(r => r.Stored));
        Assert.Equal(0, results.Sum(r => r.Duplicates));
        Assert.Equal(Total, (await azurite.Services.EventRowsAsync(user)).Count);
        var activity = (await azurite.Services.Get<EventStore>().GetActivityAsync(azurite.Services.PartitionOf(user)))!;
        Assert.Equal(Total, activity.EventCount);
        Assert.Equal(Total / 2, activity.ByEventName["a"]);
        Assert.Equal(Total / 2, activity.ByEventName["b"]);
    }

    [Fact]
    public async Task WriterWithAStaleActivityRowRetriesAndLosesNothing()
    {
        var userId = UniqueId.New("user");
        var user = IdentityRef.User(userId);
        var log = new LogCapture();
        await using var hostA = await azurite.CreateServicesAsync(configureServices: log.AddTo);
        await using var hostB = await azurite.CreateServicesAsync();
        var partition = hostA.PartitionOf(user);

        // A caches the activity row's ETag, B changes the row, then A writes on top of its stale copy.
        await hostA.Get<EventStore>().WritePartitionAsync(partition, Events(userId, "a", 0, 3));
        await hostB.Get<EventStore>().WritePartitionAsync(partition, Events(userId, "b", 0, 4));
        var outcome = await hostA.Get<EventStore>().WritePartitionAsync(partition, Events(userId, "a", 1, 3));

        Assert.Equal(3, outcome.Stored);
        Assert.Contains(log.Messages, m => m.Contains("changed underneath (HTTP 412)", StringComparison.Ordinal));
        var activity = (await hostB.Get<EventStore>().GetActivityAsync(partition))!;
        Assert.Equal(10, activity.EventCount);
        Assert.Equal(6, activity.ByEventName["a"]);
        Assert.Equal(4, activity.ByEventName["b"]);
        Assert.Equal(10, (await azurite.Services.EventRowsAsync(user)).Count);
    }

    [Fact]
    public async Task WritersRacingToCreateTheActivityRowLoseNothing()
    {
        var userId = UniqueId.New("user");
        var user = IdentityRef.User(userId);
        await using var hostA = await azurite.CreateServicesAsync();
        await using var hostB = await azurite.CreateServicesAsync();
        var partition = hostA.PartitionOf(user);

        // Both look before either writes: both believe the partition is new.
        Assert.Null(await hostA.Get<EventStore>().GetActivityAsync(partition));
        var outcomes = await Task.WhenAll(
            hostA.Get<EventStore>().WritePartitionAsync(partition, Events(userId, "a", 0, 20)),
            hostB.Get<EventStore>().WritePartitionAsync(partition, Events(userId, "b", 0, 20)));

        Assert.Equal(40, outcomes.Sum(o => o.Stored));
        Assert.Equal(40, (await azurite.Services.Get<EventStore>().GetActivityAsync(partition))!.EventCount);
    }

    [Fact]
    public async Task PartitionOfMoreThanOneTransactionIsStoredWhole()
    {
        var userId = UniqueId.New("user");
        var user = IdentityRef.User(userId);
        var events = Events(userId, "bulk", 0, 250);

        var result = await azurite.Services.Get<IngestionHandler>().HandleAsync(events);
        var again = await azurite.Services.Get<IngestionHandler>().HandleAsync(events);

        Assert.Equal(new IngestionResult(250, 250, 0, 0), result);
        Assert.Equal(new IngestionResult(250, 0, 250, 0), again);
        Assert.Equal(250, (await azurite.Services.EventRowsAsync(user)).Count);
        var activity = (await azurite.Services.Get<EventStore>().GetActivityAsync(azurite.Services.PartitionOf(user)))!;
        Assert.Equal(250, activity.EventCount);
    }

    [Fact]
    public async Task EventTheTableRefusesIsDeadLetteredAndTheRestStored()
    {
        // A property over the table's 32 K-character limit: what an event accepted under a raised
        // Tracking:MaxEventBytes, or carrying a large batch-level context, would hit.
        var userId = UniqueId.New("user");
        var user = IdentityRef.User(userId);
        var poison = EventBuilder.Track("Report Exported").ForUser(userId).AtMinute(2)
            .WithId(UniqueId.New("poison"))
            .WithProperties($$"""{"report":"{{new string('x', 40_000)}}"}""")
            .Build();
        var good = Events(userId, "ok", 0, 4);

        var result = await azurite.Services.Get<IngestionHandler>().HandleAsync([.. good, poison]);

        Assert.Equal(new IngestionResult(5, 4, 0, 1), result);
        Assert.Equal(4, (await azurite.Services.EventRowsAsync(user)).Count);
        var activity = (await azurite.Services.Get<EventStore>().GetActivityAsync(azurite.Services.PartitionOf(user)))!;
        Assert.Equal(4, activity.EventCount);
        Assert.False(activity.ByEventName.ContainsKey("Report Exported"));
        var (_, letter) = Assert.Single(await azurite.Services.DeadLettersAsync("ingestion", poison.MessageId));
        Assert.Contains("PropertyValueTooLarge", letter.Reason, StringComparison.Ordinal);
        Assert.Contains(poison.MessageId, letter.Payload, StringComparison.Ordinal);
        Assert.Equal("test-site", letter.SourceId);
    }

    [Fact]
    public async Task MessageIdsARowKeyCannotHoldAreStillStoredAndDeduplicated()
    {
        var userId = UniqueId.New("user");
        var user = IdentityRef.User(userId);
        var events = OddMessageIds
            .Select(id => EventBuilder.Track("Odd Id").ForUser(userId).WithId(id).Build())
            .ToList();

        var first = await azurite.Services.Get<IngestionHandler>().HandleAsync(events);
        var again = await azurite.Services.Get<IngestionHandler>().HandleAsync(events);

        Assert.Equal(OddMessageIds.Length, first.Stored);
        Assert.Equal(OddMessageIds.Length, again.Duplicates);
        Assert.Equal(OddMessageIds.Length, (await azurite.Services.EventRowsAsync(user)).Count);
    }

    private static List<EngagementEvent> Events(string userId, string name, int round, int count) =>
        Enumerable.Range(0, count)
            .Select(i => EventBuilder.Track(name).ForUser(userId)
                .WithId($"{name}-{round}-{i.ToString(CultureInfo.InvariantCulture)}-{userId}")
                .AtMinute((round * 100) + i)
                .Build())
            .ToList();
}
