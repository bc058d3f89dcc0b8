using Engagement.Core.Consent;

namespace Engagement.Core.Tests.Consent;

public sealed class ConsentTextCatalogTests
{
    private static ConsentText Text(int version, string language, string title = "Title") =>
        new("marketing-email", version, language, "marketing", ContactChannel.Email, title, "Body " + version);

    [Fact]
    public void TheCurrentTextIsTheHighestVersionInTheLanguage()
    {
        var catalog = new ConsentTextCatalog([Text(1, "cs"), Text(2, "cs"), Text(1, "en")]);

        Assert.Equal(2, catalog.Current("marketing-email", "cs")!.Version);
        Assert.Equal(1, catalog.Current("marketing-email", "en")!.Version);
        Assert.Equal(2, catalog.CurrentFor("marketing", ContactChannel.Email, "cs")!.Version);
    }

    [Fact]
    public void ALanguageWithoutTheTextFallsBackToEnglish()
    {
        var catalog = new ConsentTextCatalog([Text(1, "en")]);

        Assert.Equal("en", catalog.Current("marketing-email", "de")!.Language);
    }

    [Fact]
    public void OldVersionsStayFindableAndOnlyTheExactHashIsHeld()
    {
        var catalog = new ConsentTextCatalog([Text(1, "cs", "Old"), Text(2, "cs", "New")]);
        var old = catalog.Find("marketing-email", 1, "cs")!.Reference;

        Assert.True(catalog.Holds(old));
        Assert.False(catalog.Holds(old with { Sha256 = catalog.Find("marketing-email", 2, "cs")!.Reference.Sha256 }));
        Assert.False(catalog.Holds(old with { Version = 3 }));
    }

    [Fact]
    public void TheHashIsThatOfTheTitleAndBodyAsShown()
    {
        var text = Text(1, "en");

        Assert.Equal(ConsentLedger.TextHash("Title\n\nBody 1"), text.Reference.Sha256);
    }

    [Fact]
    public void DuplicateVersionsAndMixedPurposesAreRefused()
    {
        var duplicate = Assert.Throws<ArgumentException>(() => new ConsentTextCatalog([Text(1, "cs"), Text(1, "cs")]));
        Assert.Contains("defined 2 times", duplicate.Message, StringComparison.Ordinal);

        var mixed = Assert.Throws<ArgumentException>(() => new ConsentTextCatalog([Text(1, "cs"), Text(2, "cs") with { Purpose = "profiling" }]));
        Assert.Contains("same purpose and channel", mixed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACatalogueSurvivesItsJson()
    {
        var copy = ConsentTextCatalog.Parse(ConsentTextCatalog.Default.ToJson());

        Assert.Equal(ConsentTextCatalog.Default.All.Count, copy.All.Count);
        Assert.All(ConsentTextCatalog.Default.All, t => Assert.True(copy.Holds(t.Reference)));
    }

    [Fact]
    public void TheShippedTextsCoverEveryStandardPurposeInCzechAndEnglish()
    {
        var catalog = ConsentTextCatalog.Default;

        Assert.Equal(["cs", "en"], catalog.Languages);
        foreach (var purpose in ConsentLedger.StandardPurposes)
        {
            foreach (var language in new[] { "cs", "en" })
            {
                Assert.Contains(catalog.CurrentTexts(language), t => t.Purpose == purpose && t.Language == language);
            }
        }
    }
}
