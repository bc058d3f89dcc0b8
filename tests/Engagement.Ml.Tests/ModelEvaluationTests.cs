namespace Engagement.Ml.Tests;

public sealed class ModelEvaluationTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void AucCountsTiesAsHalf()
    {
        // Positives at 0.9 and 0.5, negatives at 0.5 and 0.1. Pairs: (0.9 vs 0.5) win, (0.9 vs 0.1) win,
        // (0.5 vs 0.5) tie, (0.5 vs 0.1) win: 3.5 / 4.
        var evaluation = ModelEvaluation.Compute(Scores((0.9, true), (0.5, true), (0.5, false), (0.1, false)));

        Assert.Equal(0.875, evaluation.Auc, Tolerance);
    }

    [Fact]
    public void APerfectRankingHasAucOneAndAReversedOneZero()
    {
        Assert.Equal(1, ModelEvaluation.Compute(Scores((0.8, true), (0.7, true), (0.2, false))).Auc, Tolerance);
        Assert.Equal(0, ModelEvaluation.Compute(Scores((0.2, true), (0.7, false), (0.8, false))).Auc, Tolerance);
    }

    [Fact]
    public void AConstantScoreHasAucOneHalfAndLiftOneInEveryDecile()
    {
        var evaluation = ModelEvaluation.Compute(Enumerable.Range(0, 100).Select(i => new LabeledScore(0.3, i % 4 == 0)));

        Assert.Equal(0.5, evaluation.Auc, Tolerance);
        Assert.All(evaluation.Deciles, d => Assert.Equal(1, d.Lift, Tolerance));
        Assert.Equal(1, evaluation.TopDecileLift, Tolerance);
    }

    [Fact]
    public void LogLossIsTheMeanNegativeLogLikelihood()
    {
        var evaluation = ModelEvaluation.Compute(Scores((0.8, true), (0.4, false)));

        Assert.Equal(-(Math.Log(0.8) + Math.Log(0.6)) / 2, evaluation.LogLoss, Tolerance);
    }

    [Fact]
    public void LogLossClampsCertainWrongPredictions()
    {
        var evaluation = ModelEvaluation.Compute(Scores((0.0, true), (1.0, false)));

        // Both predictions are clamped 1e-15 away from certainty (1 − 1e-15 rounds in binary, hence its own term).
        Assert.Equal((-Math.Log(1e-15) - Math.Log(1 - (1 - 1e-15))) / 2, evaluation.LogLoss, 1e-9);
    }

    [Fact]
    public void TopDecileFiguresOfTwentyRows()
    {
        // 20 rows, 4 positives (base rate 0.2). The top decile is the two highest scores: one positive.
        var rows = Enumerable.Range(0, 20).Select(i => new LabeledScore(1 - (i / 20.0), i is 0 or 5 or 10 or 15)).ToList();

        var evaluation = ModelEvaluation.Compute(rows);

        Assert.Equal(20, evaluation.Count);
        Assert.Equal(4, evaluation.Positives);
        Assert.Equal(0.2, evaluation.BaseRate, Tolerance);
        Assert.Equal(0.5, evaluation.PrecisionAtTopDecile, Tolerance);
        Assert.Equal(0.25, evaluation.RecallAtTopDecile, Tolerance);
        Assert.Equal(2.5, evaluation.TopDecileLift, Tolerance);
        Assert.Equal(10, evaluation.Deciles.Count);
        Assert.All(evaluation.Deciles, d => Assert.Equal(2, d.Count));
        Assert.Equal([0.5, 0, 0.5, 0, 0, 0.5, 0, 0.5, 0, 0], evaluation.Deciles.Select(d => d.Rate));
        Assert.Equal(1, evaluation.Deciles[^1].CumulativeRecall, Tolerance);
        Assert.Equal((1.0 + 0.95) / 2, evaluation.Deciles[0].MeanPredicted, Tolerance);
    }

    [Fact]
    public void TiesAcrossADecileBoundaryShareTheirPositives()
    {
        // 10 rows: the top one alone, then nine tied rows of which three are positive.
        var rows = new List<LabeledScore> { new(0.9, false) };
        rows.AddRange(Enumerable.Range(0, 9).Select(i => new LabeledScore(0.5, i < 3)));

        var evaluation = ModelEvaluation.Compute(rows);

        Assert.Equal(0, evaluation.Deciles[0].Positives, Tolerance);
        Assert.All(evaluation.Deciles.Skip(1), d => Assert.Equal(1 / 3.0, d.Positives, Tolerance));
    }

    [Fact]
    public void FewerRowsThanDecilesLeaveEmptyDeciles()
    {
        var evaluation = ModelEvaluation.Compute(Scores((0.9, true), (0.1, false), (0.2, false)));

        Assert.Equal(3, evaluation.Deciles.Sum(d => d.Count));
        Assert.Equal(7, evaluation.Deciles.Count(d => d.Count == 0));
    }

    [Fact]
    public void CalibrationComparesPredictedAndObservedPerBin()
    {
        var rows = Enumerable.Range(0, 100).Select(i => new LabeledScore(0.5, i % 2 == 0)).ToList();

        var evaluation = ModelEvaluation.Compute(rows);

        Assert.Equal(10, evaluation.Calibration.Count);
        Assert.All(evaluation.Calibration, b => Assert.Equal(0.5, b.ObservedRate, Tolerance));
        Assert.Equal(0, evaluation.CalibrationError, Tolerance);
        Assert.Equal(0.5, evaluation.MeanPredicted, Tolerance);
    }

    [Fact]
    public void TheRocCurveRunsFromOriginToOne()
    {
        var evaluation = ModelEvaluation.Compute(Scores((0.9, true), (0.5, true), (0.5, false), (0.1, false)));

        Assert.Equal(new RocPoint(0, 0), evaluation.Roc[0]);
        Assert.Equal(new RocPoint(0, 0.5), evaluation.Roc[1]);
        Assert.Equal(new RocPoint(0.5, 1), evaluation.Roc[2]);
        Assert.Equal(new RocPoint(1, 1), evaluation.Roc[^1]);
    }

    [Fact]
    public void OneClassLeavesAucUndefined()
    {
        var evaluation = ModelEvaluation.Compute(Scores((0.9, false), (0.1, false)));

        Assert.True(double.IsNaN(evaluation.Auc));
        Assert.Empty(evaluation.Roc);
    }

    [Fact]
    public void AProbabilityOutsideZeroToOneIsABug()
    {
        Assert.Throws<ArgumentException>(() => ModelEvaluation.Compute(Scores((1.5, true))));
        Assert.Throws<ArgumentException>(() => ModelEvaluation.Compute(Scores((double.NaN, true))));
    }

    [Fact]
    public void TheEvaluationSurvivesAJsonRoundTrip()
    {
        var evaluation = ModelEvaluation.Compute(Enumerable.Range(0, 50).Select(i => new LabeledScore(i / 50.0, i % 3 == 0)));

        var json = evaluation.ToJson();
        var read = ModelEvaluation.FromJson(json);

        Assert.Contains("\"topDecileLift\"", json);
        Assert.Equal(evaluation.Auc, read.Auc);
        Assert.Equal(evaluation.Deciles, read.Deciles);
        Assert.Equal(evaluation.Calibration, read.Calibration);
        Assert.Equal(evaluation.Roc, read.Roc);
        Assert.Equal(evaluation with { Deciles = read.Deciles, Calibration = read.Calibration, Roc = read.Roc }, read);
    }

    [Fact]
    public void UndefinedFiguresSurviveJsonAsNaN()
    {
        var read = ModelEvaluation.FromJson(ModelEvaluation.Compute(Scores((0.4, false))).ToJson());

        Assert.True(double.IsNaN(read.Auc));
    }

    private static LabeledScore[] Scores(params (double Probability, bool Label)[] rows) =>
        rows.Select(r => new LabeledScore(r.Probability, r.Label)).ToArray();
}
