using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using Engagement.Core.Journeys;
using Engagement.Ml;
using Microsoft.ML;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Engagement.Host.Bench;

/// <summary>How <c>engage bench models</c> is set up.</summary>
/// <param name="Rows">Training set sizes, each a separate run.</param>
/// <param name="Trainers">Trainers compared.</param>
/// <param name="ScoreRows">Rows scored from a generator in the memory part (c).</param>
/// <param name="Threads">Threads per trainer.</param>
/// <param name="Seed">Seed of the generated journeys and of the trainers.</param>
internal sealed record ModelBenchSettings(IReadOnlyList<int> Rows, IReadOnlyList<TrainerKind> Trainers, long ScoreRows, int Threads, int Seed);

/// <summary>One trainer on one training set size.</summary>
internal sealed record TrainingFigure(int Rows, TrainerKind Trainer, TimeSpan Duration, double RowsPerSecond, double Auc, double TopDecileLift, int HoldoutRows);

/// <summary><see cref="TrainedModel.Score"/> against raw ML.NET over the same rows in memory.</summary>
internal sealed record ScoringFigure(int Rows, TrainerKind Trainer, double ScorePerSecond, double RawPerSecond, CpuUse ScoreCpu, CpuUse RawCpu)
{
    public double Ratio => ScorePerSecond / RawPerSecond;
}

/// <summary>Scoring rows streamed from a generator, with memory sampled meanwhile.</summary>
internal sealed record StreamedScoringFigure(TrainerKind Trainer, long Rows, TimeSpan Elapsed, long StartWorkingSet, long PeakWorkingSet, long StartManagedHeap, long PeakManagedHeap, CpuUse Cpu)
{
    public double RowsPerSecond => Rows / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// <c>engage bench models</c>: (a) training time and rows/s per trainer for each training set size, (b) batch scoring
/// through <see cref="TrainedModel.Score"/> against raw <c>ITransformer.Transform</c> + <c>CreateEnumerable</c> over the
/// same rows in memory, with b's ratio against its target, (c) memory while scoring rows streamed from a generator.
/// Journeys are synthetic with a planted signal (<see cref="ModelBenchJourneys"/>); no storage is involved.
/// </summary>
internal static class ModelBench
{
    /// <summary>Scoring through the product API should keep at least this share of raw ML.NET's speed.</summary>
    private const double TargetRatio = 0.8;

    /// <summary>Alternating rounds of Score and raw scoring; the best of each counts.</summary>
    private const int MeasuredRounds = 3;

    /// <summary>A scoring measurement repeats passes over the rows until this much time has passed.</summary>
    private static readonly TimeSpan MinimumMeasurement = TimeSpan.FromSeconds(1.5);

    private static readonly DateTimeOffset TrainCutoff = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset HoldoutCutoff = new(2025, 3, 20, 0, 0, 0, TimeSpan.Zero);

    public static Task<int> RunAsync(ModelBenchSettings settings, CancellationToken cancellationToken)
    {
        if (Console.IsOutputRedirected)
        {
            // Redirected to a file, Spectre would wrap tables at 80 columns.
            AnsiConsole.Profile.Width = 200;
        }

        var options = new TrainingOptions { Trainers = settings.Trainers, Threads = settings.Threads, Seed = settings.Seed };
        PrintHeader(settings, options);
        var training = new List<TrainingFigure>();
        var scoring = new List<ScoringFigure>();
        // The best model of the largest run, as a model file: (c) loads it as the hourly scoring loads the champion.
        byte[]? champion = null;
        foreach (var rows in settings.Rows)
        {
            if (RunSize(rows, settings, options, training, scoring, cancellationToken) is { } model)
            {
                using var file = new MemoryStream();
                model.Save(file);
                champion = file.ToArray();
            }
        }

        StreamedScoringFigure? streamed = null;
        if (champion is not null && settings.ScoreRows > 0)
        {
            streamed = ScoreStreamed(champion, settings, cancellationToken);
        }

        PrintSummary(settings, training, scoring, streamed);
        return Task.FromResult(champion is null ? 1 : 0);
    }

