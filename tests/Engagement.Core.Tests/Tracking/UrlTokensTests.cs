using Engagement.Core.Tracking;

namespace Engagement.Core.Tests.Tracking;

public sealed class UrlTokensTests
{
    [Fact]
    public void CzechDiacriticsAreFoldedInPaths()
    {
        var tokens = UrlTokens.FromUrl("/cestovani/dovolená-řecko");

        Assert.Equal(["cestovani", "dovolena", "recko"], tokens);
    }

    [Fact]
    public void PercentEncodedPathsAreDecodedBeforeFolding()
    {
        var tokens = UrlTokens.FromUrl("https://www.cestovka.cz/cestovani/dovolen%C3%A1-%C5%99ecko");

        Assert.Equal(["cestovani", "dovolena", "recko"], tokens);
    }

    [Fact]
    public void EveryCzechAndSlovakLetterFolds()
    {
        var tokens = UrlTokens.FromText("Příliš žluťoučký kůň úpěl ďábelské ódy ĽÔŠČŤŽÝÁÍÉÄŇ");

        Assert.Equal(["prilis", "zlutoucky", "kun", "upel", "dabelske", "ody", "losctzyaiean"], tokens);
    }

    [Fact]
    public void DecomposedAccentsAreRemovedToo()
    {
        var tokens = UrlTokens.FromText("R\u030Cecko");

        Assert.Equal(["recko"], tokens);
    }

    [Fact]
    public void HostIsNotATokenButQueryWordsAre()
    {
        var tokens = UrlTokens.FromUrl("https://www.example.cz/boty/zimni?barva=cerna&velikost=42");

        Assert.Equal(["boty", "zimni", "barva", "cerna", "velikost"], tokens);
    }

    [Fact]
    public void NoiseShortAndNumericTokensAreDropped()
    {
        var tokens = UrlTokens.FromUrl("/index.php?utm_source=x&gclid=123&a=2024&id=b7");

        Assert.Equal(["id", "b7"], tokens);
    }

    [Fact]
    public void TokensAreDistinctInFirstSeenOrder()
    {
        var tokens = UrlTokens.FromUrl("/auto/moto/auto/Auto");

        Assert.Equal(["auto", "moto"], tokens);
    }

    [Fact]
    public void PlusMeansSpaceInQueries()
    {
        var tokens = UrlTokens.FromUrl("/hledat?q=letni+dovolena");

        Assert.Equal(["hledat", "letni", "dovolena"], tokens);
    }

    [Fact]
    public void BrokenPercentEncodingIsReadAsText()
    {
        var tokens = UrlTokens.FromUrl("/sleva%ZZakce");

        Assert.Contains("sleva", tokens);
    }

    [Fact]
    public void TokensAreCappedInCountAndLength()
    {
        var many = "/" + string.Join('/', Enumerable.Range(0, 60).Select(i => "slovo" + (char)('a' + (i % 26)) + (char)('a' + (i / 26))));
        var tooLong = "/" + new string('x', 41) + "/kratke";

        Assert.Equal(40, UrlTokens.FromUrl(many).Count);
        Assert.Equal(["kratke"], UrlTokens.FromUrl(tooLong));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void NothingGivesNoTokens(string? url)
    {
        Assert.Empty(UrlTokens.FromUrl(url));
        Assert.Empty(UrlTokens.FromText(url));
    }
}
