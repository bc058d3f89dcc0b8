using System.Diagnostics;
using System.Globalization;
using Engagement.Core.Journeys;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Text;

namespace Engagement.Ml;

/// <summary>
/// Trains a binary propensity model of a goal and compares the configured trainers on the same hold-out.
/// </summary>
/// <remarks>
/// Every trainer learns from the same featurized rows: the numeric features with NaN replaced by the training mean,
/// one 0/1 flag per numeric feature telling that it was missing, and the bag of URL/title tokens of
/// <see cref="JourneyExample.Text"/> (lower-cased, diacritics removed, the <see cref="TrainingOptions.MaximumTextTokens"/>
/// most frequent kept, L2-normalized). Logistic regression additionally scales every feature by its standard deviation.
/// The featurization is learned once per run from the training rows only and is part of every saved model.
/// </remarks>
public sealed class GoalModelTrainer
{
    private const string MissingFlags = "MissingFlags";
    private const string FilledFeatures = "FilledFeatures";
    private const string TextFeatures = "TextFeatures";

    private readonly TrainingOptions _options;

    /// <summary>Creates a trainer.</summary>
    /// <param name="options">How to train; the defaults of <see cref="TrainingOptions"/> when null.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public GoalModelTrainer(TrainingOptions? options = null)
    {
        _options = options ?? new TrainingOptions();
        _options.Validate();
    }

    /// <summary>
    /// Trains every configured trainer on <paramref name="train"/> and evaluates each on <paramref name="holdout"/>.
    /// Data that cannot support a model (no rows, too few, only one class) gives a rejected outcome, not an exception.
    /// </summary>
    /// <param name="schema">The names of the numeric features, in the order of every row's <see cref="JourneyExample.Features"/>.</param>
    /// <param name="train">Older examples to learn from.</param>
    /// <param name="holdout">Newer examples to judge on (see <see cref="TimeSplit"/>).</param>
    /// <param name="cancellationToken">
    /// Checked while featurizing, between trainers and while evaluating; ML.NET offers no way to stop a trainer midway,
    /// so a cancellation waits for the running trainer to finish.
    /// </param>
    /// <exception cref="ArgumentException">The schema is empty or a row's width differs from it.</exception>
    public TrainingOutcome Train(FeatureSchema schema, IReadOnlyList<JourneyExample> train, IReadOnlyList<JourneyExample> holdout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(holdout);
        if (schema.Count == 0)
        {
            throw new ArgumentException("The feature schema names no feature; a model needs at least one numeric feature.", nameof(schema));
        }

        CheckWidths(schema, train, nameof(train));
        CheckWidths(schema, holdout, nameof(holdout));
        var trainSummary = DataSummary.Of(train);
        var holdoutSummary = DataSummary.Of(holdout);
        if (Rejection(trainSummary, holdoutSummary) is { } message)
        {
            return TrainingOutcome.Rejected(schema, trainSummary, holdoutSummary, message);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return TrainAll(TrainedModel.CreateContext(_options.Seed), schema, train, holdout, trainSummary, holdoutSummary, cancellationToken);
    }

    private TrainingOutcome TrainAll(
        MLContext context,
        FeatureSchema schema,
        IReadOnlyList<JourneyExample> train,
        IReadOnlyList<JourneyExample> holdout,
        DataSummary trainSummary,
        DataSummary holdoutSummary,
        CancellationToken cancellationToken)
    {
        var rows = context.Data.LoadFromEnumerable(train.Select(e => ModelRows.ToInput(e, schema)), ModelRows.InputDefinition(schema.Count));
        var clock = Stopwatch.StartNew();
        var featurizer = Featurizer(context).Fit(rows);
        var featurized = context.Data.Cache(featurizer.Transform(rows), ModelRows.FeatureVector, ModelRows.Label);
        FillCache(featurized, cancellationToken);
        var featurization = clock.Elapsed;

        var candidates = new List<TrainingCandidate>();
        foreach (var kind in _options.Trainers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            clock.Restart();
            var predictor = Fit(context, kind, featurized);
            var duration = clock.Elapsed;
            var model = new TrainedModel(context, new TransformerChain<ITransformer>(featurizer, predictor), schema, kind);
            var evaluation = ModelEvaluation.Compute(model.ScoreLabeled(holdout, cancellationToken));
            candidates.Add(new TrainingCandidate(kind, evaluation, model, duration, train.Count));
        }

        return TrainingOutcome.Trained(schema, trainSummary, holdoutSummary, candidates, featurization);
    }

    private EstimatorChain<ColumnConcatenatingTransformer> Featurizer(MLContext context)
    {
        var text = new TextFeaturizingEstimator.Options
        {
            CaseMode = TextNormalizingEstimator.CaseMode.Lower,
            KeepDiacritics = false,
            KeepPunctuations = false,
            KeepNumbers = true,
            // Tokens are URL path segments and title words: single words carry the signal, character n-grams only noise.
            WordFeatureExtractor = new WordBagEstimator.Options { NgramLength = 1, UseAllLengths = false, MaximumNgramsCount = [_options.MaximumTextTokens] },
            CharFeatureExtractor = null,
            Norm = TextFeaturizingEstimator.NormFunction.L2,
        };
        return context.Transforms.IndicateMissingValues(MissingFlags, ModelRows.Features)
            .Append(context.Transforms.Conversion.ConvertType(MissingFlags, MissingFlags, DataKind.Single))
            .Append(context.Transforms.ReplaceMissingValues(FilledFeatures, ModelRows.Features, MissingValueReplacingEstimator.ReplacementMode.Mean))
            .Append(context.Transforms.Text.FeaturizeText(TextFeatures, text, ModelRows.Text))
            .Append(context.Transforms.Concatenate(ModelRows.FeatureVector, FilledFeatures, MissingFlags, TextFeatures));
    }

    private ITransformer Fit(MLContext context, TrainerKind kind, IDataView featurized)
    {
        var trainers = context.BinaryClassification.Trainers;
        switch (kind)
        {
            case TrainerKind.LightGbm:
                return trainers.LightGbm(new LightGbmBinaryTrainer.Options
                {
                    LabelColumnName = ModelRows.Label,
                    FeatureColumnName = ModelRows.FeatureVector,
                    NumberOfIterations = _options.NumberOfTrees,
                    NumberOfLeaves = _options.NumberOfLeaves,
                    MinimumExampleCountPerLeaf = _options.MinimumExamplesPerLeaf,
                    LearningRate = _options.LearningRate,
                    NumberOfThreads = _options.Threads,
                    Seed = _options.Seed,
                    Deterministic = true,
                    Silent = true,
                    Verbose = false,
                }).Fit(featurized);
            case TrainerKind.FastTree:
                return trainers.FastTree(new FastTreeBinaryTrainer.Options
                {
                    LabelColumnName = ModelRows.Label,
                    FeatureColumnName = ModelRows.FeatureVector,
                    NumberOfTrees = _options.NumberOfTrees,
                    NumberOfLeaves = _options.NumberOfLeaves,
                    MinimumExampleCountPerLeaf = _options.MinimumExamplesPerLeaf,
                    LearningRate = _options.LearningRate,
                    NumberOfThreads = _options.Threads,
                    Seed = _options.Seed,
                }).Fit(featurized);
            case TrainerKind.LogisticRegression:
                // SDCA converges only on features of comparable scale; dividing by the standard deviation keeps the
                // text features sparse (no centring).
                var normalizer = context.Transforms.NormalizeMeanVariance(ModelRows.FeatureVector, fixZero: true).Fit(featurized);
                var predictor = trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options
                {
                    LabelColumnName = ModelRows.Label,
                    FeatureColumnName = ModelRows.FeatureVector,
                    NumberOfThreads = _options.Threads,
                    MaximumNumberOfIterations = _options.LogisticRegressionMaximumIterations,
                    Shuffle = true,
                }).Fit(normalizer.Transform(featurized));
                return new TransformerChain<ITransformer>(normalizer, predictor);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown trainer.");
        }
    }

