namespace Engagement.Ml.Tests;

public sealed class TimeSplitTests
{
    private static readonly DateTimeOffset HoldoutFrom = new(2025, 3, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OlderCutoffsTrainAndNewerOnesAreHeldOut()
    {
        var before = new Journeys().WithCutoff(HoldoutFrom.AddTicks(-1)).Build(3);
        var at = new Journeys().WithCutoff(HoldoutFrom).Build(2);
        var after = new Journeys().WithCutoff(HoldoutFrom.AddDays(3)).Build(4);

        var (train, holdout, dropped) = TimeSplit.Split([.. after, .. before, .. at], HoldoutFrom);

        Assert.Equal(before, train);
        Assert.Equal([.. after, .. at], holdout);
        Assert.Equal(0, dropped);
    }

    [Fact]
    public void TrainingRowsWhoseLabelWindowReachesTheHoldoutAreDropped()
    {
        var old = new Journeys().WithCutoff(HoldoutFrom.AddDays(-7)).Build(2);
        var recent = new Journeys().WithCutoff(HoldoutFrom.AddDays(-6)).Build(3);

        var split = TimeSplit.Split([.. old, .. recent], HoldoutFrom, labelHorizon: TimeSpan.FromDays(7));

        Assert.Equal(old, split.Train);
        Assert.Empty(split.Holdout);
        Assert.Equal(3, split.Dropped);
    }

    [Fact]
    public void NoRowIsInBothSets()
    {
        var rows = Enumerable.Range(0, 100).SelectMany(day => new Journeys(day).WithCutoff(HoldoutFrom.AddDays(day - 50)).Build(2)).ToList();

        var split = TimeSplit.Split(rows, HoldoutFrom, TimeSpan.FromDays(2));

        Assert.Empty(split.Train.Intersect(split.Holdout));
        Assert.Equal(rows.Count, split.Train.Count + split.Holdout.Count + split.Dropped);
        Assert.All(split.Train, r => Assert.True(r.Cutoff < HoldoutFrom));
        Assert.All(split.Holdout, r => Assert.True(r.Cutoff >= HoldoutFrom));
    }
}
