namespace Engagement.Ml;

/// <summary>The people seen on a domain (where ads ran or pages were visited) and how many of them reached the goal.</summary>
/// <param name="Domain">The domain, as the targeting platform names it.</param>
/// <param name="AudienceSize">Distinct people seen on it.</param>
/// <param name="Converters">Of them, people who reached the goal.</param>
public sealed record DomainAudience(string Domain, long AudienceSize, long Converters);

/// <summary>One line of a domain bid list.</summary>
/// <param name="Domain">The domain.</param>
/// <param name="Bid">The bid.</param>
/// <param name="AudienceSize">Distinct people seen on it.</param>
/// <param name="ConversionRate">Converters / audience (NaN without audience).</param>
/// <param name="Measured">False when the audience was too small to measure and the base bid was given.</param>
public sealed record DomainBid(string Domain, double Bid, long AudienceSize, double ConversionRate, bool Measured);

/// <summary>Bids for domains from the conversion rate of their audience.</summary>
public static class DomainBids
{
    /// <summary>
    /// Bids <see cref="BidPolicy.ForRate"/> of each domain's audience conversion rate against the base rate. A domain
    /// with fewer than <paramref name="minAudience"/> people gets the base bid: a handful of people converting or not
    /// says nothing about the domain, and the base bid neither starves a domain by bad luck nor overpays on one lucky
    /// converter, while it gathers the audience to be measured.
    /// </summary>
    /// <param name="audiences">Domains and their audiences; enumerated once, lazily.</param>
    /// <param name="baseRate">The goal's base rate over everyone, in (0, 1].</param>
    /// <param name="policy">Base bid, floor and cap.</param>
    /// <param name="minAudience">People a domain needs before its own rate sets its bid.</param>
    /// <exception cref="ArgumentException">(While enumerating) an audience has more converters than people or negative counts.</exception>
    public static IEnumerable<DomainBid> From(IEnumerable<DomainAudience> audiences, double baseRate, BidPolicy policy, int minAudience)
    {
        ArgumentNullException.ThrowIfNull(audiences);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(minAudience, 1);
        // Fails now, not at the first domain, when the base rate is unusable.
        policy.ForRate(0, baseRate);
        return audiences.Select(audience => Bid(audience, baseRate, policy, minAudience));
    }

    private static DomainBid Bid(DomainAudience audience, double baseRate, BidPolicy policy, int minAudience)
    {
        ArgumentNullException.ThrowIfNull(audience);
        if (audience.AudienceSize < 0 || audience.Converters < 0 || audience.Converters > audience.AudienceSize)
        {
            throw new ArgumentException(
                $"Domain '{audience.Domain}' has {audience.Converters} converters in an audience of {audience.AudienceSize}: counts must satisfy 0 ≤ converters ≤ audience.", nameof(audience));
        }

        var rate = audience.AudienceSize == 0 ? double.NaN : (double)audience.Converters / audience.AudienceSize;
        return audience.AudienceSize < minAudience
            ? new DomainBid(audience.Domain, policy.BaseBid, audience.AudienceSize, rate, Measured: false)
            : new DomainBid(audience.Domain, policy.ForRate(rate, baseRate), audience.AudienceSize, rate, Measured: true);
    }
}
