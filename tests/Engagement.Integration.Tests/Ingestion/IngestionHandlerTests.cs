using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Ingestion;

[Collection(SharedAzurite.Name)]
public sealed class IngestionHandlerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task RedeliveredBatchWritesNoDuplicateRows()
    {
        var person = new Person();
        var batch = person.Visit();
        var services = azurite.Services;

        var first = await services.Get<IngestionHandler>().HandleAsync(batch);
        var rowsBefore = await CountRowsAsync(services, person);
        var activityBefore = ProfileSnapshot.Of(await services.Get<EventStore>().GetActivityAsync(services.PartitionOf(person.User)));
        var profileBefore = ProfileSnapshot.Of(await services.Get<ProfileQuery>().GetAsync(person.UserId));

        var again = await services.Get<IngestionHandler>().HandleAsync(batch);
        await using var restarted = await azurite.CreateServicesAsync();
        var afterRestart = await restarted.Get<IngestionHandler>().HandleAsync(batch);

        Assert.Equal(new IngestionResult(batch.Count, batch.Count, 0, 0), first);
        Assert.Equal(new IngestionResult(batch.Count, 0, batch.Count, 0), again);
        Assert.Equal(new IngestionResult(batch.Count, 0, batch.Count, 0), afterRestart);
        Assert.Equal(batch.Count, rowsBefore);
        Assert.Equal(rowsBefore, await CountRowsAsync(services, person));
        Assert.Equal(activityBefore, ProfileSnapshot.Of(await restarted.Get<EventStore>().GetActivityAsync(services.PartitionOf(person.User))));
        Assert.Equal(profileBefore, ProfileSnapshot.Of(await restarted.Get<ProfileQuery>().GetAsync(person.UserId)));
        Assert.Equal(batch.Count, (await services.Get<ProfileQuery>().GetAsync(person.UserId))!.EventCount);
    }

    [Fact]
    public async Task EventSentTwiceInOneBatchIsStoredOnce()
    {
        var person = new Person();
        var order = EventBuilder.Track("Order Completed").ForUser(person.UserId).Build();

        var result = await azurite.Services.Get<IngestionHandler>().HandleAsync([order, order with { ReceivedAt = order.ReceivedAt.AddSeconds(3) }]);

        Assert.Equal(new IngestionResult(2, 1, 1, 0), result);
        Assert.Single(await azurite.Services.EventRowsAsync(person.User));
        Assert.Equal(1, (await azurite.Services.Get<EventStore>().GetActivityAsync(azurite.Services.PartitionOf(person.User)))!.EventCount);
    }

    [Fact]
    public async Task HalfFailedBatchConverges()
    {
        var person = new Person();
        var batch = person.Visit();
        var userEvents = batch.Where(e => e.UserId is not null).ToList();

        // A clean single ingestion, kept apart by its own pseudonym secret: the state to converge on.
        await using var clean = await azurite.CreateServicesAsync(new Dictionary<string, string?> { ["Ingestion:PseudonymSecret"] = "another-secret-for-a-clean-store" });
        await clean.Get<IngestionHandler>().HandleAsync(batch);

        // The failed delivery: the anonymous partition went through whole, the user's partition only in part, then
        // the process died before identities were applied.
        await using (var crashed = await azurite.CreateServicesAsync())
        {
            await crashed.Get<IngestionHandler>().HandleAsync(batch.Where(e => e.UserId is null).ToList());
            await crashed.Get<EventStore>().WritePartitionAsync(crashed.PartitionOf(person.User), userEvents.Take(2).ToList());
        }

        await using var restarted = await azurite.CreateServicesAsync();
        var redelivery = await restarted.Get<IngestionHandler>().HandleAsync(batch);

        var anonymousCount = batch.Count - userEvents.Count;
        Assert.Equal(new IngestionResult(batch.Count, userEvents.Count - 2, anonymousCount + 2, 0), redelivery);
        Assert.Equal(
            ProfileSnapshot.Of(await clean.Get<ProfileQuery>().GetAsync(person.UserId)),
            ProfileSnapshot.Of(await restarted.Get<ProfileQuery>().GetAsync(person.UserId)));
        Assert.Equal(
            ProfileSnapshot.Of(await clean.Get<ProfileQuery>().GetAsync(person.AnonymousId)),
            ProfileSnapshot.Of(await restarted.Get<ProfileQuery>().GetAsync(person.AnonymousId)));
        Assert.Equal(userEvents.Count, (await restarted.EventRowsAsync(person.User)).Count);
    }

    [Fact]
    public async Task RedeliveryInAnotherOrderConverges()
    {
        var person = new Person();
        var batch = person.Visit();

        await using var clean = await azurite.CreateServicesAsync(new Dictionary<string, string?> { ["Ingestion:PseudonymSecret"] = "yet-another-secret-for-a-clean-store" });
        await clean.Get<IngestionHandler>().HandleAsync(batch);
        var handler = azurite.Services.Get<IngestionHandler>();
        await handler.HandleAsync(batch.Skip(3).ToList());
        await handler.HandleAsync([.. Enumerable.Reverse(batch)]);

        Assert.Equal(
            ProfileSnapshot.Of(await clean.Get<ProfileQuery>().GetAsync(person.UserId)),
            ProfileSnapshot.Of(await azurite.Services.Get<ProfileQuery>().GetAsync(person.UserId)));
    }

    [Fact]
    public async Task EmptyDeliveryStoresNothing()
    {
        var result = await azurite.Services.Get<IngestionHandler>().HandleAsync([]);

        Assert.Equal(new IngestionResult(0, 0, 0, 0), result);
    }

    private static async Task<int> CountRowsAsync(EngagementServices services, Person person) =>
        (await services.EventRowsAsync(person.User)).Count + (await services.EventRowsAsync(person.Anonymous)).Count;

    /// <summary>Someone who browses anonymously, signs in and buys: the events of one typical visit.</summary>
    private sealed class Person
    {
        public string UserId { get; } = UniqueId.New("user");

        public string AnonymousId { get; } = UniqueId.New("anon");

        public IdentityRef User => IdentityRef.User(UserId);

        public IdentityRef Anonymous => IdentityRef.Anonymous(AnonymousId);

        public IReadOnlyList<EngagementEvent> Visit() =>
        [
            EventBuilder.Page("https://www.cestovka.cz/cestovani/recko", "Řecko").ForAnonymous(AnonymousId).AtMinute(0).Build(),
            EventBuilder.Page("https://www.cestovka.cz/cestovani/recko/kreta", "Kréta").ForAnonymous(AnonymousId).AtMinute(1).Build(),
            EventBuilder.Track("Product Viewed").ForAnonymous(AnonymousId).AtMinute(2).WithProperties("""{"sku":"GR-KRETA-7"}""").Build(),
            EventBuilder.Identify("""{"email":"jana@example.cz","plan":"basic"}""").ForUser(UserId).ForAnonymous(AnonymousId).AtMinute(3).Build(),
            EventBuilder.Track("Added To Cart").ForUser(UserId).ForAnonymous(AnonymousId).AtMinute(4).Build(),
            EventBuilder.Track("Order Completed").ForUser(UserId).ForAnonymous(AnonymousId).AtMinute(5).WithProperties("""{"total":24990}""").Build(),
            EventBuilder.Identify("""{"plan":"premium"}""").ForUser(UserId).AtMinute(6).Build(),
            EventBuilder.Group("cestovka-club").ForUser(UserId).AtMinute(7).Build(),
        ];
    }
}
