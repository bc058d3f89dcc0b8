namespace Engagement.Ml;

/// <summary>
/// How bids are derived from predicted conversion rates: a person or domain converting at the base rate gets
/// <see cref="BaseBid"/>, twice the base rate twice as much, always within [<see cref="Floor"/>, <see cref="Cap"/>].
/// Bids are multipliers of the campaign's price, so 1.0 means "bid as usual".
/// </summary>
public sealed record BidPolicy
{
    /// <summary>Creates a policy.</summary>
    /// <param name="baseBid">The bid at the base rate.</param>
    /// <param name="floor">The lowest bid given to anyone with a lawful basis.</param>
    /// <param name="cap">The highest bid.</param>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ floor ≤ base bid ≤ cap, or not finite.</exception>
    public BidPolicy(double baseBid = 1.0, double floor = 0.1, double cap = 5.0)
    {
        if (!double.IsFinite(baseBid) || !double.IsFinite(floor) || !double.IsFinite(cap) || floor < 0 || floor > baseBid || baseBid > cap)
        {
            throw new ArgumentOutOfRangeException(nameof(baseBid), $"A bid policy needs 0 ≤ floor ≤ base bid ≤ cap; got floor {floor}, base bid {baseBid}, cap {cap}.");
        }

        BaseBid = baseBid;
        Floor = floor;
        Cap = cap;
    }

    /// <summary>The bid at the base rate.</summary>
    public double BaseBid { get; }

    /// <summary>The lowest bid given to anyone with a lawful basis.</summary>
    public double Floor { get; }

    /// <summary>The highest bid.</summary>
    public double Cap { get; }

    /// <summary>
    /// <see cref="BaseBid"/> × <paramref name="rate"/> / <paramref name="baseRate"/>, clamped to [<see cref="Floor"/>, <see cref="Cap"/>].
    /// </summary>
    /// <param name="rate">Predicted or observed conversion rate, in [0, 1].</param>
    /// <param name="baseRate">Conversion rate of everyone, in (0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A rate is out of range or NaN.</exception>
    public double ForRate(double rate, double baseRate)
    {
        if (!(rate is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A conversion rate is a probability in [0, 1].");
        }

        if (!(baseRate is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(baseRate), baseRate, "The base rate must be in (0, 1]: bids are relative to it.");
        }

        return Math.Clamp(BaseBid * rate / baseRate, Floor, Cap);
    }
}
