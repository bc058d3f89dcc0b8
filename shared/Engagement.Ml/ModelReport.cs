using System.Globalization;
using System.Text;
using ScottPlot;

namespace Engagement.Ml;

/// <summary>What a run report is made of.</summary>
/// <param name="Goal">The goal's name, e.g. <c>order-completed</c>.</param>
/// <param name="Version">The model version the run produced.</param>
/// <param name="TrainedAt">When the run finished.</param>
/// <param name="Outcome">The succeeded training run.</param>
/// <param name="TopFeatures">The strongest features of the best model (see <see cref="FeatureImportance.Permutation"/>), strongest first.</param>
/// <param name="ChampionDecision">What became of the champion, in words (see <see cref="ChampionPolicy.Decide"/>).</param>
public sealed record ModelReportInput(string Goal, string Version, DateTimeOffset TrainedAt, TrainingOutcome Outcome, IReadOnlyList<FeatureImpact> TopFeatures, string ChampionDecision);

/// <summary>
/// The report of a training run, to be stored next to the model: Markdown that links two PNG charts by the
/// relative names <see cref="LiftChartFileName"/> and <see cref="RocChartFileName"/>, so the three files belong in one folder.
/// </summary>
/// <param name="Markdown">The report (<see cref="MarkdownFileName"/>).</param>
/// <param name="LiftChartPng">Lift by decile of the best model (<see cref="LiftChartFileName"/>).</param>
/// <param name="RocChartPng">ROC curves of every trainer (<see cref="RocChartFileName"/>).</param>
public sealed record ModelReport(string Markdown, ReadOnlyMemory<byte> LiftChartPng, ReadOnlyMemory<byte> RocChartPng)
{
    /// <summary>File name of the Markdown report.</summary>
    public const string MarkdownFileName = "report.md";

    /// <summary>File name the report gives the lift chart.</summary>
    public const string LiftChartFileName = "lift.png";

    /// <summary>File name the report gives the ROC chart.</summary>
    public const string RocChartFileName = "roc.png";

    private const int ChartWidth = 800;
    private const int ChartHeight = 450;

    /// <summary>Builds the report and renders its charts.</summary>
    /// <exception cref="ArgumentException">The outcome was rejected: there is nothing to report but its message.</exception>
    public static ModelReport Build(ModelReportInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var best = input.Outcome.Best ?? throw new ArgumentException($"A rejected run has no report; its message says why: {input.Outcome.Message}", nameof(input));
        return new ModelReport(Write(input, best), LiftChart(input.Goal, best), RocChart(input.Goal, input.Outcome));
    }

