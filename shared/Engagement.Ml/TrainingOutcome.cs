using Engagement.Core.Journeys;

namespace Engagement.Ml;

/// <summary>One trainer's model of a run and how it did on the hold-out.</summary>
/// <param name="Trainer">The algorithm.</param>
/// <param name="Evaluation">Its figures on the run's hold-out.</param>
/// <param name="Model">The trained model, ready to save or score.</param>
/// <param name="Duration">Time the trainer took to fit (after the shared featurization).</param>
/// <param name="TrainingRows">Rows it learned from.</param>
public sealed record TrainingCandidate(TrainerKind Trainer, ModelEvaluation Evaluation, TrainedModel Model, TimeSpan Duration, int TrainingRows)
{
    /// <summary>Training rows per second of <see cref="Duration"/>.</summary>
    public double RowsPerSecond => TrainingRows / Math.Max(Duration.TotalSeconds, 1e-9);
}

/// <summary>
/// What a training run produced: every configured trainer's candidate on the same hold-out and the best by AUC, or,
/// when the data cannot support a model, a rejection with a message a person can act on.
/// </summary>
public sealed record TrainingOutcome
{
    private TrainingOutcome(FeatureSchema schema, DataSummary train, DataSummary holdout, string? message, IReadOnlyList<TrainingCandidate> candidates, TimeSpan featurization)
    {
        Schema = schema;
        Train = train;
        Holdout = holdout;
        Message = message;
        Candidates = candidates;
        FeaturizationDuration = featurization;
    }

    /// <summary>True when at least one model was trained and evaluated.</summary>
    public bool Succeeded => Message is null;

    /// <summary>Why the run was rejected; null when it succeeded.</summary>
    public string? Message { get; }

    /// <summary>The feature schema of the run.</summary>
    public FeatureSchema Schema { get; }

    /// <summary>Size and base rate of the training rows.</summary>
    public DataSummary Train { get; }

    /// <summary>Size and base rate of the hold-out rows.</summary>
    public DataSummary Holdout { get; }

    /// <summary>One candidate per configured trainer, in the configured order; empty when rejected.</summary>
    public IReadOnlyList<TrainingCandidate> Candidates { get; }

    /// <summary>Time spent once per run learning the text vocabulary and missing-value replacements and featurizing the training rows.</summary>
    public TimeSpan FeaturizationDuration { get; }

    /// <summary>The candidate with the highest hold-out AUC (the earlier configured on a tie); null when rejected.</summary>
    public TrainingCandidate? Best => Candidates
        .Select((candidate, order) => (candidate, order))
        .OrderByDescending(c => double.IsNaN(c.candidate.Evaluation.Auc) ? double.MinValue : c.candidate.Evaluation.Auc)
        .ThenBy(c => c.order)
        .Select(c => c.candidate)
        .FirstOrDefault();

    internal static TrainingOutcome Rejected(FeatureSchema schema, DataSummary train, DataSummary holdout, string message) =>
        new(schema, train, holdout, message, [], TimeSpan.Zero);

    internal static TrainingOutcome Trained(FeatureSchema schema, DataSummary train, DataSummary holdout, IReadOnlyList<TrainingCandidate> candidates, TimeSpan featurization) =>
        new(schema, train, holdout, null, candidates, featurization);
}

/// <summary>Rows and positives of a set of examples.</summary>
/// <param name="Rows">Examples.</param>
/// <param name="Positives">Examples that reached the goal.</param>
public sealed record DataSummary(int Rows, int Positives)
{
    /// <summary>Positives / rows (NaN without rows).</summary>
    public double BaseRate => Rows == 0 ? double.NaN : (double)Positives / Rows;

    /// <summary>Examples that did not reach the goal.</summary>
    public int Negatives => Rows - Positives;

    internal static DataSummary Of(IReadOnlyList<JourneyExample> examples) => new(examples.Count, examples.Count(e => e.Label));
}
