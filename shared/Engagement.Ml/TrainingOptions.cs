namespace Engagement.Ml;

/// <summary>
/// How <see cref="GoalModelTrainer"/> trains. The defaults suit journeys of tens of thousands to a few million rows
/// on a small machine; a run is reproducible for a given <see cref="Seed"/> when <see cref="Threads"/> is 1.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Seed of every random choice of the trainers.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Trainers to compare on every run, in order of preference when two reach the same AUC.</summary>
    public IReadOnlyList<TrainerKind> Trainers { get; init; } = [TrainerKind.LightGbm, TrainerKind.FastTree, TrainerKind.LogisticRegression];

    /// <summary>Threads each trainer may use. Two by default: the machine is shared with ingestion and the API.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Fewer training rows than this reject the run: a model of so few journeys would learn noise.</summary>
    public int MinimumTrainingExamples { get; init; } = 100;

    /// <summary>
    /// Fewer rows than this of either class, in the training rows or in the hold-out, reject the run: with a handful
    /// of conversions neither the model nor its AUC and lift mean anything.
    /// </summary>
    public int MinimumExamplesPerClass { get; init; } = 10;

    /// <summary>Boosting rounds (trees) of LightGBM and FastTree.</summary>
    public int NumberOfTrees { get; init; } = 200;

    /// <summary>Maximum leaves per tree of LightGBM and FastTree.</summary>
    public int NumberOfLeaves { get; init; } = 31;

    /// <summary>Minimum rows in a leaf of LightGBM and FastTree; larger values smooth rare segments.</summary>
    public int MinimumExamplesPerLeaf { get; init; } = 50;

    /// <summary>Shrinkage of each boosting round of LightGBM and FastTree.</summary>
    public double LearningRate { get; init; } = 0.05;

    /// <summary>
    /// Passes over the data of the SDCA logistic regression at most (ML.NET picks a number by itself when null).
    /// </summary>
    public int? LogisticRegressionMaximumIterations { get; init; } = 30;

    /// <summary>Distinct URL/title tokens kept as learned text features, the most frequent first.</summary>
    public int MaximumTextTokens { get; init; } = 5_000;

    /// <summary>Throws when a value is out of range; expected problems with the data are reported by the trainer instead.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    /// <exception cref="ArgumentException">No trainer, or one listed twice.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumTrainingExamples, 1, nameof(MinimumTrainingExamples));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumExamplesPerClass, 1, nameof(MinimumExamplesPerClass));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumberOfTrees, 1, nameof(NumberOfTrees));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumberOfLeaves, 2, nameof(NumberOfLeaves));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumExamplesPerLeaf, 1, nameof(MinimumExamplesPerLeaf));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LearningRate, 0, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumTextTokens, 1, nameof(MaximumTextTokens));
        if (LogisticRegressionMaximumIterations is { } iterations)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1, nameof(LogisticRegressionMaximumIterations));
        }

        if (Trainers is null || Trainers.Count == 0)
        {
            throw new ArgumentException("At least one trainer must be configured.", nameof(Trainers));
        }

        if (Trainers.Distinct().Count() != Trainers.Count)
        {
            throw new ArgumentException($"A trainer is listed twice: {string.Join(", ", Trainers)}.", nameof(Trainers));
        }
    }
}
