using Engagement.Core.Interests;

namespace Engagement.Core.Tests.Interests;

public sealed class IntentRulesTests
{
    [Fact]
    public void TheDefaultRulesIncludeTravelMovingAndDissatisfaction()
    {
        var names = IntentRules.Default.Rules.Select(r => r.Name).ToList();

        Assert.Contains("travel-intent", names);
        Assert.Contains("moving", names);
        Assert.Contains("dissatisfied", names);
        Assert.All(IntentRules.Default.Rules, r => Assert.InRange(r.Window, TimeSpan.FromDays(7), TimeSpan.FromDays(30)));
    }

    [Fact]
    public void TheDefaultRulesRoundTripThroughJson()
    {
        var json = IntentRules.Default.ToJson();

        var parsed = IntentRules.Parse(json);

        Assert.True(parsed.Succeeded, string.Join(Environment.NewLine, parsed.Errors));
        Assert.Equal(Describe(IntentRules.Default), Describe(parsed.Value));
        Assert.Equal(json, parsed.Value.ToJson());
    }

    [Fact]
    public void ConfiguredRulesAreRead()
    {
        var parsed = IntentRules.Parse("""
            {"intents":[{"name":"pet-owner","description":"probably has a dog","windowDays":3.5,"minSignals":3,
              "rules":[{"prefix":"psi"},{"phrase":"pojištění psa","weight":2}]}]}
            """);

        Assert.True(parsed.Succeeded, string.Join(Environment.NewLine, parsed.Errors));
        Assert.Equal(["pet-owner|probably has a dog|3.12:00:00|3|Prefix:psi:1,Phrase:pojištění psa:2"], Describe(parsed.Value));
    }

    [Fact]
    public void AnEmptyListIsValid()
    {
        var parsed = IntentRules.Parse("""{"intents":[]}""");

        Assert.True(parsed.Succeeded);
        Assert.Empty(parsed.Value.Rules);
    }

    [Theory]
    [InlineData("""{"name":"Travel","description":"d","windowDays":7,"minSignals":2,"rules":[{"word":"trip"}]}""", "intents[0].name: \"Travel\" is not a name")]
    [InlineData("""{"name":"travel","description":"","windowDays":7,"minSignals":2,"rules":[{"word":"trip"}]}""", "intents[0].description: the description is empty.")]
    [InlineData("""{"name":"travel","description":"d","windowDays":0,"minSignals":2,"rules":[{"word":"trip"}]}""", "intents[0].windowDays: the window must be more than 0 and at most 366 days (got 0).")]
    [InlineData("""{"name":"travel","description":"d","windowDays":1e9,"minSignals":2,"rules":[{"word":"trip"}]}""", "intents[0].windowDays: the window must be more than 0 and at most 366 days (got 1000000000).")]
    [InlineData("""{"name":"travel","description":"d","windowDays":7,"minSignals":0,"rules":[{"word":"trip"}]}""", "intents[0].minSignals: must be a whole number from 1 to 100 (got 0).")]
    [InlineData("""{"name":"travel","description":"d","windowDays":7,"minSignals":1.5,"rules":[{"word":"trip"}]}""", "intents[0].minSignals: must be a whole number from 1 to 100 (got 1.5).")]
    [InlineData("""{"name":"travel","description":"d","minSignals":2,"rules":[{"word":"trip"}]}""", "intents[0].windowDays: expected a number.")]
    [InlineData("""{"name":"travel","description":"d","windowDays":7,"minSignals":2,"rules":[]}""", "intents[0].rules: there are no rules.")]
    [InlineData("""{"name":"travel","description":"d","windowDays":7,"minSignals":2,"rules":[{"word":""}]}""", "intents[0].rules[0]: the keyword is empty.")]
    [InlineData("""{"name":"travel","description":"d","windowDays":7,"minSignals":2,"rules":[{"word":"trip","weight":0}]}""", "intents[0].rules[0]: weight must be a number greater than 0 (got 0).")]
    [InlineData("""{"name":"travel","description":"d","window":7,"minSignals":2,"rules":[{"word":"trip"}]}""", "intents[0]: unknown property \"window\" (expected \"name\", \"description\", \"windowDays\", \"minSignals\", \"rules\").")]
    public void InvalidRulesAreReportedWithTheirPlace(string rule, string error)
    {
        var parsed = IntentRules.Parse($$"""{"intents":[{{rule}}]}""");

        Assert.False(parsed.Succeeded);
        Assert.Contains(parsed.Errors, e => e.StartsWith(error, StringComparison.Ordinal));
    }

    [Fact]
    public void DuplicateNamesAreReported()
    {
        const string Rule = """{"name":"travel","description":"d","windowDays":7,"minSignals":2,"rules":[{"word":"trip"}]}""";

        var parsed = IntentRules.Parse($$"""{"intents":[{{Rule}},{{Rule}}]}""");

        Assert.Equal("intents[1].name: \"travel\" is used by an earlier rule; names must be unique.", Assert.Single(parsed.Errors));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{}")]
    public void MalformedJsonIsReportedNotThrown(string json)
    {
        var parsed = IntentRules.Parse(json);

        Assert.False(parsed.Succeeded);
        Assert.Single(parsed.Errors);
    }

    private static List<string> Describe(IntentRules rules) =>
    [
        .. rules.Rules.Select(r => $"{r.Name}|{r.Description}|{r.Window}|{r.MinSignals}|" + string.Join(",", r.Rules.Select(k => $"{k.Match}:{k.Text}:{k.Weight:R}"))),
    ];
}
