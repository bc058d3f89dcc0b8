using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.Events;
using Engagement.Core.Segments;

namespace Engagement.Core.Tests.Segments;

public sealed class SegmentEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static SegmentDefinition Definition(string rule)
    {
        var result = SegmentParser.Parse($$"""{"name":"Test","rule":{{rule}}}""");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Definition!;
    }

    private static bool Matches(string rule, SegmentPerson person, IReadOnlyDictionary<string, SegmentDefinition>? others = null) =>
        new SegmentEvaluator(others ?? new Dictionary<string, SegmentDefinition>()).Matches(Definition(rule), person, Now);

    private static SegmentPerson Person(string traits = "{}", params SegmentEvent[] events)
    {
        using var document = JsonDocument.Parse(traits);
        return new SegmentPerson
        {
            Key = "person-1",
            Traits = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            Events = events,
        };
    }

    private static SegmentEvent Order(double daysAgo, string properties = """{"total":120}""") =>
        new(EventKind.Track, "Order Completed", Now.AddDays(-daysAgo), JsonDocument.Parse(properties).RootElement.Clone());

    private static SegmentEvent PageView(double daysAgo) => new(EventKind.Page, null, Now.AddDays(-daysAgo), null);

    [Theory]
    [InlineData("""{"path":"plan","op":"eq","value":"GOLD"}""", true)]
    [InlineData("""{"path":"plan","op":"ne","value":"gold"}""", false)]
    [InlineData("""{"path":"age","op":"gt","value":40}""", true)]
    [InlineData("""{"path":"age","op":"gte","value":42}""", true)]
    [InlineData("""{"path":"age","op":"lt","value":42}""", false)]
    [InlineData("""{"path":"age","op":"lte","value":"42"}""", true)]
    [InlineData("""{"path":"since","op":"lt","value":"2025-01-01"}""", true)]
    [InlineData("""{"path":"email","op":"contains","value":"@EXAMPLE.com"}""", true)]
    [InlineData("""{"path":"tags","op":"contains","value":"vip"}""", true)]
    [InlineData("""{"path":"tags","op":"contains","value":"new"}""", false)]
    [InlineData("""{"path":"address.city","op":"eq","value":"Brno"}""", true)]
    [InlineData("""{"path":"address.zip","op":"exists"}""", false)]
    [InlineData("""{"path":"phone","op":"exists"}""", false)]
    [InlineData("""{"path":"phone","op":"ne","value":"x"}""", true)]
    [InlineData("""{"path":"phone","op":"eq","value":"x"}""", false)]
    [InlineData("""{"path":"newsletter","op":"eq","value":true}""", true)]
    [InlineData("""{"path":"utm.source","op":"eq","value":"mail"}""", true)]
    public void TraitLeavesCompareAsTheirOperatorSays(string test, bool expected)
    {
        var person = Person("""
            {"plan":"gold","age":42,"since":"2024-03-01","email":"jana@example.com","tags":["vip","travel"],
             "address":{"city":"Brno"},"phone":null,"newsletter":true,"utm.source":"mail"}
            """);

        Assert.Equal(expected, Matches($$"""{"trait":{{test}}}""", person));
    }

    [Fact]
    public void InterestLeavesNeedTheMinimumScore()
    {
        var person = Person() with { Interests = new Dictionary<string, double> { ["travel"] = 0.5 } };

        Assert.True(Matches("""{"interest":{"category":"travel","minScore":0.5}}""", person));
        Assert.False(Matches("""{"interest":{"category":"travel","minScore":0.6}}""", person));
        Assert.False(Matches("""{"interest":{"category":"cars"}}""", person));
    }

    [Fact]
    public void ScoreLeavesHoldWithinTheirBounds()
    {
        var person = Person() with { Scores = new Dictionary<string, double> { ["purchase"] = 0.3 } };

        Assert.True(Matches("""{"score":{"goal":"purchase","min":0.3}}""", person));
        Assert.True(Matches("""{"score":{"goal":"purchase","min":0.1,"max":0.3}}""", person));
        Assert.False(Matches("""{"score":{"goal":"purchase","max":0.2}}""", person));
        Assert.False(Matches("""{"score":{"goal":"churn","max":1}}""", person));
    }

    [Fact]
    public void EventLeavesCountOnlyEventsInTheirWindow()
    {
        var person = Person("{}", Order(2), Order(10), Order(40), PageView(1));

        Assert.True(Matches("""{"event":{"name":"Order Completed","within":"P30D","count":{"op":"eq","n":2}}}""", person));
        Assert.True(Matches("""{"event":{"name":"order completed"}}""", person));
        Assert.True(Matches("""{"event":{"name":"Order Completed","count":{"op":"gte","n":3}}}""", person));
        Assert.False(Matches("""{"event":{"name":"Order Completed","within":"P1D"}}""", person));
        Assert.True(Matches("""{"event":{"kind":"page","within":"PT36H"}}""", person));
        Assert.False(Matches("""{"event":{"kind":"page","within":"PT12H"}}""", person));
    }

    [Fact]
    public void DidNotHoldsOnlyWithoutAnyMatchingEventInTheWindow()
    {
        var person = Person("{}", Order(10));

        Assert.True(Matches("""{"event":{"name":"Order Completed","within":"P7D","did":false}}""", person));
        Assert.False(Matches("""{"event":{"name":"Order Completed","within":"P30D","did":false}}""", person));
        Assert.True(Matches("""{"event":{"name":"Cart Abandoned","did":false}}""", person));
    }

    [Fact]
    public void EventPropertiesFilterWhichEventsCount()
    {
        var person = Person("{}", Order(1, """{"total":120,"currency":"CZK"}"""), Order(2, """{"total":80}"""), Order(3, "{}"));

        Assert.True(Matches("""{"event":{"name":"Order Completed","property":{"path":"total","op":"gt","value":100},"count":{"op":"eq","n":1}}}""", person));
        Assert.True(Matches("""{"event":{"name":"Order Completed","property":{"path":"total","op":"exists"},"count":{"op":"eq","n":2}}}""", person));
        Assert.False(Matches("""{"event":{"name":"Order Completed","property":{"path":"total","op":"gt","value":500}}}""", person));
        Assert.True(Matches("""{"event":{"name":"Order Completed","property":{"path":"currency","op":"eq","value":"czk"}}}""", person));
    }

    [Fact]
    public void EventsAfterNowDoNotCount()
    {
        Assert.False(Matches("""{"event":{"name":"Order Completed"}}""", Person("{}", Order(-1))));
    }

    [Fact]
    public void ConsentLeavesReadTheLatestStatusOfThePurposeAndChannel()
    {
        var person = Person() with
        {
            Consents =
            [
                new ConsentStatus("marketing", ContactChannel.Email, ConsentDecision.Granted, LegalBasis.Consent, Now.AddDays(-3), 2),
                new ConsentStatus("marketing", ContactChannel.Sms, ConsentDecision.Withdrawn, LegalBasis.Consent, Now.AddDays(-1), 3),
            ],
        };

        Assert.True(Matches("""{"consent":{"purpose":"marketing","channel":"email","status":"granted"}}""", person));
        Assert.True(Matches("""{"consent":{"purpose":"marketing","channel":"sms","status":"denied"}}""", person));
        Assert.False(Matches("""{"consent":{"purpose":"marketing","channel":"sms","status":"granted"}}""", person));
        Assert.True(Matches("""{"consent":{"purpose":"profiling","status":"none"}}""", person));
        Assert.False(Matches("""{"consent":{"purpose":"marketing","channel":"email","status":"none"}}""", person));
    }

    [Fact]
    public void AllAnyAndNotCombineLeaves()
    {
        var person = Person("""{"plan":"gold","age":30}""");
        const string Gold = """{"trait":{"path":"plan","op":"eq","value":"gold"}}""";
        const string Old = """{"trait":{"path":"age","op":"gt","value":60}}""";

        Assert.True(Matches($$"""{"all":[{{Gold}},{"not":{{Old}}}]}""", person));
        Assert.False(Matches($$"""{"all":[{{Gold}},{{Old}}]}""", person));
        Assert.True(Matches($$"""{"any":[{{Old}},{{Gold}}]}""", person));
        Assert.False(Matches($$"""{"any":[{{Old}},{"not":{{Gold}}}]}""", person));
        Assert.True(Matches("""{"all":[]}""", person));
        Assert.False(Matches("""{"any":[]}""", person));
    }

    [Fact]
    public void MembershipOfAnotherSegmentIsDecidedForTheSamePerson()
    {
        var others = new Dictionary<string, SegmentDefinition>
        {
            ["gold"] = Definition("""{"trait":{"path":"plan","op":"eq","value":"gold"}}"""),
            ["gold-buyers"] = Definition("""{"all":[{"segment":{"id":"gold"}},{"event":{"name":"Order Completed"}}]}"""),
        };

        Assert.True(Matches("""{"segment":{"id":"gold-buyers"}}""", Person("""{"plan":"gold"}""", Order(1)), others));
        Assert.False(Matches("""{"segment":{"id":"gold-buyers"}}""", Person("""{"plan":"silver"}""", Order(1)), others));
        Assert.True(Matches("""{"not":{"segment":{"id":"gold"}}}""", Person("""{"plan":"silver"}"""), others));
        Assert.False(Matches("""{"segment":{"id":"unknown"}}""", Person(), others));
    }

    [Fact]
    public void ACycleAmongSavedSegmentsEndsInsteadOfLooping()
    {
        var others = new Dictionary<string, SegmentDefinition>
        {
            ["a"] = Definition("""{"segment":{"id":"b"}}"""),
            ["b"] = Definition("""{"any":[{"segment":{"id":"a"}},{"trait":{"path":"plan","op":"exists"}}]}"""),
        };

        Assert.True(Matches("""{"segment":{"id":"a"}}""", Person("""{"plan":"gold"}"""), others));
        Assert.False(Matches("""{"segment":{"id":"a"}}""", Person(), others));
    }
}
