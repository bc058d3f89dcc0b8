using Engagement.Core.Interests;

namespace Engagement.Core.Tests.Interests;

public sealed class InterestTaxonomyTests
{
    private const string Valid = """
        {
          // Comments and trailing commas are fine: people edit this file.
          "categories": [
            { "id": "travel", "name": "Travel", "rules": [ { "prefix": "cestov" }, { "phrase": "do zahraničí", "weight": 0.5 }, { "domain": "cestovani.cz" }, ] },
            { "id": "pets", "name": "Pets", "rules": [ { "word": "pes" }, { "prefix": "kocic", "weight": 2 } ] }
          ]
        }
        """;

    [Fact]
    public void TheDefaultTaxonomyCoversTheAdvertisedInterests()
    {
        var ids = InterestTaxonomy.Default.Categories.Select(c => c.Id);

        Assert.Equal(["travel", "sport", "family", "finance", "insurance", "cars", "housing", "fashion", "wedding", "new_baby", "moving", "retirement"], ids);
        Assert.All(InterestTaxonomy.Default.Categories, c => Assert.True(c.Rules.Count >= 20, c.Id + " has few rules"));
        Assert.All(InterestTaxonomy.Default.Categories.Where(c => c.Id != "moving"), c => Assert.Contains(c.Rules, r => r.Match == KeywordMatch.Domain));
    }

    [Fact]
    public void TheDefaultTaxonomyRoundTripsThroughJson()
    {
        var json = InterestTaxonomy.Default.ToJson();

        var parsed = InterestTaxonomy.Parse(json);

        Assert.True(parsed.Succeeded, string.Join(Environment.NewLine, parsed.Errors));
        Assert.Equal(Describe(InterestTaxonomy.Default), Describe(parsed.Value));
        Assert.Equal(json, parsed.Value.ToJson());
    }

