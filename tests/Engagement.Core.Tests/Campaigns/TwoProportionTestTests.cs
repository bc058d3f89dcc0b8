using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class TwoProportionTestTests
{
    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.841345)]
    [InlineData(-1.0, 0.158655)]
    [InlineData(1.959964, 0.975)]
    [InlineData(-2.575829, 0.005)]
    [InlineData(3.5, 0.999767)]
    public void TheNormalDistributionFunctionMatchesTheTables(double x, double expected) =>
        Assert.Equal(expected, TwoProportionTest.StandardNormalCdf(x), tolerance: 2e-6);

    [Fact]
    public void AClearDifferenceIsSignificant()
    {
        // 20 % against 25 % opens on 2,000 recipients each: z ≈ 3.8.
        var result = TwoProportionTest.Compare(400, 2_000, 500, 2_000);

        Assert.Equal(0.20, result.RateA, 6);
        Assert.Equal(0.25, result.RateB, 6);
        Assert.InRange(result.Z, 3.7, 3.9);
        Assert.True(result.PValue < 0.001);
        Assert.True(result.Confidence > 0.999);
        Assert.Equal(0.25, result.RelativeLift!.Value, 6);
    }

    [Fact]
    public void ASmallDifferenceOnFewRecipientsIsNot()
    {
        var result = TwoProportionTest.Compare(20, 100, 24, 100);

        Assert.True(result.PValue > 0.4);
        Assert.True(result.Confidence < 0.6);
    }

    [Fact]
    public void TheStatisticMatchesAWorkedExample()
    {
        // p1 = 0.10 (n 1,000), p2 = 0.13 (n 1,000), pooled 0.115: SE = sqrt(0.115 × 0.885 × 0.002) = 0.014267, z = 2.1028.
        var result = TwoProportionTest.Compare(100, 1_000, 130, 1_000);

        Assert.Equal(2.1028, result.Z, tolerance: 1e-3);
        Assert.Equal(0.0355, result.PValue, tolerance: 5e-4);
    }

    [Fact]
    public void SwappingTheVariantsFlipsTheSignOnly()
    {
        var forward = TwoProportionTest.Compare(100, 1_000, 130, 1_000);
        var backward = TwoProportionTest.Compare(130, 1_000, 100, 1_000);

        Assert.Equal(-forward.Z, backward.Z, 9);
        Assert.Equal(forward.PValue, backward.PValue, 9);
    }

    [Fact]
    public void IdenticalOrDegenerateRatesAreNoEvidence()
    {
        Assert.Equal(1, TwoProportionTest.Compare(0, 50, 0, 80).PValue, 9);
        Assert.Equal(1, TwoProportionTest.Compare(50, 50, 80, 80).PValue, 9);
        Assert.Null(TwoProportionTest.Compare(0, 50, 3, 80).RelativeLift);
    }

    [Theory]
    [InlineData(1, 0, 1, 10)]
    [InlineData(-1, 10, 1, 10)]
    [InlineData(11, 10, 1, 10)]
    public void ImpossibleCountsAreRefused(long successesA, long trialsA, long successesB, long trialsB) =>
        Assert.Throws<ArgumentException>(() => TwoProportionTest.Compare(successesA, trialsA, successesB, trialsB));
}
