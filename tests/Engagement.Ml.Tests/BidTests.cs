namespace Engagement.Ml.Tests;

public sealed class BidTests
{
    private static readonly BidPolicy Policy = new(baseBid: 1.0, floor: 0.1, cap: 5.0);

    [Theory]
    [InlineData(0.05, 1.0)]
    [InlineData(0.10, 2.0)]
    [InlineData(0.0, 0.1)]
    [InlineData(0.001, 0.1)]
    [InlineData(0.9, 5.0)]
    public void AUsersBidIsTheBaseBidTimesTheLiftWithinFloorAndCap(double probability, double bid)
    {
        Assert.Equal(bid, UserBids.Bid(Policy, probability, baseRate: 0.05, lawfulBasis: true), 1e-9);
    }

    [Fact]
    public void WithoutALawfulBasisTheBidIsZero()
    {
        Assert.Equal(0, UserBids.Bid(Policy, probability: 0.9, baseRate: 0.05, lawfulBasis: false));
    }

    [Fact]
    public void AScoredPersonBecomesABidListLine()
    {
        var bid = UserBids.For(new ScoredExample("p-1", "u-1", 0.1f), Policy, 0.05, lawfulBasis: true, anonymousId: "a-1");

        Assert.Equal(new UserBid("p-1", "u-1", "a-1", 0.1f / 0.05), bid with { Bid = 0.1f / 0.05 });
        Assert.Equal(2.0, bid.Bid, 1e-6);
    }

    [Fact]
    public void ABaseRateOfZeroOrAnImpossibleProbabilityIsABug()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => UserBids.Bid(Policy, 0.1, baseRate: 0, lawfulBasis: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => UserBids.Bid(Policy, double.NaN, baseRate: 0.05, lawfulBasis: false));
    }

    [Fact]
    public void APolicyNeedsFloorBelowBaseBelowCap()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BidPolicy(baseBid: 1, floor: 2, cap: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BidPolicy(baseBid: 6, floor: 0, cap: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BidPolicy(baseBid: 1, floor: -1, cap: 5));
    }

    [Fact]
    public void ADomainIsBidOnItsAudiencesConversionRate()
    {
        DomainAudience[] audiences = [new("travel.example", 1_000, 150), new("news.example", 2_000, 20), new("tiny.example", 10, 9)];

        var bids = DomainBids.From(audiences, baseRate: 0.05, Policy, minAudience: 100).ToList();

        Assert.Equal(3.0, bids[0].Bid, 1e-9);
        Assert.True(bids[0].Measured);
        Assert.Equal(0.2, bids[1].Bid, 1e-9);
        Assert.Equal(0.01, bids[1].ConversionRate, 1e-9);
    }

    [Fact]
    public void ADomainWithTooSmallAnAudienceGetsTheBaseBid()
    {
        var bid = DomainBids.From([new DomainAudience("tiny.example", 10, 9)], baseRate: 0.05, Policy, minAudience: 100).Single();

        Assert.Equal(Policy.BaseBid, bid.Bid);
        Assert.False(bid.Measured);
    }

    [Fact]
    public void MoreConvertersThanAudienceIsABug()
    {
        Assert.Throws<ArgumentException>(() => DomainBids.From([new DomainAudience("x.example", 10, 11)], 0.05, Policy, 1).ToList());
    }
}
