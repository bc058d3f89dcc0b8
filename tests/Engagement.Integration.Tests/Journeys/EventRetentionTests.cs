using Azure.Data.Tables;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Journeys;
using Engagement.Infrastructure.Storage;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Journeys;

[Collection(SharedAzurite.Name)]
public sealed class EventRetentionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task EventsPastRetentionAreDeletedAndTheActivityRecomputedFromWhatRemains()
    {
        var mixed = UniqueId.New("user");
        var onlyOld = UniqueId.New("user");
        var longAgo = DateTimeOffset.UtcNow.AddDays(-500);
        var ingestion = azurite.Services.Get<IngestionHandler>();
        await ingestion.HandleAsync(
        [
            EventBuilder.Page("https://www.example.cz/stare").ForUser(mixed).At(longAgo).Build(),
            EventBuilder.Track("Order Completed").ForUser(mixed).At(longAgo.AddMinutes(5)).Build(),
            EventBuilder.Page("https://www.example.cz/nove").ForUser(mixed).At(DateTimeOffset.UtcNow.AddDays(-3)).Build(),
            EventBuilder.Page("https://www.example.cz/stare").ForUser(onlyOld).At(longAgo).Build(),
        ]);

        var result = await azurite.Services.Get<EventRetention>().PurgeAsync();

        Assert.True(result.Events >= 3);
        var keys = azurite.Services.Get<Pseudonymizer>();
        var events = azurite.Services.Get<EventStore>();
        var activity = (await events.GetActivityAsync(keys.KeyOf(IdentityRef.User(mixed)).Value))!;
        Assert.Equal(1, activity.EventCount);
        Assert.False(activity.ByEventName.ContainsKey("Order Completed"));
        Assert.DoesNotContain(activity.Recent, r => r.Detail?.Contains("stare", StringComparison.Ordinal) == true);
        var table = azurite.Services.Get<EngagementStorage>().Events;
        var oldKey = keys.KeyOf(IdentityRef.User(onlyOld)).Value;
        Assert.Empty(await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {oldKey}")).ToListAsync());
    }
}
