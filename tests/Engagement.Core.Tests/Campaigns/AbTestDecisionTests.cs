using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class AbTestDecisionTests
{
    private static readonly AbTestPlan Plan = new(0.2, AbTestMetric.Opens, 4, 100, 0.95);

    [Fact]
    public void AChallengerSignificantlyAboveTheDefaultWins()
    {
        var result = AbTestDecision.Decide(Plan, ["a", "b"], "a", [Row("a", 1000, opens: 200), Row("b", 1000, opens: 260)]);

        Assert.True(result.Conclusive);
        Assert.Equal("b", result.Winner);
        var comparison = Assert.Single(result.Comparisons);
        var expected = TwoProportionTest.Compare(200, 1000, 260, 1000);
        Assert.Equal((expected.Z, expected.PValue, expected.Confidence), (comparison.Z, comparison.PValue, comparison.Confidence));
        Assert.Equal(0.3, comparison.Lift!.Value, 9);
        Assert.Equal("b beat the default a: 26.0 % vs 20.0 % opens per delivered (+30.0 %, confidence 99.9 %, p = 0.0014)", result.Reason);
    }

    [Fact]
    public void TheBestOfSeveralSignificantChallengersWins()
    {
        var result = AbTestDecision.Decide(Plan, ["a", "b", "c"], "a", [Row("a", 2000, opens: 400), Row("b", 2000, opens: 520), Row("c", 2000, opens: 600)]);

        Assert.Equal("c", result.Winner);
        Assert.Equal(2, result.Comparisons.Count);
    }

    [Fact]
    public void TheDefaultWinsOutrightWhenItBeatsEveryChallenger()
    {
        var result = AbTestDecision.Decide(Plan, ["a", "b"], "a", [Row("a", 1000, opens: 300), Row("b", 1000, opens: 200)]);

        Assert.True(result.Conclusive);
        Assert.Equal("a", result.Winner);
        Assert.StartsWith("the default a beat every other variant", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ASmallDifferenceIsInconclusiveAndKeepsTheDefault()
    {
        var result = AbTestDecision.Decide(Plan, ["a", "b"], "a", [Row("a", 1000, opens: 200), Row("b", 1000, opens: 215)]);

        Assert.False(result.Conclusive);
        Assert.Equal("a", result.Winner);
        Assert.StartsWith("inconclusive: no variant beat the default a at 95.0 % confidence (best b: 21.5 % vs 20.0 %", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryArmNeedsTheMinimumSampleBeforeAnyComparison()
    {
        var result = AbTestDecision.Decide(Plan, ["a", "b", "c"], "a", [Row("a", 1000, opens: 100), Row("b", 99, opens: 90)]);

        Assert.False(result.Conclusive);
        Assert.Equal("inconclusive: too few delivered test messages (b has 99, c has 0; the minimum is 100 per variant); the default a goes to the rest", result.Reason);
        Assert.Empty(result.Comparisons);
        Assert.Equal([new AbTestArm("a", 1000, 100, 0.1), new AbTestArm("b", 99, 90, 90 / 99.0), new AbTestArm("c", 0, 0, null)], result.Arms);
    }

    [Fact]
    public void WithSeveralChallengersEachComparisonMustClearTheSharedConfidence()
    {
        // b against a alone is about 97 % sure: enough for one challenger, not for three (needs 1 − 0.05/3 ≈ 98.3 %).
        var rows = new[] { Row("a", 1000, opens: 200), Row("b", 1000, opens: 243), Row("c", 1000, opens: 200), Row("d", 1000, opens: 200) };

        var single = AbTestDecision.Decide(Plan, ["a", "b"], "a", rows.Take(2));
        var shared = AbTestDecision.Decide(Plan, ["a", "b", "c", "d"], "a", rows);

        Assert.InRange(single.Comparisons[0].Confidence, 0.95, 0.983);
        Assert.Equal("b", single.Winner);
        Assert.Equal("a", shared.Winner);
        Assert.False(shared.Conclusive);
        Assert.Equal(1 - (0.05 / 3), shared.RequiredConfidence, 12);
    }

    [Theory]
    [InlineData(AbTestMetric.Opens, 300)]
    [InlineData(AbTestMetric.Clicks, 90)]
    [InlineData(AbTestMetric.Conversions, 12)]
    public void TheMetricChoosesWhatCountsAsASuccess(AbTestMetric metric, long successes)
    {
        var row = new StepVariantMeasurement("test", "a", 1000, 990, 300, 90, Conversions: 15, Converters: 12);

        Assert.Equal(successes, AbTestDecision.Successes(metric, row));
    }

    [Fact]
    public void ADefaultWithNoSuccessesGivesNoLiftButCanStillLose()
    {
        var result = AbTestDecision.Decide(Plan with { Metric = AbTestMetric.Conversions }, ["a", "b"], "a", [Row("a", 500, converters: 0), Row("b", 500, converters: 20)]);

        Assert.Equal("b", result.Winner);
        Assert.Null(result.Comparisons[0].Lift);
        Assert.Contains("(from 0,", result.Reason, StringComparison.Ordinal);
    }

    private static StepVariantMeasurement Row(string variant, long delivered, long opens = 0, long converters = 0) =>
        new("test", variant, delivered, delivered, opens, opens / 3, Converters: converters);
}
