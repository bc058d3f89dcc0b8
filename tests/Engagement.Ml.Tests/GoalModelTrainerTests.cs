using Engagement.Core.Journeys;

namespace Engagement.Ml.Tests;

public sealed class GoalModelTrainerTests
{
    private static readonly TrainingOptions Fast = new() { Threads = 1, NumberOfTrees = 40, MinimumExamplesPerLeaf = 20 };

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
        }

        Assert.Equal(outcome.Candidates.Max(c => c.Evaluation.Auc), outcome.Best!.Evaluation.Auc);
    }
}
