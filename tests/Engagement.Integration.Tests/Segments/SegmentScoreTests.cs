using Engagement.Core.Segments;
using Engagement.Infrastructure.Segments;
using Engagement.Integration.Tests.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Segments;

/// <summary>Segments over goal scores and interests, on the traffic and champion models of the model store.</summary>
[Collection(ModelStore.Name)]
public sealed class SegmentScoreTests(ModelStoreFixture store)
{
    private async Task<SegmentPreview> PreviewAsync(string json, int sample = 0)
    {
        var id = "seg-" + Guid.NewGuid().ToString("N")[..12];
        var parsed = SegmentParser.Parse(json);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        await store.Services.GetRequiredService<SegmentStore>().CreateAsync(id, json, parsed.Definition!);
        return (await store.Services.GetRequiredService<SegmentAudience>().PreviewAsync(id, sample))!;
    }

    private static int IndexOf(string userId) => int.Parse(userId["model-user-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task EveryoneHasAChampionScoreAndTheBoundsSplitThem()
    {
        await store.TrainOnceAsync();

        var everyone = await PreviewAsync("""{"name":"Scored","rule":{"score":{"goal":"order","min":0}}}""");
        var likely = await PreviewAsync("""{"name":"Likely","rule":{"score":{"goal":"order","min":0.3}}}""", sample: 100);
        var unlikely = await PreviewAsync("""{"name":"Unlikely","rule":{"score":{"goal":"order","max":0.29999999}}}""");
        var unknownGoal = await PreviewAsync("""{"name":"No model","rule":{"score":{"goal":"no-such-goal","min":0}}}""");

        Assert.Equal(ModelStoreFixture.People, everyone.Count);
        Assert.Equal(ModelStoreFixture.People, likely.Count + unlikely.Count);
        Assert.InRange(likely.Count, 1, ModelStoreFixture.People - 1);
        // The planted signal: those likely to order are mostly the people keen on travel.
        Assert.True(likely.Sample.Count(m => ModelStoreFixture.IsKeen(IndexOf(m.UserId!))) * 2 > likely.Sample.Count);
        Assert.Equal(0, unknownGoal.Count);
    }

    [Fact]
    public async Task ATravelInterestIsFoundOnlyInPeopleWhoReadAboutTravel()
    {
        var travel = await PreviewAsync("""{"name":"Travel","rule":{"interest":{"category":"travel","minScore":0.01}}}""", sample: 100);

        Assert.InRange(travel.Count, 1, Enumerable.Range(0, ModelStoreFixture.People).Count(ModelStoreFixture.IsKeen));
        Assert.All(travel.Sample, m => Assert.True(ModelStoreFixture.IsKeen(IndexOf(m.UserId!)), $"{m.UserId} is not keen on travel"));
    }
}
