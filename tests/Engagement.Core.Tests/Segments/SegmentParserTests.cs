using Engagement.Core.Consent;
using Engagement.Core.Events;
using Engagement.Core.Segments;

namespace Engagement.Core.Tests.Segments;

public sealed class SegmentParserTests
{
    private static string Rule(string rule) => $$"""{"name":"Test","rule":{{rule}}}""";

    private static IReadOnlyList<string> ErrorsOf(string json)
    {
        var result = SegmentParser.Parse(json);
        Assert.False(result.IsValid);
        Assert.Null(result.Definition);
        return result.Errors;
    }

    [Fact]
    public void AFullDefinitionReadsIntoTheConditionTree()
    {
        var result = SegmentParser.Parse("""
            {
              "name": "Engaged travellers",
              "description": "For the summer campaign",
              "rule": {"all": [
                {"trait": {"path": "address.city", "op": "eq", "value": "Brno"}},
                {"interest": {"category": "travel", "minScore": 0.4}},
                {"score": {"goal": "purchase", "min": 0.2}},
                {"event": {"name": "Order Completed", "within": "P30D", "count": {"op": "gte", "n": 2}, "property": {"path": "total", "op": "gt", "value": 100}}},
                {"event": {"kind": "page", "within": 7, "did": false}},
                {"consent": {"purpose": "marketing", "channel": "email", "status": "granted"}},
                {"not": {"segment": {"id": "churned"}}},
                {"any": []}
              ]}
            }
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var definition = result.Definition!;
        Assert.Equal("Engaged travellers", definition.Name);
        Assert.Equal("For the summer campaign", definition.Description);
        var all = Assert.IsType<AllOf>(definition.Rule);
        Assert.Equal(8, all.Conditions.Count);
        var trait = Assert.IsType<TraitCondition>(all.Conditions[0]);
        Assert.Equal(("address.city", ValueOp.Eq, "Brno"), (trait.Test.Path, trait.Test.Op, trait.Test.Value!.Value.GetString()));
        Assert.Equal(new InterestCondition("travel", 0.4), all.Conditions[1]);
        Assert.Equal(new ScoreCondition("purchase", 0.2, null), all.Conditions[2]);
        var order = Assert.IsType<EventCondition>(all.Conditions[3]);
        Assert.Equal(("Order Completed", (EventKind?)null, TimeSpan.FromDays(30), true, new CountTest(ValueOp.Gte, 2)), (order.Name, order.Kind, order.Within, order.Did, order.Count));
        Assert.Equal(ValueOp.Gt, order.Property!.Op);
        var pages = Assert.IsType<EventCondition>(all.Conditions[4]);
        Assert.Equal((EventKind.Page, TimeSpan.FromDays(7), false), (pages.Kind!.Value, pages.Within!.Value, pages.Did));
        Assert.Equal(new ConsentCondition("marketing", ContactChannel.Email, ConsentState.Granted), all.Conditions[5]);
        Assert.Equal(new MembershipCondition("churned"), Assert.IsType<NotOf>(all.Conditions[6]).Condition);
        Assert.Empty(Assert.IsType<AnyOf>(all.Conditions[7]).Conditions);
    }

    [Fact]
    public void ABadDurationNamesItsPath()
    {
        var errors = ErrorsOf(Rule("""{"any":[{"trait":{"path":"a","op":"exists"}},{"trait":{"path":"b","op":"exists"}},{"event":{"name":"x","within":"P3X"}}]}"""));

        Assert.Equal("$.rule.any[2].event.within: \"P3X\" is not a duration (ISO-8601 in weeks, days, hours, minutes or seconds such as P30D or PT12H, or a number of days)", Assert.Single(errors));
    }

    [Theory]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("PT0S")]
    [InlineData("30 days")]
    [InlineData("P0W")]
    public void DurationsWithoutAFixedPositiveLengthAreRefused(string within)
    {
        var error = Assert.Single(ErrorsOf(Rule("""{"event":{"name":"x","within":"WITHIN"}}""".Replace("WITHIN", within, StringComparison.Ordinal))));

        Assert.StartsWith($"$.rule.event.within: \"{within}\" is not a duration", error, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryErrorIsReportedAtOnceEachWithItsPath()
    {
        var errors = ErrorsOf("""
            {"rule": {"all": [
              {"trait": {"path": "plan", "op": "like", "value": "gold"}},
              {"interest": {"minScore": 2}},
              {"score": {"goal": "purchase", "min": 0.9, "max": 0.1}},
              {"event": {"kind": "teleport", "count": {"op": "contains", "n": 1.5}}},
              {"consent": {"purpose": "marketing", "channel": "pigeon", "status": "maybe"}},
              {"segment": {}},
              {"trait": {"path": "x"}, "interest": {"category": "y"}},
              "text",
              {"not": 3},
              {"any": {}}
            ]}}
            """);

        Assert.Equal(
        [
            "$.name: is required",
            "$.rule.all[0].trait.op: \"like\" is not one of eq, ne, gt, lt, gte, lte, contains, exists",
            "$.rule.all[1].interest.category: is required",
            "$.rule.all[1].interest.minScore: 2 is not between 0 and 1",
            "$.rule.all[2].score.min: is greater than max",
            "$.rule.all[3].event.kind: \"teleport\" is not an event kind (identify, track, page, screen, group, alias, ad_impression, ad_click, ad_conversion)",
            "$.rule.all[3].event.count.op: \"contains\" is not one of eq, ne, gt, lt, gte, lte",
            "$.rule.all[3].event.count.n: 1.5 is not a whole number ≥ 0",
            "$.rule.all[4].consent.channel: \"pigeon\" is not a channel (any, email, sms, phone, post)",
            "$.rule.all[4].consent.status: \"maybe\" is not one of granted, denied, none",
            "$.rule.all[5].segment.id: is required",
            "$.rule.all[6]: a condition must have exactly one of all, any, not, trait, interest, score, event, consent, segment; found \"trait\", \"interest\"",
            "$.rule.all[7]: a condition must be an object with one of: all, any, not, trait, interest, score, event, consent, segment",
            "$.rule.all[8].not: a condition must be an object with one of: all, any, not, trait, interest, score, event, consent, segment",
            "$.rule.all[9].any: must be an array of conditions",
        ], errors);
    }

    [Theory]
    [InlineData("""{"trait":{"path":"plan","op":"eq"}}""", "$.rule.trait.value: is required for eq")]
    [InlineData("""{"trait":{"path":"plan","op":"exists","value":1}}""", "$.rule.trait.value: exists takes no value")]
    [InlineData("""{"trait":{"path":"plan","op":"gt","value":true}}""", "$.rule.trait.value: gt compares a number or a string, not true")]
    [InlineData("""{"trait":{"path":"plan","op":"contains","value":[1]}}""", "$.rule.trait.value: contains looks for a string, number or boolean")]
    [InlineData("""{"trait":{"path":"a..b","op":"exists"}}""", "$.rule.trait.path: \"a..b\" is not a dotted path (e.g. address.city)")]
    [InlineData("""{"trait":{"path":"plan","op":"exists","colour":"red"}}""", "$.rule.trait.colour: unknown field (expected path, op, value)")]
    [InlineData("""{"trait":"plan"}""", "$.rule.trait: must be an object")]
    [InlineData("""{"score":{"goal":"purchase"}}""", "$.rule.score: give min, max or both")]
    [InlineData("""{"score":{"goal":"purchase","max":"high"}}""", "$.rule.score.max: must be a number")]
    [InlineData("""{"score":{"goal":"purchase","min":-0.5}}""", "$.rule.score.min: -0.5 is not a probability between 0 and 1")]
    [InlineData("""{"event":{"within":"P1D"}}""", "$.rule.event: give the event's name, its kind or both")]
    [InlineData("""{"event":{"name":"x","within":0}}""", "$.rule.event.within: 0 days is not more than 0 and at most 3660")]
    [InlineData("""{"event":{"name":"x","within":true}}""", "$.rule.event.within: must be an ISO-8601 duration such as \"P30D\" or a number of days")]
    [InlineData("""{"event":{"name":"x","did":"no"}}""", "$.rule.event.did: must be true (did) or false (did not)")]
    [InlineData("""{"event":{"name":"x","did":false,"count":{"op":"gt","n":1}}}""", "$.rule.event.count: a count means nothing with did: false (which requires no matching event)")]
    [InlineData("""{"event":{"name":"x","count":{"op":"gt"}}}""", "$.rule.event.count.n: is required")]
    [InlineData("""{"event":{"name":"x","property":{"path":"total","op":"gt"}}}""", "$.rule.event.property.value: is required for gt")]
    [InlineData("""{"event":{"name":""}}""", "$.rule.event.name: must be a non-empty string")]
    [InlineData("""{"consent":{"purpose":"marketing"}}""", "$.rule.consent.status: is required")]
    [InlineData("""{"segment":{"id":7}}""", "$.rule.segment.id: must be a non-empty string")]
    [InlineData("""{}""", "$.rule: a condition must have exactly one of all, any, not, trait, interest, score, event, consent, segment; found nothing")]
    public void EachBadLeafIsNamedByItsPath(string rule, string expected)
    {
        Assert.Equal(expected, Assert.Single(ErrorsOf(Rule(rule))));
    }

    [Theory]
    [InlineData("[]", "$: a segment definition must be an object with name and rule")]
    [InlineData("""{"name":"x"}""", "$.rule: is required")]
    [InlineData("""{"name":"x","rule":{"any":[]},"owner":"me"}""", "$.owner: unknown field (expected id, name, description, rule)")]
    [InlineData("""{"name":"x","description":5,"rule":{"any":[]}}""", "$.description: must be a string")]
    [InlineData("""{"name":"x", """, "$: not valid JSON")]
    public void TheTopLevelIsChecked(string json, string expected)
    {
        Assert.StartsWith(expected, Assert.Single(ErrorsOf(json)), StringComparison.Ordinal);
    }

    [Fact]
    public void NestingDeeperThanTheLimitIsRefused()
    {
        var rule = string.Concat(Enumerable.Repeat("""{"not":""", SegmentParser.MaxDepth + 1)) + """{"trait":{"path":"a","op":"exists"}}""" + new string('}', SegmentParser.MaxDepth + 1);

        Assert.Contains(ErrorsOf(Rule(rule)), e => e.EndsWith($"conditions may nest at most {SegmentParser.MaxDepth} deep", StringComparison.Ordinal));
    }

    [Fact]
    public void DurationsInWeeksHoursAndDaysNumbersAllRead()
    {
        var hours = Assert.IsType<EventCondition>(SegmentParser.Parse(Rule("""{"event":{"name":"x","within":"PT12H"}}""")).Definition!.Rule);
        var days = Assert.IsType<EventCondition>(SegmentParser.Parse(Rule("""{"event":{"name":"x","within":1.5}}""")).Definition!.Rule);

        var weeks = Assert.IsType<EventCondition>(SegmentParser.Parse(Rule("""{"event":{"name":"x","within":"P2W"}}""")).Definition!.Rule);

        Assert.Equal(TimeSpan.FromDays(14), weeks.Within);
        Assert.Equal(TimeSpan.FromHours(12), hours.Within);
        Assert.Equal(TimeSpan.FromHours(36), days.Within);
    }
}
