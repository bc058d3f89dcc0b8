using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Engagement.Infrastructure.Models;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Storage;
using Engagement.Ml;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Models;

/// <summary>Training, the registry, publishing and profile insights on real Azurite, over traffic with a planted signal.</summary>
[Collection(ModelStore.Name)]
public sealed class ModelLifecycleTests(ModelStoreFixture store)
{
    private static readonly string Date = ModelStoreFixture.Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private T Get<T>()
        where T : notnull => store.Services.GetRequiredService<T>();

    [Fact]
    public async Task TrainingFindsThePlantedSignalStoresTheModelWithItsReportAndPromotesIt()
    {
        var order = (await store.TrainOnceAsync()).Single(r => r.Goal == "order");

        Assert.True(order.Trained, order.Message);
        Assert.True(order.Metrics!.Auc > 0.75, $"AUC {order.Metrics.Auc}");
        Assert.True(order.Metrics.TopDecileLift > 2, $"lift {order.Metrics.TopDecileLift}");
        Assert.Equal(["LightGbm", "LogisticRegression"], order.Trainers!.Select(t => t.Trainer));
        Assert.Contains(order.TopFeatures!.Take(5), f => f.Name is "url_text" or "domain_cestovani.cz" or "interest_travel" or "goal_before" or "pages");
        var models = Get<EngagementStorage>().Models;
        foreach (var file in new[] { "model.zip", "metrics.json", "report.md", "lift.png", "roc.png" })
        {
            Assert.True((await models.GetBlobClient($"order/{order.Version}/{file}").ExistsAsync()).Value, file);
        }

        Assert.Contains("# Propensity model: order", (await models.GetBlobClient($"order/{order.Version}/report.md").DownloadContentAsync()).Value.Content.ToString(), StringComparison.Ordinal);
        Assert.Equal(order.Version, (await Get<ModelRegistry>().GetChampionPointerAsync("order"))!.Version);
        Assert.Contains(await Get<ModelRegistry>().ListAsync("order"), v => v.Version == order.Version && v.IsChampion);
    }

    [Fact]
    public async Task RetrainingThatDoesNotBeatTheChampionByTheMarginKeepsIt()
    {
        var first = (await store.TrainOnceAsync()).Single(r => r.Goal == "order");
        await using var strict = store.CreateServices(new Dictionary<string, string?> { ["Models:MinAucGain"] = "0.5" });

        var again = (await strict.GetRequiredService<ModelTraining>().TrainAllAsync()).Single(r => r.Goal == "order");

        Assert.True(again.Trained);
        Assert.False(again.Promoted);
        Assert.Contains("Champion kept", again.Message, StringComparison.Ordinal);
        Assert.Equal(first.Version, (await Get<ModelRegistry>().GetChampionPointerAsync("order"))!.Version);
    }

    [Fact]
    public async Task AGoalNobodyReachesTrainsNothingAndSaysWhy()
    {
        await using var services = store.CreateServices(new Dictionary<string, string?>
        {
            ["Models:Goals:0:Name"] = "never",
            ["Models:Goals:0:EventName"] = "Never Happens",
            ["Models:Goals:1:Name"] = "never-either",
            ["Models:Goals:1:Products:0"] = "no-such-product",
            ["Models:BidGoal"] = "never",
        });

        var reports = await services.GetRequiredService<ModelTraining>().TrainAllAsync();

        Assert.All(reports, r => Assert.False(r.Trained));
        Assert.All(reports, r => Assert.Contains("champion is unchanged", r.Message, StringComparison.Ordinal));
        Assert.Null(await Get<ModelRegistry>().GetChampionPointerAsync("never"));
        var publishing = await services.GetRequiredService<ScorePublisher>().PublishAsync();
        Assert.False(publishing.Published);
        Assert.True(publishing.IntentEvents > 0, "intents need no model");
    }

    [Fact]
    public async Task ACorruptChampionIsNotUsedAndACorruptModelIsNeverPromoted()
    {
        var registry = await CopiesOfTheChampionAsync("order-corrupt", "v1", "v2", "v3");
        await registry.PromoteAsync("order-corrupt", "v1", "test");
        await registry.PromoteAsync("order-corrupt", "v2", "test");
        var models = Get<EngagementStorage>().Models;
        await models.GetBlobClient("order-corrupt/v2/model.zip").UploadAsync(BinaryData.FromString("not a model"), overwrite: true);
        await models.GetBlobClient("order-corrupt/v3/model.zip").UploadAsync(BinaryData.FromBytes(RandomNumberGenerator.GetBytes(2_000)), overwrite: true);
        await using var fresh = store.CreateServices(new Dictionary<string, string?>());
        var freshRegistry = fresh.GetRequiredService<ModelRegistry>();

        var inUse = await freshRegistry.GetChampionAsync("order-corrupt");
        var promotion = await freshRegistry.PromoteAsync("order-corrupt", "v3", "test");

        Assert.Equal("v1", inUse!.Value.Version);
        Assert.False(promotion.Succeeded);
        Assert.Contains("does not load", promotion.Message, StringComparison.Ordinal);
        Assert.Equal("v2", (await freshRegistry.GetChampionPointerAsync("order-corrupt"))!.Version);
    }

    [Fact]
    public async Task RollbackReturnsToThePreviousChampion()
    {
        var registry = await CopiesOfTheChampionAsync("order-rollback", "v1", "v2");
        await registry.PromoteAsync("order-rollback", "v1", "test");
        await registry.PromoteAsync("order-rollback", "v2", "test");

        var back = await registry.RollbackAsync("order-rollback", "test");
        var further = await registry.RollbackAsync("order-rollback", "test");

        Assert.True(back.Succeeded, back.Message);
        Assert.Equal("v1", (await registry.GetChampionPointerAsync("order-rollback"))!.Version);
        Assert.False(further.Succeeded);
    }

