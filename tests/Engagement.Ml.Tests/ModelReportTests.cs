namespace Engagement.Ml.Tests;

[Collection(SharedTrainedRun.Name)]
public sealed class ModelReportTests(TrainedRun run)
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void TheReportComparesTrainersAndShowsLiftCalibrationAndFeatures()
    {
        FeatureImpact[] features = [new("clicks", 0.08), new("url_text", 0.03)];
        var input = new ModelReportInput("order|completed", "20250401-0200", new DateTimeOffset(2025, 4, 1, 2, 0, 0, TimeSpan.Zero), run.Outcome, features, "Promoted: there is no champion yet.");

        var report = ModelReport.Build(input);

        var md = report.Markdown;
        Assert.Contains("# Propensity model: order\\|completed, version 20250401-0200", md);
        Assert.Contains("## Trainers on the same hold-out", md);
        Assert.Contains($"**{run.Outcome.Best!.Trainer}**", md);
        Assert.Contains($"| {run.Outcome.Candidates.First(c => c != run.Outcome.Best).Trainer} |", md);
        Assert.Contains("![Lift by decile](lift.png)", md);
        Assert.Contains("![ROC curves](roc.png)", md);
        Assert.Contains("## Calibration", md);
        Assert.Contains("| 1 | clicks | 0.0800 |", md);
        Assert.Contains("Promoted: there is no champion yet.", md);
        Assert.Contains($"| training (older) | {run.Train.Count:N0} |", md);
        Assert.Equal(ModelEvaluation.GroupCount, md.Split('\n').Count(line => line.StartsWith("| ", StringComparison.Ordinal) && line.Contains('×') && char.IsDigit(line[2])));
        Assert.Equal(PngSignature, report.LiftChartPng[..8].ToArray());
        Assert.Equal(PngSignature, report.RocChartPng[..8].ToArray());
    }

    [Fact]
    public void ARejectedRunHasNoReport()
    {
        var rejected = new GoalModelTrainer().Train(Journeys.Schema, [], run.Holdout);

        Assert.Throws<ArgumentException>(() => ModelReport.Build(new ModelReportInput("goal", "v1", DateTimeOffset.UnixEpoch, rejected, [], "")));
    }
}
