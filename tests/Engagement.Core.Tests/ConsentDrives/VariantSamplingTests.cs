using Engagement.Core.ConsentDrives;

namespace Engagement.Core.Tests.ConsentDrives;

public sealed class VariantSamplingTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 97)]
    [InlineData(60, 940)]
    [InlineData(2000, 18000)]
    public void BetaDrawsCentreOnThePosteriorMean(double a, double b)
    {
        var random = VariantSampling.Seeded(1);
        var draws = Enumerable.Range(0, 20_000).Select(_ => VariantSampling.Beta(a, b, ref random)).ToList();

        var mean = a / (a + b);
        var sd = Math.Sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
        Assert.All(draws, d => Assert.InRange(d, 0, 1));
        Assert.InRange(draws.Average(), mean - (5 * sd / Math.Sqrt(draws.Count)), mean + (5 * sd / Math.Sqrt(draws.Count)));
        var spread = Math.Sqrt(draws.Average(d => (d - draws.Average()) * (d - draws.Average())));
        Assert.InRange(spread, sd * 0.95, sd * 1.05);
    }

    [Fact]
    public void AVariantThatConvertsClearlyBetterWinsNearlyEveryDraw()
    {
        var random = VariantSampling.Seeded(9);

        var shares = VariantSampling.Shares([(1000, 10), (1000, 60)], ref random);

        Assert.True(shares[1] > 0.999, $"{shares[1]}");
        Assert.Equal(1, shares.Sum(), 9);
    }

    [Fact]
    public void WhileTheEvidenceIsThinTheSharesStaySpread()
    {
        var random = VariantSampling.Seeded(9);

        var shares = VariantSampling.Shares([(0, 0), (0, 0), (0, 0)], ref random);
        var early = VariantSampling.Shares([(20, 1), (20, 2)], ref random);

        Assert.All(shares, s => Assert.InRange(s, 0.28, 0.39));
        Assert.InRange(early[0], 0.15, 0.5);
    }

    [Fact]
    public void TheSameRandomStateDrawsTheSameSharesAndADifferentSeedOthers()
    {
        (long, long)[] arms = [(50, 3), (40, 2), (10, 1)];
        var first = VariantSampling.Seeded(4);
        var second = VariantSampling.Seeded(4);
        var other = VariantSampling.Seeded(5);

        var a = VariantSampling.Shares(arms, ref first);
        var b = VariantSampling.Shares(arms, ref second);
        var c = VariantSampling.Shares(arms, ref other);

        Assert.Equal(a, b);
        Assert.Equal(first, second);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ASingleVariantGetsEverythingWithoutDrawing()
    {
        var random = VariantSampling.Seeded(2);
        var before = random;

        Assert.Equal([1.0], VariantSampling.Shares([(10, 1)], ref random));
        Assert.Equal(before, random);
    }

    [Theory]
    [InlineData(100, new[] { 0.5, 0.5 }, new long[] { 50, 50 })]
    [InlineData(10, new[] { 0.333, 0.333, 0.334 }, new long[] { 3, 3, 4 })]
    [InlineData(7, new[] { 0.5, 0.5 }, new long[] { 4, 3 })]
    [InlineData(1000, new[] { 0.9995, 0.0005 }, new long[] { 1000, 0 })]
    [InlineData(0, new[] { 0.6, 0.4 }, new long[] { 0, 0 })]
    public void ApportioningSplitsTheWholeBudgetInWholeDisplays(long total, double[] shares, long[] expected)
    {
        Assert.Equal(expected, VariantSampling.Apportion(total, shares));
    }
}
