using System.Globalization;
using Engagement.Core.Journeys;
using Engagement.Infrastructure.Journeys;
using Engagement.Infrastructure.Scheduling;
using Engagement.Ml;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Models;

/// <summary>One trainer's result in a run.</summary>
/// <param name="Trainer">The trainer.</param>
/// <param name="Auc">Hold-out AUC.</param>
/// <param name="TopDecileLift">Hold-out top-decile lift.</param>
/// <param name="Duration">Training time.</param>
public sealed record TrainerResult(string Trainer, double Auc, double TopDecileLift, TimeSpan Duration);

/// <summary>What training one goal did.</summary>
/// <param name="Goal">The goal.</param>
/// <param name="Trained">Whether a model was trained and stored.</param>
/// <param name="Message">What happened, for a person: why nothing was trained, or the champion decision.</param>
/// <param name="Version">The stored version, when trained.</param>
/// <param name="Promoted">Whether it became the champion.</param>
/// <param name="Trainer">The best trainer.</param>
/// <param name="Metrics">The best model's hold-out evaluation.</param>
/// <param name="TopFeatures">The strongest features, strongest first.</param>
/// <param name="Trainers">Every trainer's result.</param>
/// <param name="TrainRows">Training rows.</param>
/// <param name="HoldoutRows">Hold-out rows.</param>
public sealed record GoalTrainingReport(
    string Goal,
    bool Trained,
    string Message,
    string? Version = null,
    bool Promoted = false,
    string? Trainer = null,
    ModelEvaluation? Metrics = null,
    IReadOnlyList<FeatureImpact>? TopFeatures = null,
    IReadOnlyList<TrainerResult>? Trainers = null,
    int TrainRows = 0,
    int HoldoutRows = 0);

