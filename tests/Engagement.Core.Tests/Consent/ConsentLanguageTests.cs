using Engagement.Core.Consent;

namespace Engagement.Core.Tests.Consent;

public sealed class ConsentLanguageTests
{
    private static readonly string[] Available = ["cs", "en"];

    [Theory]
    [InlineData("cs", "en-GB,en;q=0.9", "cs")]
    [InlineData("CS-cz", null, "cs")]
    [InlineData("en", "cs-CZ", "en")]
    public void AnExplicitLanguageWins(string requested, string? acceptLanguage, string expected) =>
        Assert.Equal(expected, ConsentLanguage.Choose(requested, acceptLanguage, Available));

    [Theory]
    [InlineData("cs-CZ,cs;q=0.9,en;q=0.8", "cs")]
    [InlineData("de-DE,de;q=0.9,cs;q=0.5,en;q=0.7", "en")]
    [InlineData("en;q=0.2, cs;q=0.8", "cs")]
    [InlineData("sk, cs;q=0.5", "cs")]
    [InlineData("cs;q=0, en", "en")]
    public void WithoutOneTheBrowsersPreferenceDecidesByQuality(string acceptLanguage, string expected) =>
        Assert.Equal(expected, ConsentLanguage.Choose(null, acceptLanguage, Available));

    [Theory]
    [InlineData("de", "fr-FR,fr;q=0.9")]
    [InlineData(null, null)]
    [InlineData("", "*")]
    [InlineData(null, "cs;q=abc")]
    public void OtherwiseEnglish(string? requested, string? acceptLanguage) =>
        Assert.Equal("en", ConsentLanguage.Choose(requested, acceptLanguage, Available));

    [Fact]
    public void AnUnavailableRequestFallsThroughToTheBrowser() =>
        Assert.Equal("cs", ConsentLanguage.Choose("de", "cs-CZ", Available));
}
