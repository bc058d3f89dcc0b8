using Engagement.Core.Journeys;

namespace Engagement.Ml.Tests;

public sealed class GoalModelTrainerTests
{
    private static readonly TrainingOptions Fast = new() { Threads = 1, NumberOfTrees = 40, MinimumExamplesPerLeaf = 20 };
    private static readonly TrainingOptions FastLinear = Fast with { Trainers = [TrainerKind.LogisticRegression] };

    [Fact]
    public void EveryTrainerFindsThePlantedSignal()
    {
        var train = new Journeys(seed: 1).Build(4_000);
        var holdout = new Journeys(seed: 2).Build(2_000);

        var outcome = new GoalModelTrainer(Fast).Train(Journeys.Schema, train, holdout);

        Assert.True(outcome.Succeeded, outcome.Message);
        Assert.Equal([TrainerKind.LightGbm, TrainerKind.FastTree, TrainerKind.LogisticRegression], outcome.Candidates.Select(c => c.Trainer));
        foreach (var candidate in outcome.Candidates)
        {
            Assert.True(candidate.Evaluation.Auc > 0.75, $"{candidate.Trainer}: AUC {candidate.Evaluation.Auc:F3}");
            Assert.True(candidate.Evaluation.TopDecileLift > 2, $"{candidate.Trainer}: top-decile lift {candidate.Evaluation.TopDecileLift:F2}");
            Assert.Equal(holdout.Count, candidate.Evaluation.Count);
            Assert.Equal(train.Count, candidate.TrainingRows);
            Assert.Equal(candidate.Trainer, candidate.Model.Trainer);
        }

        Assert.Equal(outcome.Candidates.Max(c => c.Evaluation.Auc), outcome.Best!.Evaluation.Auc);
        Assert.Equal(new DataSummary(train.Count, train.Count(e => e.Label)), outcome.Train);
        Assert.Equal(new DataSummary(holdout.Count, holdout.Count(e => e.Label)), outcome.Holdout);
    }

    [Fact]
    public void OnlyTheConfiguredTrainersRun()
    {
        var outcome = new GoalModelTrainer(FastLinear).Train(Journeys.Schema, new Journeys(1).Build(1_000), new Journeys(2).Build(500));

        Assert.Equal(TrainerKind.LogisticRegression, Assert.Single(outcome.Candidates).Trainer);
    }

    [Fact]
    public void NoTrainingDataIsRejectedWithAMessage()
    {
        var outcome = new GoalModelTrainer(Fast).Train(Journeys.Schema, [], new Journeys().Build(500));

        Assert.False(outcome.Succeeded);
        Assert.Contains("No training examples", outcome.Message);
        Assert.Empty(outcome.Candidates);
        Assert.Null(outcome.Best);
    }

    [Fact]
    public void NoHoldoutIsRejectedWithAMessage()
    {
        var outcome = new GoalModelTrainer(Fast).Train(Journeys.Schema, new Journeys().Build(500), []);

        Assert.False(outcome.Succeeded);
        Assert.Contains("No hold-out examples", outcome.Message);
    }

    [Fact]
    public void TrainingRowsOfOneClassAreRejectedWithAMessage()
    {
        var outcome = new GoalModelTrainer(Fast).Train(Journeys.Schema, new Journeys().AllLabelled(false).Build(500), new Journeys(2).Build(500));

        Assert.False(outcome.Succeeded);
        Assert.Contains("Only one class", outcome.Message);
        Assert.Contains("none of the 500 training examples reached the goal", outcome.Message);
    }

    [Fact]
    public void HoldoutRowsOfOneClassAreRejectedWithAMessage()
    {
        var outcome = new GoalModelTrainer(Fast).Train(Journeys.Schema, new Journeys().Build(500), new Journeys(2).AllLabelled(true).Build(200));

        Assert.False(outcome.Succeeded);
        Assert.Contains("all of the 200 hold-out examples reached the goal", outcome.Message);
    }

    [Fact]
    public void TooFewPositivesAreRejectedWithTheCount()
    {
        var train = new Journeys().AllLabelled(false).Build(500);
        train[0] = train[0] with { Label = true };

        var outcome = new GoalModelTrainer(Fast).Train(Journeys.Schema, train, new Journeys(2).Build(500));

        Assert.False(outcome.Succeeded);
        Assert.Contains("Only 1 of the 500 training examples reached the goal; at least 10 of each class are needed", outcome.Message);
    }

    [Fact]
    public void TooFewTrainingRowsAreRejected()
    {
        var outcome = new GoalModelTrainer(Fast with { MinimumTrainingExamples = 1_000 }).Train(Journeys.Schema, new Journeys().Build(999), new Journeys(2).Build(500));

        Assert.False(outcome.Succeeded);
        Assert.Contains("Only 999 training examples; at least 1,000 are needed", outcome.Message);
    }

    [Fact]
    public void MissingFeatureValuesAreHandled()
    {
        // A third of all values unknown, and one feature never known at all.
        static List<JourneyExample> Build(int seed, int count) =>
            new Journeys(seed).WithMissing(0.3).Build(count).Select(e => e with { Features = [.. e.Features[..4], float.NaN] }).ToList();

        var outcome = new GoalModelTrainer(Fast).Train(Journeys.Schema, Build(1, 3_000), Build(2, 1_500));

        Assert.True(outcome.Succeeded, outcome.Message);
        Assert.All(outcome.Candidates, c => Assert.True(c.Evaluation.Auc > 0.65, $"{c.Trainer}: AUC {c.Evaluation.Auc:F3}"));
        var scores = outcome.Best!.Model.Score(Build(3, 100)).ToList();
        Assert.All(scores, s => Assert.InRange(s.Probability, 0f, 1f));
    }

    [Fact]
    public void RowsOfAnotherWidthAreABug()
    {
        var train = new Journeys().Build(200);
        train[5] = train[5] with { Features = [1, 2, 3] };

        var error = Assert.Throws<ArgumentException>(() => new GoalModelTrainer(Fast).Train(Journeys.Schema, train, new Journeys(2).Build(200)));

        Assert.Contains("has 3 features, the schema 5", error.Message);
    }

    [Fact]
    public void ACancelledRunStopsBeforeTraining()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new GoalModelTrainer(FastLinear).Train(Journeys.Schema, new Journeys().Build(500), new Journeys(2).Build(200), cancelled.Token));
    }

    [Fact]
    public void InvalidOptionsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new GoalModelTrainer(new TrainingOptions { Trainers = [] }));
        Assert.Throws<ArgumentException>(() => new GoalModelTrainer(new TrainingOptions { Trainers = [TrainerKind.FastTree, TrainerKind.FastTree] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GoalModelTrainer(new TrainingOptions { Threads = 0 }));
    }
}