    [Fact]
    public async Task PublishingWritesBidListsNextBestOffersAndManifestsThatMatchThem()
    {
        await store.TrainOnceAsync();
        // Person 0's CRM trait says yes, but they withdrew in the consent ledger since: the ledger wins.
        var consentKey = Get<Core.Identity.Pseudonymizer>().KeyOf(Core.Identity.IdentityRef.User(ModelStoreFixture.UserOf(0))).Value;
        await Get<Infrastructure.Consent.ConsentStore>().AppendAsync(new Core.Consent.ConsentRequest(
            consentKey, "ad-personalisation", Core.Consent.ContactChannel.Any, Core.Consent.ConsentDecision.Withdrawn, Core.Consent.LegalBasis.Consent,
            Core.Consent.CaptureChannel.Import, ModelStoreFixture.Now.AddHours(-2), null, new Core.Consent.ConsentEvidence(), "crm"), requestId: "withdrawal-0");

        var report = await Get<ScorePublisher>().PublishAsync();

        Assert.True(report.Published, report.Message);
        Assert.Equal(ModelStoreFixture.People, report.PeopleScored);
        Assert.Equal((ModelStoreFixture.People / 2) + 1, report.WithoutLawfulBasis);
        Assert.True(report.IntentEvents > 0);
        var consumer = Get<Infrastructure.Streaming.QueueStreamConsumer>();
        while (await consumer.PumpOnceAsync() > 0)
        {
        }

        var keenProfile = (await Get<ProfileQuery>().GetAsync(ModelStoreFixture.UserOf(0)))!;
        Assert.Equal(1, keenProfile.CountsByEvent[Core.Interests.IntentEvents.EventName]);
        Assert.Contains(keenProfile.Insights!.Intents, i => i.Intent == "travel-intent");
        var lists = Get<EngagementStorage>().BidLists;
        var users = await TextAsync(lists.GetBlobClient($"default/{Date}/users.csv"));
        var bids = users.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(';')).ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));
        Assert.Equal(ModelStoreFixture.People, bids.Count);
        Assert.All(Enumerable.Range(1, ModelStoreFixture.People - 1), i => Assert.Equal(i % 2 == 0, bids[ModelStoreFixture.UserOf(i)] > 0));
        Assert.Equal(0, bids[ModelStoreFixture.UserOf(0)]);
        var keen = Enumerable.Range(1, ModelStoreFixture.People - 1).Where(i => i % 2 == 0 && ModelStoreFixture.IsKeen(i)).Average(i => bids[ModelStoreFixture.UserOf(i)]);
        var others = Enumerable.Range(0, ModelStoreFixture.People).Where(i => i % 2 == 0 && !ModelStoreFixture.IsKeen(i)).Average(i => bids[ModelStoreFixture.UserOf(i)]);
        Assert.True(keen > 2 * others, $"keen {keen}, others {others}");

        var domains = (await TextAsync(lists.GetBlobClient($"default/{Date}/domains.csv"))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(';')).ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));
        Assert.True(domains["cestovani.cz"] > domains["novinky.cz"]);

        using var manifest = JsonDocument.Parse(await TextAsync(lists.GetBlobClient($"default/{Date}/manifest.json")));
        foreach (var list in manifest.RootElement.GetProperty("lists").EnumerateArray())
        {
            var content = (await lists.GetBlobClient(list.GetProperty("path").GetString()).DownloadContentAsync()).Value.Content.ToArray();
            Assert.Equal(list.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(content)), ignoreCase: true);
        }

        var offers = await TextAsync(Get<EngagementStorage>().NextBestOffers.GetBlobClient($"{Date}.csv"));
        Assert.StartsWith(NextBestOfferWriter.Header, offers, StringComparison.Ordinal);
        Assert.Contains($"{ModelStoreFixture.UserOf(0)};travel;", offers, StringComparison.Ordinal);
        Assert.True((await Get<EngagementStorage>().NextBestOffers.GetBlobClient($"{Date}.manifest.json").ExistsAsync()).Value);
    }

    [Fact]
    public async Task TheProfileShowsScoresInterestsAndTheNextBestOffer()
    {
        await store.TrainOnceAsync();
        var profiles = Get<ProfileQuery>();

        var keen = (await profiles.GetAsync(ModelStoreFixture.UserOf(0)))!.Insights!;
        var other = (await profiles.GetAsync(ModelStoreFixture.UserOf(4)))!.Insights!;

        Assert.Equal("travel", keen.Interests[0].Id);
        Assert.NotEmpty(keen.Interests[0].Evidence);
        Assert.True(keen.Scores.Single(s => s.Goal == "order").Probability > other.Scores.Single(s => s.Goal == "order").Probability);
        Assert.Equal("travel", keen.NextBestOffer!.Family);
    }

    private async Task<ModelRegistry> CopiesOfTheChampionAsync(string goal, params string[] versions)
    {
        await store.TrainOnceAsync();
        var registry = Get<ModelRegistry>();
        var champion = (await registry.GetChampionAsync("order"))!.Value;
        var metrics = (await registry.GetMetricsAsync("order", champion.Version))!;
        foreach (var version in versions)
        {
            await registry.SaveAsync(goal, version, champion.Model, new ModelArtifacts("LightGbm", metrics, "# copy", new Dictionary<string, byte[]>()));
        }

        return registry;
    }

    private static async Task<string> TextAsync(Azure.Storage.Blobs.BlobClient blob) => (await blob.DownloadContentAsync()).Value.Content.ToString();
}