    /// <summary>Trains and scores on one training set size; returns the best model, or null when training was rejected.</summary>
    private static TrainedModel? RunSize(int rows, ModelBenchSettings settings, TrainingOptions options, List<TrainingFigure> training, List<ScoringFigure> scoring, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var train = new ModelBenchJourneys(settings.Seed, TrainCutoff).Stream().Take(rows).ToList();
        var holdout = new ModelBenchJourneys(settings.Seed + 1, HoldoutCutoff).Stream().Take(Math.Max(rows / 5, 1_000)).ToList();
        Console.WriteLine($"({rows:N0} rows) generated {train.Count:N0} training and {holdout.Count:N0} hold-out journeys in {clock.Elapsed.TotalSeconds:N1} s " +
            $"(base rate {train.Count(e => e.Label) / (double)train.Count:P1}); training {string.Join(", ", settings.Trainers)}…");

        var outcome = new GoalModelTrainer(options).Train(ModelBenchJourneys.Schema, train, holdout, cancellationToken);
        if (!outcome.Succeeded)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]({rows:N0} rows) training rejected:[/] {outcome.Message}");
            return null;
        }

        Console.WriteLine($"  (a) shared featurization {outcome.FeaturizationDuration.TotalSeconds:N1} s");
        foreach (var candidate in outcome.Candidates)
        {
            var figure = new TrainingFigure(rows, candidate.Trainer, candidate.Duration, candidate.RowsPerSecond, candidate.Evaluation.Auc, candidate.Evaluation.TopDecileLift, holdout.Count);
            training.Add(figure);
            Console.WriteLine($"  (a) {candidate.Trainer,-18} {figure.Duration.TotalSeconds,7:N1} s {figure.RowsPerSecond,10:N0} rows/s | AUC {figure.Auc:F3}, top-decile lift {figure.TopDecileLift:F2}×");
        }

        foreach (var candidate in outcome.Candidates)
        {
            var figure = CompareScoring(candidate.Model, train, settings.Seed, cancellationToken);
            scoring.Add(figure);
            Console.WriteLine($"  (b) {candidate.Trainer,-18} Score {figure.ScorePerSecond,10:N0} users/s | raw Transform {figure.RawPerSecond,10:N0} users/s | ratio {figure.Ratio:F2}");
        }

