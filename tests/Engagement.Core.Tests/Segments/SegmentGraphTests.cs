using Engagement.Core.Segments;

namespace Engagement.Core.Tests.Segments;

public sealed class SegmentGraphTests
{
    private static SegmentDefinition Definition(string rule) => SegmentParser.Parse($$"""{"name":"Test","rule":{{rule}}}""").Definition!;

    private static readonly Dictionary<string, SegmentDefinition> Saved = new()
    {
        ["gold"] = Definition("""{"trait":{"path":"plan","op":"eq","value":"gold"}}"""),
        ["gold-buyers"] = Definition("""{"all":[{"segment":{"id":"gold"}},{"event":{"name":"Order Completed"}}]}"""),
        ["lapsed-gold"] = Definition("""{"all":[{"segment":{"id":"gold-buyers"}},{"event":{"name":"Order Completed","within":"P90D","did":false}}]}"""),
    };

    [Fact]
    public void ReferencesAreListedWithTheirPaths()
    {
        var references = SegmentGraph.References(Definition("""{"any":[{"trait":{"path":"a","op":"exists"}},{"not":{"segment":{"id":"gold"}}},{"all":[{"segment":{"id":"x"}}]}]}""").Rule);

        Assert.Equal([("gold", "$.rule.any[1].not.segment"), ("x", "$.rule.any[2].all[0].segment")], references);
    }

    [Fact]
    public void ReferencesToSavedSegmentsPass()
    {
        Assert.Empty(SegmentGraph.Check("new", Definition("""{"segment":{"id":"lapsed-gold"}}"""), Saved));
    }

    [Fact]
    public void AnUnknownSegmentIsNamedWithItsPath()
    {
        var errors = SegmentGraph.Check("new", Definition("""{"all":[{"segment":{"id":"gold"}},{"not":{"segment":{"id":"platinum"}}}]}"""), Saved);

        Assert.Equal("$.rule.all[1].not.segment.id: no segment \"platinum\"", Assert.Single(errors));
    }

    [Fact]
    public void ASegmentReferringToItselfIsRefused()
    {
        Assert.Equal("$.rule.segment.id: \"new\" is this segment itself", Assert.Single(SegmentGraph.Check("new", Definition("""{"segment":{"id":"new"}}"""), Saved)));
    }

    [Fact]
    public void AChangeThatClosesACycleIsRefusedWithTheChain()
    {
        // gold → (changed to refer to) lapsed-gold → gold-buyers → gold.
        var errors = SegmentGraph.Check("gold", Definition("""{"any":[{"trait":{"path":"plan","op":"eq","value":"gold"}},{"segment":{"id":"lapsed-gold"}}]}"""), Saved);

        Assert.Equal("$.rule.any[1].segment.id: \"lapsed-gold\" leads back to this segment (gold → lapsed-gold → gold-buyers → gold)", Assert.Single(errors));
    }

    [Fact]
    public void LeafUseIsFoundThroughCombinations()
    {
        var rule = Definition("""{"all":[{"not":{"any":[{"consent":{"purpose":"marketing","status":"granted"}}]}}]}""").Rule;

        Assert.True(SegmentGraph.Uses<ConsentCondition>(rule));
        Assert.False(SegmentGraph.Uses<ScoreCondition>(rule));
    }

    [Fact]
    public void ARuleReadsEventsThroughInterestsScoresAndTheSegmentsItRefersTo()
    {
        Assert.False(SegmentGraph.ReadsEvents(Definition("""{"all":[{"segment":{"id":"gold"}},{"consent":{"purpose":"marketing","status":"granted"}}]}""").Rule, Saved));
        Assert.True(SegmentGraph.ReadsEvents(Definition("""{"not":{"segment":{"id":"lapsed-gold"}}}""").Rule, Saved));
        Assert.True(SegmentGraph.ReadsEvents(Definition("""{"any":[{"trait":{"path":"a","op":"exists"}},{"interest":{"category":"finance","minScore":0.5}}]}""").Rule, Saved));
        Assert.True(SegmentGraph.ReadsEvents(Definition("""{"score":{"goal":"purchase","min":0.7}}""").Rule, Saved));
        Assert.False(SegmentGraph.ReadsEvents(Definition("""{"segment":{"id":"no-such-segment"}}""").Rule, Saved));
    }

    [Fact]
    public void ARuleWithoutEventsIsDecidedWhollyWithoutThem()
    {
        var rule = Definition("""{"any":[{"segment":{"id":"gold"}},{"trait":{"path":"age","op":"gte","value":60}}]}""").Rule;

        Assert.Same(rule, SegmentGraph.EventFreePart(rule, Saved));
    }

    [Fact]
    public void AnAllOfRuleKeepsItsEventFreeConditionsDownIntoNestedAllOfs()
    {
        var rule = Definition("""
            {"all":[
              {"trait":{"path":"plan","op":"eq","value":"gold"}},
              {"event":{"name":"Order Completed"}},
              {"all":[{"consent":{"purpose":"marketing","status":"granted"}},{"interest":{"category":"finance","minScore":0.5}}]},
              {"segment":{"id":"gold-buyers"}}
            ]}
            """).Rule;

        var free = Assert.IsType<AllOf>(SegmentGraph.EventFreePart(rule, Saved));

        Assert.Equal([((AllOf)rule).Conditions[0], ((AllOf)((AllOf)rule).Conditions[2]).Conditions[0]], free.Conditions);
    }

    [Fact]
    public void NothingIsDecidedWithoutEventsWhenEveryAlternativeReadsThem()
    {
        Assert.Null(SegmentGraph.EventFreePart(Definition("""{"any":[{"trait":{"path":"a","op":"exists"}},{"event":{"name":"Order Completed"}}]}""").Rule, Saved));
        Assert.Null(SegmentGraph.EventFreePart(Definition("""{"all":[{"event":{"name":"Order Completed"}},{"not":{"segment":{"id":"gold-buyers"}}}]}""").Rule, Saved));
    }
}