    private static string Write(ModelReportInput input, TrainingCandidate best)
    {
        var outcome = input.Outcome;
        var e = best.Evaluation;
        var md = new StringBuilder();
        void Line(FormattableString text) => md.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"# Propensity model: {Cell(input.Goal)}, version {Cell(input.Version)}");
        Line($"");
        Line($"Trained {input.TrainedAt.ToUniversalTime():yyyy-MM-dd HH:mm} UTC. Best trainer: **{best.Trainer}**, hold-out AUC **{e.Auc:F3}**, top-decile lift **{e.TopDecileLift:F2}×** (the top 10 % by score convert {e.TopDecileLift:F1} times as often as everyone).");
        Line($"");
        Line($"## Champion");
        Line($"");
        Line($"{input.ChampionDecision}");
        Line($"");
        Line($"## Data");
        Line($"");
        Line($"| set | rows | reached the goal | base rate |");
        Line($"| --- | ---: | ---: | ---: |");
        Line($"| training (older) | {outcome.Train.Rows:N0} | {outcome.Train.Positives:N0} | {outcome.Train.BaseRate:P2} |");
        Line($"| hold-out (newest) | {outcome.Holdout.Rows:N0} | {outcome.Holdout.Positives:N0} | {outcome.Holdout.BaseRate:P2} |");
        Line($"");
        Line($"Features: {outcome.Schema.Count} numeric (missing values replaced by the training mean, each with a missing flag) and the URL/title tokens as learned text features (`{FeatureImportance.TextGroup}`). Shared featurization took {outcome.FeaturizationDuration.TotalSeconds:N1} s.");
        Line($"");
        Line($"## Trainers on the same hold-out");
        Line($"");
        Line($"| trainer | AUC | log-loss | top-decile lift | precision at top decile | recall at top decile | calibration error | training time | rows/s |");
        Line($"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in outcome.Candidates)
        {
            var name = c == best ? $"**{c.Trainer}**" : c.Trainer.ToString();
            var ce = c.Evaluation;
            Line($"| {name} | {ce.Auc:F3} | {ce.LogLoss:F4} | {ce.TopDecileLift:F2}× | {ce.PrecisionAtTopDecile:P1} | {ce.RecallAtTopDecile:P1} | {ce.CalibrationError:F4} | {c.Duration.TotalSeconds:N1} s | {c.RowsPerSecond:N0} |");
        }

        Line($"");
        Line($"## Lift by decile ({best.Trainer})");
        Line($"");
        Line($"![Lift by decile]({LiftChartFileName})");
        Line($"");
        Line($"| decile | rows | reached the goal | conversion rate | lift | mean predicted | cumulative recall |");
        Line($"| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var d in e.Deciles)
        {
            Line($"| {d.Decile} | {d.Count:N0} | {d.Positives:N1} | {d.Rate:P2} | {d.Lift:F2}× | {d.MeanPredicted:P2} | {d.CumulativeRecall:P1} |");
        }

        Line($"");
        Line($"## ROC");
        Line($"");
        Line($"![ROC curves]({RocChartFileName})");
        Line($"");
        Line($"## Calibration ({best.Trainer})");
        Line($"");
        Line($"Mean predicted probability {e.MeanPredicted:P2} against an observed base rate of {e.BaseRate:P2}; expected calibration error {e.CalibrationError:F4} (row-weighted mean gap between predicted and observed over ten equal-sized bins).");
        Line($"");
        Line($"| bin (lowest scores first) | rows | mean predicted | observed |");
        Line($"| ---: | ---: | ---: | ---: |");
        for (var i = 0; i < e.Calibration.Count; i++)
        {
            var bin = e.Calibration[i];
            Line($"| {i + 1} | {bin.Count:N0} | {bin.MeanPredicted:P2} | {bin.ObservedRate:P2} |");
        }

        Line($"");
        Line($"## Strongest features ({best.Trainer})");
        Line($"");
        if (input.TopFeatures.Count == 0)
        {
            Line($"Not computed for this run.");
        }
        else
        {
            Line($"Hold-out AUC lost when the feature is shuffled across people (permutation importance).");
            Line($"");
            Line($"| rank | feature | AUC drop |");
            Line($"| ---: | --- | ---: |");
            for (var i = 0; i < input.TopFeatures.Count; i++)
            {
                Line($"| {i + 1} | {Cell(input.TopFeatures[i].Name)} | {input.TopFeatures[i].AucDrop:F4} |");
            }
        }

        return md.ToString();
    }

    /// <summary>Text safe inside a Markdown table cell.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static byte[] LiftChart(string goal, TrainingCandidate best)
    {
        using var plot = new Plot();
        var deciles = best.Evaluation.Deciles;
        var bars = plot.Add.Bars(deciles.Select(d => (double)d.Decile).ToArray(), deciles.Select(d => double.IsFinite(d.Lift) ? d.Lift : 0).ToArray());
        bars.LegendText = "lift of the decile";
        var baseline = plot.Add.HorizontalLine(1, 2, Colors.Black, LinePattern.Dashed);
        baseline.LegendText = "base rate (lift 1)";
        plot.Axes.Bottom.SetTicks(
            deciles.Select(d => (double)d.Decile).ToArray(),
            deciles.Select(d => d.Decile.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsY(0, Math.Max(1.2, deciles.Max(d => double.IsFinite(d.Lift) ? d.Lift : 0) * 1.1));
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Lift by decile: {goal} ({best.Trainer}, top decile {best.Evaluation.TopDecileLift:F2}×)"));
        plot.XLabel("decile of predicted probability (1 = highest)");
        plot.YLabel("conversion rate / base rate");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(ChartWidth, ChartHeight, ImageFormat.Png);
    }

    private static byte[] RocChart(string goal, TrainingOutcome outcome)
    {
        using var plot = new Plot();
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LinePattern = LinePattern.Dashed;
        chance.Color = Colors.Gray;
        chance.LegendText = "chance (AUC 0.5)";
        foreach (var candidate in outcome.Candidates)
        {
            var roc = candidate.Evaluation.Roc;
            var line = plot.Add.ScatterLine(roc.Select(p => p.FalsePositiveRate).ToArray(), roc.Select(p => p.TruePositiveRate).ToArray());
            line.LineWidth = 2;
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{candidate.Trainer} (AUC {candidate.Evaluation.Auc:F3})");
        }

        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title($"ROC on the hold-out: {goal}");
        plot.XLabel("false positive rate");
        plot.YLabel("true positive rate");
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(ChartWidth, ChartHeight, ImageFormat.Png);
    }
}
