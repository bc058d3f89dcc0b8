namespace Engagement.Ml;

/// <summary>One person's line of a user bid list.</summary>
/// <param name="ProfileKey">The profile (pseudonymous key).</param>
/// <param name="UserId">The known user id, if any.</param>
/// <param name="AnonymousId">The tracking cookie / device id a platform matches on, if any.</param>
/// <param name="Bid">The bid; 0 means do not target.</param>
public sealed record UserBid(string ProfileKey, string? UserId, string? AnonymousId, double Bid);

/// <summary>Bids for people from their predicted probability of the goal.</summary>
public static class UserBids
{
    /// <summary>
    /// The bid for one person: <see cref="BidPolicy.ForRate"/> of the predicted probability, or 0 without a lawful
    /// basis for ad personalisation (no consent and no legitimate interest recorded), so such people are never targeted.
    /// </summary>
    /// <param name="policy">Base bid, floor and cap.</param>
    /// <param name="probability">Predicted probability of the goal.</param>
    /// <param name="baseRate">The goal's base rate in the model's training data.</param>
    /// <param name="lawfulBasis">Whether the person may be targeted with personalised ads.</param>
    public static double Bid(BidPolicy policy, double probability, double baseRate, bool lawfulBasis)
    {
        ArgumentNullException.ThrowIfNull(policy);
        // Range checks first, so a broken score fails loudly even for people who are not targeted.
        var bid = policy.ForRate(probability, baseRate);
        return lawfulBasis ? bid : 0;
    }

    /// <summary>The bid list line of a scored person.</summary>
    /// <param name="scored">The model's score of the person.</param>
    /// <param name="policy">Base bid, floor and cap.</param>
    /// <param name="baseRate">The goal's base rate in the model's training data.</param>
    /// <param name="lawfulBasis">Whether the person may be targeted with personalised ads.</param>
    /// <param name="anonymousId">The id platforms that match on cookies or devices need, if known.</param>
    public static UserBid For(ScoredExample scored, BidPolicy policy, double baseRate, bool lawfulBasis, string? anonymousId = null)
    {
        ArgumentNullException.ThrowIfNull(scored);
        return new UserBid(scored.ProfileKey, scored.UserId, anonymousId, Bid(policy, scored.Probability, baseRate, lawfulBasis));
    }
}
