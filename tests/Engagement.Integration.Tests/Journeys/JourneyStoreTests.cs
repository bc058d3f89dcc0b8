using Azure.Data.Tables;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Journeys;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Storage;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Journeys;

[Collection(SharedAzurite.Name)]
public sealed class JourneyStoreTests(AzuriteFixture azurite)
{
    private IngestionHandler Ingestion => azurite.Services.Get<IngestionHandler>();

    private JourneyStore Journeys => azurite.Services.Get<JourneyStore>();

    [Fact]
    public async Task AJourneyHoldsTheEventsOfEveryIdentityOfAPersonInTimeOrder()
    {
        var userId = UniqueId.New("user");
        var anonymousId = UniqueId.New("anon");
        await Ingestion.HandleAsync(
        [
            EventBuilder.Ad(EventKind.AdImpression, "cestovani.cz", "travel-summer", visibleSeconds: 6, costEur: 0.003m).ForAnonymous(anonymousId).AtMinute(0).Build(),
            EventBuilder.Page("https://www.example.cz/cestovani/pojisteni", "Cestovní pojištění").ForAnonymous(anonymousId).AtMinute(1).Build(),
        ]);
        await Ingestion.HandleAsync(
        [
            EventBuilder.Identify("""{"ageBand":"35-49","email":"x@example.cz"}""").ForUser(userId).ForAnonymous(anonymousId).AtMinute(2).Build(),
            EventBuilder.Track("Order Completed").WithProperties("""{"product_id":"travel-annual"}""").ForUser(userId).AtMinute(3).Build(),
        ]);
        var profileKey = (await azurite.Services.Get<ProfileQuery>().GetAsync(userId))!.ProfileKey;

        var person = await FindAsync(profileKey);

        Assert.Equal(userId, person.Journey.UserId);
        Assert.Equal([EventKind.AdImpression, EventKind.Page, EventKind.Identify, EventKind.Track], person.Journey.Steps.Select(s => s.Kind));
        Assert.Equal("cestovani.cz", person.Journey.Steps[0].Domain);
        Assert.Equal(6, person.Journey.Steps[0].VisibleSeconds);
        Assert.Contains("cestovani", person.Journey.Steps[1].Tokens);
        Assert.Equal("travel-annual", person.Journey.Steps[3].Product);
        Assert.Equal([KeyValuePair.Create("ageBand", "35-49")], person.CategoricalTraits());
        // A training row cut off before the identify must not see its traits.
        Assert.Empty(person.CategoricalTraits(before: EventBuilder.BaseTime.AddMinutes(2)));
        Assert.Single(person.CategoricalTraits(before: EventBuilder.BaseTime.AddMinutes(3)));
    }

    [Fact]
    public async Task SomeoneKnownOnlyByEventsHasAJourneyWithoutAProfile()
    {
        var anonymousId = UniqueId.New("anon");
        await Ingestion.HandleAsync([EventBuilder.Page("https://www.example.cz/auto").ForAnonymous(anonymousId).Build()]);
        var key = azurite.Services.Get<Pseudonymizer>().KeyOf(IdentityRef.Anonymous(anonymousId)).Value;

        var person = await FindAsync(key);

        Assert.Null(person.Profile);
        Assert.Null(person.Journey.UserId);
        Assert.Single(person.Journey.Steps);
    }

    [Fact]
    public async Task RebuildRestoresAggregatesFromTheEvents()
    {
        var userId = UniqueId.New("user");
        await Ingestion.HandleAsync(
        [
            EventBuilder.Page("https://www.example.cz/a").ForUser(userId).AtMinute(0).Build(),
            EventBuilder.Page("https://www.example.cz/b").ForUser(userId).AtMinute(100).Build(),
        ]);
        // Delivered late, between the two: incrementally it cannot split the gap it falls into.
        await Ingestion.HandleAsync([EventBuilder.Page("https://www.example.cz/c").ForUser(userId).AtMinute(50).Build()]);
        var key = azurite.Services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value;
        var events = azurite.Services.Get<EventStore>();
        var before = (await events.GetActivityAsync(key))!;
        var storage = azurite.Services.Get<EngagementStorage>();
        var row = (await storage.Events.GetEntityAsync<TableEntity>(key, EventRows.ActivityRowKey)).Value;
        row["EventCount"] = 99L;
        await storage.Events.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge);

        var result = await Journeys.RebuildAsync();

        var after = (await events.GetActivityAsync(key))!;
        Assert.Equal(2, before.Sessions);
        Assert.Equal(3, after.Sessions);
        Assert.Equal(3, after.EventCount);
        Assert.True(result.Changed >= 1);
        Assert.Equal(3, (long)(await storage.Events.GetEntityAsync<TableEntity>(key, EventRows.ActivityRowKey)).Value.GetInt64("EventCount")!);
        Assert.Equal(0, (await Journeys.RebuildAsync()).Changed);
    }

    private async Task<PersonJourney> FindAsync(string profileKey)
    {
        await foreach (var person in Journeys.ReadAllAsync())
        {
            if (person.Journey.ProfileKey == profileKey)
            {
                return person;
            }
        }

        throw new Xunit.Sdk.XunitException($"No journey for {profileKey}.");
    }
}