/// <summary>
/// Retrains every goal's model from stored journeys: rows at daily cut-offs (features before, label after), the
/// newest cut-offs held out, every configured trainer compared on the same hold-out, the best stored with its report,
/// and promoted only if it beats the champion re-evaluated on that same hold-out.
/// </summary>
public sealed partial class ModelTraining(
    JourneyStore journeys,
    ModelRegistry registry,
    JourneyInterests interests,
    IOptions<ModelOptions> options,
    TimeProvider clock,
    ILogger<ModelTraining> logger) : IScheduledJob
{
    /// <inheritdoc />
    public string Name => nameof(Schedules.RetrainModels);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken = default) => await TrainAllAsync(cancellationToken);

    /// <summary>Trains every goal now.</summary>
    public async Task<IReadOnlyList<GoalTrainingReport>> TrainAllAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var goals = settings.EffectiveGoals();
        var people = await ReadRecentAsync(settings, cancellationToken);
        if (people.Count == 0)
        {
            return goals.Select(g => Refused(g, "No journeys in the training window: ingest events first. The champion is unchanged.")).ToList();
        }

        var dataStart = people.Min(p => p.Journey.Steps[0].Timestamp);
        var dataEnd = people.Max(p => p.Journey.Steps[^1].Timestamp);
        var cutoffs = JourneyFeatures.DailyCutoffs(dataStart, dataEnd, settings.Horizon);
        if (cutoffs.Count < settings.HoldoutDays + 1)
        {
            var days = (dataEnd - dataStart).TotalDays.ToString("F1", CultureInfo.InvariantCulture);
            return goals.Select(g => Refused(g,
                $"Only {days} days of events: training needs whole days for at least {settings.HoldoutDays + 1} cut-offs (one held out) plus the {settings.Horizon.TotalDays:F0}-day horizon. The champion is unchanged.")).ToList();
        }

        var holdoutFrom = cutoffs[^settings.HoldoutDays];
        var reports = new List<GoalTrainingReport>();
        foreach (var goal in goals)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var report = await TrainAsync(goal, people, cutoffs, holdoutFrom, settings, cancellationToken);
            LogTrained(logger, goal.Name, report.Message);
            reports.Add(report);
        }

        return reports;
    }

    private async Task<GoalTrainingReport> TrainAsync(
        GoalDefinition goal, List<PersonJourney> people, IReadOnlyList<DateTimeOffset> cutoffs, DateTimeOffset holdoutFrom, ModelOptions settings, CancellationToken cancellationToken)
    {
        var schema = JourneyFeatures.SchemaFor(people.Select(p => p.Journey), interests.FeatureNames);
        var examples = Examples(new JourneyFeatures(schema, interests.Features), goal, people, cutoffs, settings.Horizon);
        var split = TimeSplit.Split(examples, holdoutFrom, settings.Horizon);
        var trainer = new GoalModelTrainer(TrainingOptionsOf(settings));
        var outcome = trainer.Train(schema, split.Train, split.Holdout, cancellationToken);
        if (!outcome.Succeeded || outcome.Best is not { } best)
        {
            return Refused(goal, (outcome.Message ?? "No trainer produced a model.") + " The champion is unchanged.") with { TrainRows = split.Train.Count, HoldoutRows = split.Holdout.Count };
        }

        var importance = FeatureImportance.Permutation(best.Model, split.Holdout, settings.Seed, cancellationToken: cancellationToken);
        var championEvaluation = await EvaluateChampionAsync(goal, people, cutoffs, holdoutFrom, settings, split.Holdout, cancellationToken);
        var decision = ChampionPolicy.Decide(best.Evaluation, championEvaluation, settings.MinAucGain);
        var version = registry.NewVersion();
        var report = ModelReport.Build(new ModelReportInput(goal.Name, version, clock.GetUtcNow(), outcome, importance, decision.Reason));
        var charts = new Dictionary<string, byte[]>
        {
            [ModelReport.LiftChartFileName] = report.LiftChartPng.ToArray(),
            [ModelReport.RocChartFileName] = report.RocChartPng.ToArray(),
        };
        await registry.SaveAsync(goal.Name, version, best.Model, new ModelArtifacts(best.Trainer.ToString(), best.Evaluation, report.Markdown, charts), cancellationToken);
        var promoted = decision.Promote && (await registry.PromoteAsync(goal.Name, version, decision.Reason, cancellationToken)).Succeeded;
        return new GoalTrainingReport(
            goal.Name,
            Trained: true,
            decision.Reason,
            version,
            promoted,
            best.Trainer.ToString(),
            best.Evaluation,
            importance.Take(10).ToList(),
            outcome.Candidates.Select(c => new TrainerResult(c.Trainer.ToString(), c.Evaluation.Auc, c.Evaluation.TopDecileLift, c.Duration)).ToList(),
            split.Train.Count,
            split.Holdout.Count);
    }

    /// <summary>
    /// The champion's evaluation on the candidate's hold-out: the same people and cut-offs, with the champion's own
    /// features. Null when there is no champion (or none that loads, which the registry logs).
    /// </summary>
    private async Task<ModelEvaluation?> EvaluateChampionAsync(
        GoalDefinition goal, List<PersonJourney> people, IReadOnlyList<DateTimeOffset> cutoffs, DateTimeOffset holdoutFrom, ModelOptions settings,
        IReadOnlyList<JourneyExample> holdout, CancellationToken cancellationToken)
    {
        if (await registry.GetChampionAsync(goal.Name, cancellationToken) is not { } champion)
        {
            return null;
        }

        var rows = Examples(new JourneyFeatures(champion.Model.Schema, interests.Features), goal, people, cutoffs.Where(c => c >= holdoutFrom).ToList(), settings.Horizon);
        var held = TimeSplit.Split(rows, holdoutFrom, settings.Horizon).Holdout;
        if (held.Count != holdout.Count)
        {
            // Cannot happen with the same people and cut-offs; if it did, a comparison would be unfair.
            return null;
        }

        var labels = held.ToDictionary(r => (r.ProfileKey, r.Cutoff), r => r.Label);
        var scores = champion.Model.Score(held, cancellationToken)
            .Zip(held, (score, row) => new LabeledScore(score.Probability, labels[(row.ProfileKey, row.Cutoff)]));
        return ModelEvaluation.Compute(scores);
    }

    private static List<JourneyExample> Examples(
        JourneyFeatures features, GoalDefinition goal, List<PersonJourney> people, IReadOnlyList<DateTimeOffset> cutoffs, TimeSpan horizon)
    {
        var rows = new List<JourneyExample>();
        foreach (var person in people)
        {
            foreach (var cutoff in cutoffs)
            {
                var traits = JourneyFeatures.TraitTokens(person.CategoricalTraits(before: cutoff));
                if (features.Labelled(person.Journey, cutoff, goal, horizon, traits) is { } row)
                {
                    rows.Add(row);
                }
            }
        }

        return rows;
    }

    private async Task<List<PersonJourney>> ReadRecentAsync(ModelOptions settings, CancellationToken cancellationToken)
    {
        // Journeys of the window are held in memory: training needs every row at once.
        var people = new List<PersonJourney>();
        var latest = DateTimeOffset.MinValue;
        await foreach (var person in journeys.ReadAllAsync(cancellationToken))
        {
            people.Add(person);
            latest = person.Journey.Steps[^1].Timestamp > latest ? person.Journey.Steps[^1].Timestamp : latest;
        }

        // The window ends at the newest event rather than the clock, so a store whose traffic stopped still trains.
        var from = (latest < clock.GetUtcNow() ? latest : clock.GetUtcNow()).AddDays(-settings.TrainingDays);
        return people.Where(p => p.Journey.Steps[^1].Timestamp >= from).ToList();
    }

    private TrainingOptions TrainingOptionsOf(ModelOptions settings)
    {
        var trainers = settings.Trainers.Count == 0
            ? new TrainingOptions().Trainers
            : settings.Trainers.Select(t => Enum.Parse<TrainerKind>(t, ignoreCase: true)).Distinct().ToList();
        if (trainers.Contains(TrainerKind.LightGbm) && !LightGbmRuntimeAvailable())
        {
            // LightGBM's native library needs the GNU OpenMP runtime; without it the other trainers still run.
            LogLightGbmUnavailable(logger);
            trainers = trainers.Where(t => t != TrainerKind.LightGbm).ToList();
        }

        return new TrainingOptions { Seed = settings.Seed, Trainers = trainers };
    }

    private static bool LightGbmRuntimeAvailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        if (System.Runtime.InteropServices.NativeLibrary.TryLoad("libgomp.so.1", out var handle))
        {
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
            return true;
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LightGBM is left out of training: its native library needs libgomp1 (apt-get install libgomp1)")]
    private static partial void LogLightGbmUnavailable(ILogger logger);

    private static GoalTrainingReport Refused(GoalDefinition goal, string message) => new(goal.Name, Trained: false, message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Goal}: {Outcome}")]
    private static partial void LogTrained(ILogger logger, string goal, string outcome);
}
