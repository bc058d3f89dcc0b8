using System.Security.Cryptography;
using System.Text;

namespace Engagement.Ml.Tests;

public sealed class NextBestOffersTests
{
    private static readonly Dictionary<string, double> BaseRates = new()
    {
        ["insurance"] = 0.20,
        ["pension"] = 0.02,
        ["mortgage"] = 0.05,
    };

    [Fact]
    public void TheFamilyWithTheHighestLiftIsOfferedNotTheHighestPropensity()
    {
        var customer = new CustomerPropensities("u-1", new Dictionary<string, double> { ["insurance"] = 0.30, ["pension"] = 0.08, ["mortgage"] = 0.06 }, ["interest: finance"]);

        var offer = NextBestOffers.Choose(customer, BaseRates);

        Assert.NotNull(offer);
        Assert.Equal("pension", offer.Family);
        Assert.Equal(0.08, offer.Propensity);
        Assert.Equal(4.0, offer.Lift, 1e-9);
        Assert.Equal(["interest: finance"], offer.Evidence);
    }

    [Fact]
    public void FamiliesWithoutABaseRateAreNotOffered()
    {
        var customer = new CustomerPropensities("u-1", new Dictionary<string, double> { ["cars"] = 0.9, ["mortgage"] = 0.05 }, []);

        Assert.Equal("mortgage", NextBestOffers.Choose(customer, BaseRates)?.Family);
        Assert.Null(NextBestOffers.Choose(customer with { Propensities = new Dictionary<string, double> { ["cars"] = 0.9 } }, BaseRates));
    }

    [Fact]
    public void ATieInLiftGoesToTheHigherPropensity()
    {
        var customer = new CustomerPropensities("u-1", new Dictionary<string, double> { ["pension"] = 0.04, ["insurance"] = 0.40 }, []);

        Assert.Equal("insurance", NextBestOffers.Choose(customer, BaseRates)?.Family);
    }

    [Fact]
    public void CustomersWithoutAnOfferAreLeftOutOfTheList()
    {
        CustomerPropensities[] customers =
        [
            new("u-1", new Dictionary<string, double> { ["pension"] = 0.04 }, []),
            new("u-2", new Dictionary<string, double>(), []),
        ];

        Assert.Equal(["u-1"], NextBestOffers.From(customers, BaseRates).Select(o => o.UserId));
    }

    [Fact]
    public void TheListIsCsvWithQuotingWhereNeeded()
    {
        NextBestOffer[] offers =
        [
            new("u-1", "pension", 0.08, 4, ["interest: finance", "page: /duchodove-sporeni"]),
            new("u-2", "insurance", 0.3, 1.5, ["title: \"Pojištění; auta\""]),
        ];
        using var stream = new MemoryStream();

        var result = NextBestOfferWriter.Write(stream, offers);

        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Equal(
            "user_id;family;propensity;lift;evidence\n" +
            "u-1;pension;0.0800;4.00;interest: finance | page: /duchodove-sporeni\n" +
            "u-2;insurance;0.3000;1.50;\"title: \"\"Pojištění; auta\"\"\"\n",
            text);
        Assert.Equal(2, result.Rows);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stream.ToArray())), result.Sha256);
    }

    [Fact]
    public void EvidenceThatLooksLikeAFormulaIsDefused()
    {
        Assert.Equal("'=HYPERLINK(\"\"x\"\")", NextBestOfferWriter.Field("=HYPERLINK(\"x\")").Trim('"'));
        Assert.Equal("'-1", NextBestOfferWriter.Field("-1"));
        Assert.Equal("plain", NextBestOfferWriter.Field("plain"));
    }
}