        return outcome.Best!.Model;
    }

    /// <summary>
    /// Scores the same in-memory rows through <see cref="TrainedModel.Score"/> and through raw ML.NET (rows already
    /// in ML.NET's input shape, only the probability read back). Both are warmed up, then measured in alternating
    /// rounds of at least <see cref="MinimumMeasurement"/> each; the best round of each counts, which keeps a burst
    /// of another process on the shared machine out of the ratio.
    /// </summary>
    private static ScoringFigure CompareScoring(TrainedModel model, List<JourneyExample> rows, int seed, CancellationToken cancellationToken)
    {
        var context = new MLContext(seed);
        var definition = ModelRows.InputDefinition(model.Schema.Count);
        var inputs = rows.Select(row => ModelRows.ToInput(row, model.Schema)).ToList();
        var raw = context.Data.LoadFromEnumerable(inputs, definition);

        double ScoreApi(int take)
        {
            var sum = 0d;
            foreach (var scored in model.Score(rows.Take(take), cancellationToken))
            {
                sum += scored.Probability;
            }

            return sum;
        }

        double ScoreRaw(IDataView data)
        {
            var sum = 0d;
            foreach (var prediction in context.Data.CreateEnumerable<RawPrediction>(model.Transformer.Transform(data), reuseRowObject: true))
            {
                sum += prediction.Probability;
            }

            return sum;
        }

        var warmUp = Math.Min(rows.Count, 10_000);
        ScoreApi(warmUp);
        ScoreRaw(context.Data.LoadFromEnumerable(inputs.Take(warmUp), definition));
        (double PerSecond, CpuUse Cpu) bestApi = (0, CpuUse.None), bestRaw = (0, CpuUse.None);
        for (var round = 0; round < MeasuredRounds; round++)
        {
            var rawRun = Measure(() => ScoreRaw(raw), rows.Count);
            bestRaw = rawRun.PerSecond > bestRaw.PerSecond ? rawRun : bestRaw;
            var apiRun = Measure(() => ScoreApi(rows.Count), rows.Count);
            bestApi = apiRun.PerSecond > bestApi.PerSecond ? apiRun : bestApi;
        }

        return new ScoringFigure(rows.Count, model.Trainer, bestApi.PerSecond, bestRaw.PerSecond, bestApi.Cpu, bestRaw.Cpu);
    }

    /// <summary>Rows per second of whole passes repeated until <see cref="MinimumMeasurement"/> has passed.</summary>
    private static (double PerSecond, CpuUse Cpu) Measure(Func<double> pass, int rowsPerPass)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var cpu = new CpuMeter(null);
        var clock = Stopwatch.StartNew();
        long rows = 0;
        do
        {
            pass();
            rows += rowsPerPass;
        }
        while (clock.Elapsed < MinimumMeasurement);

        return (rows / clock.Elapsed.TotalSeconds, cpu.Stop());
    }

    /// <summary>(c) Scores rows drawn one by one from a generator, never held in a list, sampling memory meanwhile.</summary>
    private static StreamedScoringFigure ScoreStreamed(byte[] modelFile, ModelBenchSettings settings, CancellationToken cancellationToken)
    {
        // ML.NET's reader threads of the runs before let go of their rows a moment after their cursors are disposed.
        Thread.Sleep(TimeSpan.FromSeconds(3));
        var model = TrainedModel.Load(new MemoryStream(modelFile));
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var startWorkingSet = Environment.WorkingSet;
        var startHeap = GC.GetTotalMemory(false);
        var peaks = new MemoryPeaks();
        Console.WriteLine($"(c) scoring {settings.ScoreRows:N0} generated journeys with the {model.Trainer} model (file of {modelFile.Length / 1024.0:N0} KB); working set at start {MemoryBench.Mb(startWorkingSet)}, managed heap {MemoryBench.Mb(startHeap)}");
        using var sampler = new Timer(_ => peaks.Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
        var cpu = new CpuMeter(null);
        var clock = Stopwatch.StartNew();
        var source = new ModelBenchJourneys(settings.Seed + 2, HoldoutCutoff).Stream().Take(checked((int)settings.ScoreRows));
        long scored = 0, next = Math.Max(1, settings.ScoreRows / 5);
        foreach (var _ in model.Score(source, cancellationToken))
        {
            if (++scored % next == 0)
            {
                peaks.Sample();
                Console.WriteLine($"  (c) {scored,11:N0} rows {clock.Elapsed.TotalSeconds,6:N1} s | working set {MemoryBench.Mb(Environment.WorkingSet)}, managed heap {MemoryBench.Mb(GC.GetTotalMemory(false))}");
            }
        }

        clock.Stop();
        var used = cpu.Stop();
        peaks.Sample();
        return new StreamedScoringFigure(model.Trainer, scored, clock.Elapsed, startWorkingSet, peaks.WorkingSet, startHeap, peaks.ManagedHeap, used);
    }

    private static void PrintHeader(ModelBenchSettings settings, TrainingOptions options)
    {
        BenchHeader.Print("engage bench models");
        AnsiConsole.WriteLine($"training:  {string.Join(", ", settings.Trainers)}; {options.Threads} threads each; {options.NumberOfTrees} trees of ≤ {options.NumberOfLeaves} leaves (≥ {options.MinimumExamplesPerLeaf} rows), learning rate {options.LearningRate}; " +
            $"SDCA ≤ {options.LogisticRegressionMaximumIterations} passes; ≤ {options.MaximumTextTokens:N0} text tokens; seed {settings.Seed}");
        AnsiConsole.WriteLine($"journeys:  synthetic with a planted signal, {ModelBenchJourneys.Schema.Count} numeric features (two CRM traits unknown for 40 %) and 5–6 URL tokens each; hold-out = 1/5 of the training rows, newer cut-off");
        AnsiConsole.WriteLine();
    }

    private static void PrintSummary(ModelBenchSettings settings, List<TrainingFigure> training, List<ScoringFigure> scoring, StreamedScoringFigure? streamed)
    {
        var table = new Table().Title("engage bench models").AddColumns(
            new TableColumn(string.Empty), new TableColumn("measure"), new TableColumn("figure").RightAligned(), new TableColumn("details"));
        foreach (var t in training)
        {
            table.AddRow(Cells("(a)", $"train {t.Trainer}, {t.Rows:N0} rows", $"{t.RowsPerSecond:N0} rows/s",
                $"{t.Duration.TotalSeconds:N1} s; hold-out of {t.HoldoutRows:N0}: AUC {t.Auc:F3}, top-decile lift {t.TopDecileLift:F2}×"));
        }

        foreach (var s in scoring)
        {
            table.AddRow(Cells("(b)", $"score {s.Trainer}, {s.Rows:N0} rows in memory", $"{s.ScorePerSecond:N0} users/s",
                $"TrainedModel.Score; {s.ScoreCpu}"));
            table.AddRow(Cells("(b)", $"raw Transform {s.Trainer}, same rows", $"{s.RawPerSecond:N0} users/s",
                $"ITransformer.Transform + CreateEnumerable (reused row) over rows already in ML.NET's shape; {s.RawCpu}"));
            table.AddRow(
                new Text("(b)"), new Text($"Score / raw, {s.Trainer}"),
                new Markup(s.Ratio >= TargetRatio ? $"{s.Ratio:F2} [green]PASS[/]" : $"{s.Ratio:F2} [red]MISS[/]"),
                new Text($"target ≥ {TargetRatio:F2}"));
        }

        if (streamed is not null)
        {
            table.AddRow(Cells("(c)", $"score {streamed.Rows:N0} rows streamed", $"{streamed.RowsPerSecond:N0} users/s",
                $"{streamed.Trainer} model; rows generated one by one, never held in a list; {streamed.Elapsed.TotalSeconds:N1} s; {streamed.Cpu}"));
            table.AddRow(Cells("(c)", "peak memory while scoring", $"{MemoryBench.Mb(streamed.PeakWorkingSet)} working set",
                $"at start {MemoryBench.Mb(streamed.StartWorkingSet)}; managed heap {MemoryBench.Mb(streamed.StartManagedHeap)} at start, peak {MemoryBench.Mb(streamed.PeakManagedHeap)} (sampled every 100 ms)"));
        }

        using var self = Process.GetCurrentProcess();
        table.AddRow(Cells(string.Empty, "process peak working set", MemoryBench.Mb(self.PeakWorkingSet64),
            $"over the whole run, including the largest training set ({(settings.Rows.Count == 0 ? 0 : settings.Rows.Max()):N0} rows) held in memory while training"));
        AnsiConsole.Write(table);
    }

    private static IRenderable[] Cells(params string[] texts) => texts.Select(t => (IRenderable)new Text(t)).ToArray();

    /// <summary>What raw ML.NET scoring reads back.</summary>
    private sealed class RawPrediction
    {
        public float Probability { get; set; }
    }

    /// <summary>Highest memory figures seen by the sampler.</summary>
    private sealed class MemoryPeaks
    {
        private readonly Lock _gate = new();

        public long WorkingSet { get; private set; }

        public long ManagedHeap { get; private set; }

        public void Sample()
        {
            lock (_gate)
            {
                WorkingSet = Math.Max(WorkingSet, Environment.WorkingSet);
                ManagedHeap = Math.Max(ManagedHeap, GC.GetTotalMemory(false));
            }
        }
    }
}
