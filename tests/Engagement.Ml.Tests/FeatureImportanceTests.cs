namespace Engagement.Ml.Tests;

[Collection(SharedTrainedRun.Name)]
public sealed class FeatureImportanceTests(TrainedRun run)
{
    [Fact]
    public void ThePlantedSignalOutranksNoise()
    {
        var impacts = FeatureImportance.Permutation(run.Model, run.Holdout, seed: 5);

        Assert.Equal(Journeys.Schema.Count + 1, impacts.Count);
        Assert.Contains(impacts, i => i.Name == FeatureImportance.TextGroup);
        var rank = impacts.Select((impact, index) => (impact.Name, index)).ToDictionary(x => x.Name, x => x.index);
        Assert.True(rank["clicks"] < rank["noise"]);
        Assert.True(rank["interest_travel"] < rank["noise"]);
        Assert.True(rank[FeatureImportance.TextGroup] < rank["noise"]);
        Assert.True(impacts[0].AucDrop > 0.02, $"strongest: {impacts[0]}");
        Assert.InRange(impacts.Single(i => i.Name == "noise").AucDrop, -0.02, 0.02);
        Assert.Equal(impacts.OrderByDescending(i => i.AucDrop).Select(i => i.Name), impacts.Select(i => i.Name));
    }

    [Fact]
    public void ALargeHoldoutIsSampled()
    {
        var impacts = FeatureImportance.Permutation(run.Model, run.Holdout, seed: 5, maximumRows: 500);

        Assert.Equal(Journeys.Schema.Count + 1, impacts.Count);
    }
}
