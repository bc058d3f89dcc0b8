namespace Engagement.Core.Campaigns;

/// <summary>The outcome of comparing two variants' rates.</summary>
/// <param name="RateA">Successes / trials of the first.</param>
/// <param name="RateB">Successes / trials of the second.</param>
/// <param name="Z">The z statistic of the difference (positive when the second is higher).</param>
/// <param name="PValue">Two-sided p-value of "the rates are equal".</param>
/// <param name="Confidence">1 − p: how sure the data make us that the rates differ.</param>
/// <param name="RelativeLift">(RateB − RateA) / RateA; null when RateA is 0.</param>
public sealed record ProportionComparison(double RateA, double RateB, double Z, double PValue, double Confidence, double? RelativeLift);

/// <summary>
/// The two-proportion z-test with a pooled standard error: whether two variants' open, click or conversion rates
/// differ by more than chance would make them. It is the usual test of e-mail A/B tools; with the minimum sample the
/// campaign asks for, the normal approximation holds.
/// </summary>
public static class TwoProportionTest
{
    /// <summary>Compares <paramref name="successesB"/>/<paramref name="trialsB"/> with <paramref name="successesA"/>/<paramref name="trialsA"/>.</summary>
    public static ProportionComparison Compare(long successesA, long trialsA, long successesB, long trialsB)
    {
        if (trialsA <= 0 || trialsB <= 0)
        {
            throw new ArgumentException("Both variants need at least one trial.");
        }

        if (successesA < 0 || successesB < 0 || successesA > trialsA || successesB > trialsB)
        {
            throw new ArgumentException("Successes must lie between 0 and the number of trials.");
        }

        var rateA = (double)successesA / trialsA;
        var rateB = (double)successesB / trialsB;
        var pooled = (double)(successesA + successesB) / (trialsA + trialsB);
        var standardError = Math.Sqrt(pooled * (1 - pooled) * ((1.0 / trialsA) + (1.0 / trialsB)));
        // Both rates 0 or both 1: nothing to tell them apart.
        var z = standardError == 0 ? 0 : (rateB - rateA) / standardError;
        var p = Math.Clamp(2 * (1 - StandardNormalCdf(Math.Abs(z))), 0, 1);
        return new ProportionComparison(rateA, rateB, z, p, 1 - p, rateA == 0 ? null : (rateB - rateA) / rateA);
    }

    /// <summary>Φ(x), the standard normal distribution function (error below 1.5e-7).</summary>
    public static double StandardNormalCdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    // Abramowitz and Stegun 7.1.26.
    private static double Erf(double x)
    {
        var sign = Math.Sign(x);
        x = Math.Abs(x);
        var t = 1 / (1 + (0.3275911 * x));
        var polynomial = ((((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t) - 0.284496736) * t) + 0.254829592) * t;
        var y = 1 - (polynomial * Math.Exp(-x * x));
        return sign * y;
    }
}