    [Fact]
    public void JsonKeepsCzechLettersReadable()
    {
        Assert.Contains("\"povinné ručení\"", InterestTaxonomy.Default.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void AConfiguredTaxonomyIsReadWithItsRulesAndWeights()
    {
        var parsed = InterestTaxonomy.Parse(Valid);

        Assert.True(parsed.Succeeded, string.Join(Environment.NewLine, parsed.Errors));
        Assert.Equal(
            ["travel|Travel|Prefix:cestov:1,Phrase:do zahraničí:0.5,Domain:cestovani.cz:1", "pets|Pets|Word:pes:1,Prefix:kocic:2"],
            Describe(parsed.Value));
        Assert.Equal(["interest_pets", "interest_travel"], parsed.Value.FeatureNames);
        Assert.Equal("Pets", parsed.Value.Find("pets")?.Name);
        Assert.Null(parsed.Value.Find("cars"));
    }

    [Fact]
    public void FeatureNamesAreSortedSoTheOrderOfCategoriesDoesNotMatter()
    {
        var a = new InterestTaxonomy([Category("travel"), Category("cars")]);
        var b = new InterestTaxonomy([Category("cars"), Category("travel")]);

        Assert.Equal(["interest_cars", "interest_travel"], a.FeatureNames);
        Assert.Equal(a.FeatureNames, b.FeatureNames);
    }

    [Fact]
    public void DuplicateIdsAreReported()
    {
        var parsed = InterestTaxonomy.Parse("""{"categories":[{"id":"travel","name":"A","rules":[{"word":"trip"}]},{"id":"travel","name":"B","rules":[{"word":"tour"}]}]}""");

        Assert.False(parsed.Succeeded);
        Assert.Null(parsed.Value);
        Assert.Equal("categories[1].id: \"travel\" is used by an earlier category; ids must be unique.", Assert.Single(parsed.Errors));
    }

    [Theory]
    [InlineData("""{"word":""}""", "the keyword is empty")]
    [InlineData("""{"prefix":"   "}""", "the keyword is empty")]
    [InlineData("""{"word":"!!"}""", "has no word that can match")]
    [InlineData("""{"word":"www"}""", "has no word that can match")]
    [InlineData("""{"prefix":"ce"}""", "shorter than 3 letters")]
    [InlineData("""{"word":"last minute"}""", "more than one word")]
    [InlineData("""{"phrase":"u moře"}""", "fewer than two words")]
    [InlineData("""{"domain":"https://"}""", "is not a domain name")]
    [InlineData("""{"domain":"čtenář.cz"}""", "is not a domain name")]
    [InlineData("""{"word":"trip","weight":0}""", "weight must be a number greater than 0")]
    [InlineData("""{"word":"trip","weight":-1.5}""", "weight must be a number greater than 0")]
    [InlineData("""{"word":"trip","weight":"high"}""", "weight: expected a number")]
    [InlineData("""{"word":"trip","prefix":"tri"}""", "exactly one of")]
    [InlineData("""{"weight":1}""", "exactly one of")]
    [InlineData("""{"word":3}""", "word: expected a string")]
    [InlineData("""{"wrod":"trip"}""", "unknown property \"wrod\"")]
    [InlineData("\"trip\"", "expected a JSON object")]
    public void InvalidRulesAreReportedWithTheirPlace(string rule, string problem)
    {
        var parsed = InterestTaxonomy.Parse($$"""{"categories":[{"id":"travel","name":"Travel","rules":[{"word":"ok"},{{rule}}]}]}""");

        Assert.False(parsed.Succeeded);
        Assert.Contains(parsed.Errors, e => e.StartsWith("categories[0].rules[1]", StringComparison.Ordinal) && e.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void ARuleRepeatedAfterFoldingIsReported()
    {
        var parsed = InterestTaxonomy.Parse("""{"categories":[{"id":"travel","name":"Travel","rules":[{"word":"dovolená"},{"word":"Dovolena"}]}]}""");

        Assert.Equal("categories[0].rules[1]: \"Dovolena\" repeats an earlier word rule.", Assert.Single(parsed.Errors));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"categories\": [")]
    [InlineData("not json")]
    public void MalformedJsonIsReportedNotThrown(string json)
    {
        var parsed = InterestTaxonomy.Parse(json);

        Assert.False(parsed.Succeeded);
        Assert.Single(parsed.Errors);
    }

    [Theory]
    [InlineData("[]", "The configuration: expected a JSON object.")]
    [InlineData("{}", "categories: expected an array.")]
    [InlineData("""{"categories":[]}""", "categories: there are no categories.")]
    [InlineData("""{"categories":[],"extra":1}""", "The configuration: unknown property \"extra\" (expected \"categories\").")]
    [InlineData("""{"categories":[{"id":"Travel","name":"T","rules":[{"word":"trip"}]}]}""", "categories[0].id: \"Travel\" is not an id: use 1–40 lower-case letters, digits and underscores, starting with a letter.")]
    [InlineData("""{"categories":[{"id":"travel","name":" ","rules":[{"word":"trip"}]}]}""", "categories[0].name: the display name is empty.")]
    [InlineData("""{"categories":[{"id":"travel","name":"T","rules":[]}]}""", "categories[0].rules: there are no rules.")]
    [InlineData("""{"categories":[{"name":"T","rules":[{"word":"trip"}]}]}""", "categories[0].id: expected a string.")]
    public void InvalidStructureIsReported(string json, string error)
    {
        var parsed = InterestTaxonomy.Parse(json);

        Assert.Contains(error, parsed.Errors);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var parsed = InterestTaxonomy.Parse("""
            {"categories":[
              {"id":"travel","name":"Travel","rules":[{"word":""},{"word":"trip","weight":0}]},
              {"id":"travel","name":"","rules":[{"prefix":"ab"}]}
            ]}
            """);

        Assert.Equal(5, parsed.Errors.Count);
    }

    [Fact]
    public void BuildingAnInvalidTaxonomyInCodeThrows()
    {
        var exception = Assert.Throws<ArgumentException>(() => new InterestTaxonomy([Category("travel"), Category("travel")]));

        Assert.Contains("ids must be unique", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangingTheGivenRuleListLaterDoesNotChangeTheTaxonomy()
    {
        var rules = new List<KeywordRule> { KeywordRule.Word("trip") };
        var taxonomy = new InterestTaxonomy([new InterestCategory("travel", "Travel", rules)]);

        rules.Add(KeywordRule.Word("auto"));

        Assert.Single(taxonomy.Categories[0].Rules);
    }

    private static InterestCategory Category(string id) => new(id, id, [KeywordRule.Word("trip")]);

    private static List<string> Describe(InterestTaxonomy taxonomy) =>
    [
        .. taxonomy.Categories.Select(c => $"{c.Id}|{c.Name}|" + string.Join(",", c.Rules.Select(r => $"{r.Match}:{r.Text}:{r.Weight:R}"))),
    ];
}