    /// <summary>One pass over the featurized rows, so the cache holds them before any trainer's clock starts.</summary>
    private static void FillCache(IDataView featurized, CancellationToken cancellationToken)
    {
        var columns = featurized.Schema.Where(c => c.Name is ModelRows.FeatureVector or ModelRows.Label).ToArray();
        using var cursor = featurized.GetRowCursor(columns);
        var features = cursor.GetGetter<VBuffer<float>>(featurized.Schema[ModelRows.FeatureVector]);
        var vector = default(VBuffer<float>);
        var rows = 0L;
        while (cursor.MoveNext())
        {
            features(ref vector);
            if (++rows % 65_536 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    private static void CheckWidths(FeatureSchema schema, IReadOnlyList<JourneyExample> examples, string parameter)
    {
        foreach (var example in examples)
        {
            if (example.Features is null || example.Features.Length != schema.Count)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"A row of profile '{example.ProfileKey}' has {example.Features?.Length ?? 0} features, the schema {schema.Count}: every row must follow the schema."),
                    parameter);
            }
        }
    }

    private string? Rejection(DataSummary train, DataSummary holdout)
    {
        if (train.Rows == 0)
        {
            return "No training examples: no journey has a cut-off before the hold-out period. Ingest more history, or start the hold-out period later.";
        }

        if (holdout.Rows == 0)
        {
            return "No hold-out examples: no journey has a cut-off in the hold-out period, so a model could not be judged. Start the hold-out period earlier, or wait for newer data.";
        }

        if (train.Rows < _options.MinimumTrainingExamples)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Only {train.Rows:N0} training examples; at least {_options.MinimumTrainingExamples:N0} are needed. Ingest more history or lengthen the training period.");
        }

        return ClassRejection(train, "training examples", "lengthen the training period or the label horizon")
            ?? ClassRejection(holdout, "hold-out examples", "lengthen the hold-out period");
    }

    private string? ClassRejection(DataSummary data, string what, string remedy)
    {
        var minimum = _options.MinimumExamplesPerClass;
        if (data.Positives == 0 || data.Negatives == 0)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"Only one class: {(data.Positives == 0 ? "none" : "all")} of the {data.Rows:N0} {what} reached the goal, and a model needs people who did and people who did not. " +
                $"Check the goal's definition (event name, threshold), or {remedy}.");
        }

        if (data.Positives < minimum || data.Negatives < minimum)
        {
            var (smaller, name) = data.Positives < data.Negatives ? (data.Positives, "reached the goal") : (data.Negatives, "did not reach the goal");
            return string.Create(CultureInfo.InvariantCulture,
                $"Only {smaller:N0} of the {data.Rows:N0} {what} {name}; at least {minimum:N0} of each class are needed. Choose a more frequent goal, or {remedy}.");
        }

        return null;
    }
}
