using Engagement.Core.Journeys;

namespace Engagement.Ml.Tests;

/// <summary>One small training run shared by the tests that need a trained model (training is the slow part).</summary>
public sealed class TrainedRun
{
    public TrainedRun()
    {
        Train = new Journeys(seed: 11).Build(3_000);
        Holdout = new Journeys(seed: 12).WithCutoff(new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero)).Build(1_500);
        var options = new TrainingOptions { Threads = 1, NumberOfTrees = 30, MinimumExamplesPerLeaf = 20, Trainers = [TrainerKind.LightGbm, TrainerKind.FastTree, TrainerKind.LogisticRegression] };
        Outcome = new GoalModelTrainer(options).Train(Journeys.Schema, Train, Holdout);
        Model = Outcome.Best?.Model ?? throw new InvalidOperationException(Outcome.Message);
    }

    public List<JourneyExample> Train { get; }

    public List<JourneyExample> Holdout { get; }

    public TrainingOutcome Outcome { get; }

    public TrainedModel Model { get; }
}

[CollectionDefinition(Name)]
public sealed class SharedTrainedRun : ICollectionFixture<TrainedRun>
{
    public const string Name = "trained run";
}
