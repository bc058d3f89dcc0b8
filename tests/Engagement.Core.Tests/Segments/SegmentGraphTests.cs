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
}
