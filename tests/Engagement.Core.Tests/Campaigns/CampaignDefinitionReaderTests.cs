using System.Text.Json.Nodes;
using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class CampaignDefinitionReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private const string Full = """
        {
          "id": "may-2026",
          "name": "May newsletter",
          "segmentId": "customers",
          "purpose": "newsletter",
          "sender": { "from": "news@shop.example", "name": "Shop", "replyTo": "care@shop.example" },
          "variants": [
            { "id": "a", "templateId": "tpl-may" },
            { "id": "b", "templateId": "tpl-may", "subject": "Our May picks for you" }
          ],
          "defaultVariant": "a",
          "abTest": { "testShare": 0.3, "metric": "clicks", "decideAfterHours": 6, "minimumSamplePerVariant": 250, "confidence": 0.9 },
          "reminder": { "afterDays": 2.5, "to": "nonClickers", "subject": "Did you miss this?", "templateId": "tpl-reminder" },
          "sendWindow": { "from": "08:00", "to": "20:00", "days": ["Mon", "tue", "Wednesday", "thu", "fri"] },
          "quietHours": { "from": "21:00", "to": "08:00" },
          "timeZone": "Europe/Prague",
          "sendTimeOptimisation": true,
          "defaultSendHour": 10,
          "throughputPerMinute": 600,
          "frequencyCap": { "perDay": 1, "perWeek": 3 },
          "inactiveMonths": 18,
          "startAt": "2026-05-04T09:00:00+02:00",
          "conversion": { "event": "Order Completed", "attributionDays": 5 }
        }
        """;

    [Fact]
    public void AFullRequestIsReadIntoTheDefinition()
    {
        var read = CampaignDefinitionReader.Read(Full, Now);

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        var d = read.Definition!;
        Assert.Equal(("may-2026", "May newsletter", "customers", "newsletter"), (d.Id, d.Name, d.SegmentId, d.Purpose));
        Assert.Equal(new CampaignSender("news@shop.example", "Shop", "care@shop.example"), d.Sender);
        Assert.Equal([new CampaignVariant("a", "tpl-may"), new CampaignVariant("b", "tpl-may", "Our May picks for you")], d.Variants);
        Assert.Equal(new AbTestPlan(0.3, AbTestMetric.Clicks, 6, 250, 0.9), d.AbTest);
        Assert.Equal(new ReminderPlan(2.5, ReminderAudience.NonClickers, "Did you miss this?", "tpl-reminder"), d.Reminder);
        Assert.Equal(new TimeOnly(8, 0), d.SendWindow!.From);
        Assert.Equal(new TimeOnly(20, 0), d.SendWindow.To);
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], d.SendWindow.Days);
        Assert.Equal(new QuietHours(new TimeOnly(21, 0), new TimeOnly(8, 0)), d.QuietHours);
        Assert.True(d.SendTimeOptimisation);
        Assert.Equal((10, 600, 18), (d.DefaultSendHour, d.ThroughputPerMinute, d.InactiveMonths));
        Assert.Equal(new FrequencyCap(1, 3), d.FrequencyCap);
        Assert.Equal(new DateTimeOffset(2026, 5, 4, 7, 0, 0, TimeSpan.Zero), d.StartAt);
        Assert.Equal(new ConversionGoal("Order Completed", 5), d.Conversion);
    }

    [Fact]
    public void AMinimalRequestGetsTheDefaults()
    {
        var read = CampaignDefinitionReader.Read("""
            { "name": "Hello", "segmentId": "all", "sender": { "from": "a@b.example" }, "variants": [{ "id": "v1", "templateId": "t" }, { "id": "v2", "templateId": "t" }],
              "abTest": {}, "reminder": { "subject": "Again" }, "sendWindow": { "from": "09:00", "to": "17:00" } }
            """, Now);

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        var d = read.Definition!;
        Assert.Null(d.Id);
        Assert.Equal("marketing", d.Purpose);
        Assert.Equal("v1", d.DefaultVariantInEffect);
        Assert.Equal("Europe/Prague", d.TimeZone);
        Assert.Equal(new AbTestPlan(0.2, AbTestMetric.Opens, 4, 100, 0.95), d.AbTest);
        Assert.Equal(new ReminderPlan(3, ReminderAudience.NonOpeners, "Again"), d.Reminder);
        Assert.Equal(7, d.SendWindow!.Days.Count);
        Assert.False(d.SendTimeOptimisation);
        Assert.Equal(new ConversionGoal("Order Completed", 7), d.ConversionInEffect);
    }

    [Theory]
    [InlineData("$.variants[1].templateId", null, "variants[1].templateId", "is required")]
    [InlineData("$.variants[1].templateId", "", "variants[1].templateId", "is required")]
    [InlineData("$.variants[0].id", "a.b", "variants[0].id", "use 1–40 letters, digits, '-' or '_'")]
    [InlineData("$.variants[1].id", "a", "variants[1].id", "'a' is used by an earlier variant")]
    [InlineData("$.variants[1].subject", " ", "variants[1].subject", "must not be blank")]
    [InlineData("$.variants", "[]", "variants", "name at least one variant")]
    [InlineData("$.variants", "[1]", "variants[0]", "must be an object")]
    [InlineData("$.defaultVariant", "c", "defaultVariant", "'c' is not one of the variants")]
    [InlineData("$.id", "may 2026", "id", "use 1–64 letters, digits, '-' or '_'")]
    [InlineData("$.name", null, "name", "is required")]
    [InlineData("$.name", "42", "name", "must be a string")]
    [InlineData("$.segmentId", "  ", "segmentId", "is required")]
    [InlineData("$.sender.from", "not-an-address", "sender.from", "must be an e-mail address")]
    [InlineData("$.sender.replyTo", "x@", "sender.replyTo", "must be an e-mail address")]
    [InlineData("$.sender", null, "sender", "is required")]
    [InlineData("$.sender", "\"news@shop.example\"", "sender", "must be an object")]
    [InlineData("$.abTest.testShare", "1", "abTest.testShare", "must be above 0 and below 1 (the share of the audience in the test; the rest gets the winner)")]
    [InlineData("$.abTest.testShare", "\"20%\"", "abTest.testShare", "must be a number")]
    [InlineData("$.abTest.metric", "\"revenue\"", "abTest.metric", "'revenue' is not one of opens, clicks, conversions")]
    [InlineData("$.abTest.decideAfterHours", "0", "abTest.decideAfterHours", "must be above 0 and at most 720")]
    [InlineData("$.abTest.minimumSamplePerVariant", "10", "abTest.minimumSamplePerVariant", "must be at least 30")]
    [InlineData("$.abTest.minimumSamplePerVariant", "100.5", "abTest.minimumSamplePerVariant", "must be a whole number")]
    [InlineData("$.abTest.confidence", "0.9999", "abTest.confidence", "must be from 0.5 to 0.999")]
    [InlineData("$.reminder.afterDays", "-1", "reminder.afterDays", "must be above 0 and at most 90")]
    [InlineData("$.reminder.to", "\"everyone\"", "reminder.to", "'everyone' is not one of nonopeners, nonclickers")]
    [InlineData("$.reminder.subject", null, "reminder.subject", "is required")]
    [InlineData("$.sendWindow.from", "\"8am\"", "sendWindow.from", "'8am' is not a time of day (HH:mm, e.g. 08:00)")]
    [InlineData("$.sendWindow.to", "\"08:00\"", "sendWindow.to", "must differ from sendWindow.from")]
    [InlineData("$.sendWindow.days", "[\"mon\", \"someday\"]", "sendWindow.days[1]", "\"someday\" is not a day (mon, tue, wed, thu, fri, sat, sun)")]
    [InlineData("$.sendWindow.days", "[]", "sendWindow.days", "name at least one day")]
    [InlineData("$.sendWindow.days", "[\"mon\", \"monday\"]", "sendWindow.days", "must not repeat a day")]
    [InlineData("$.quietHours.to", "\"21:00\"", "quietHours.to", "must differ from quietHours.from")]
    [InlineData("$.quietHours", "{ \"from\": \"07:00\", \"to\": \"21:00\" }", "quietHours", "cover the whole send window: no message could ever go out")]
    [InlineData("$.timeZone", "\"Mars/Olympus\"", "timeZone", "'Mars/Olympus' is not a known IANA time zone (such as Europe/Prague)")]
    [InlineData("$.sendTimeOptimisation", "\"yes\"", "sendTimeOptimisation", "must be true or false")]
    [InlineData("$.defaultSendHour", "24", "defaultSendHour", "must be from 0 to 23")]
    [InlineData("$.throughputPerMinute", "0", "throughputPerMinute", "must be from 1 to 1000000")]
    [InlineData("$.frequencyCap.perWeek", "0", "frequencyCap.perWeek", "must be at least 1")]
    [InlineData("$.frequencyCap", "{ \"perDay\": 3, \"perWeek\": 2 }", "frequencyCap.perWeek", "must be at least perDay")]
    [InlineData("$.frequencyCap", "{}", "frequencyCap", "set perDay, perWeek or both")]
    [InlineData("$.inactiveMonths", "0", "inactiveMonths", "must be from 1 to 120")]
    [InlineData("$.startAt", "\"2026-04-30T09:00:00Z\"", "startAt", "2026-04-30 09:00:00Z is in the past (now 2026-05-01 10:00:00Z)")]
    [InlineData("$.startAt", "\"2026-05-04T09:00:00\"", "startAt", "'2026-05-04T09:00:00' is not an ISO 8601 time with an offset (e.g. 2026-05-04T09:00:00+02:00)")]
    [InlineData("$.conversion.attributionDays", "0", "conversion.attributionDays", "must be above 0 and at most 90")]
    [InlineData("$.conversion.event", "\"\"", "conversion.event", "is required")]
    [InlineData("$.quietHour", "{}", "quietHour", "is not a field of a campaign here")]
    [InlineData("$.abTest.share", "0.2", "abTest.share", "is not a field of a campaign here")]
    public void EachProblemIsReportedAtItsPath(string field, string? json, string path, string message)
    {
        var body = Change(field, json);

        var read = CampaignDefinitionReader.Read(body, Now);

        Assert.False(read.IsValid);
        Assert.Null(read.Definition);
        Assert.Contains(new CampaignProblem(path, message), read.Problems);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnceAndAnUnreadableFieldOnlyOnce()
    {
        var body = Change("$.variants[1].templateId", null);
        body = Change("$.abTest.testShare", "\"lots\"", body);
        body = Change("$.timeZone", "\"Nowhere\"", body);

        var read = CampaignDefinitionReader.Read(body, Now);

        Assert.Equal(
            ["abTest.testShare: must be a number", "timeZone: 'Nowhere' is not a known IANA time zone (such as Europe/Prague)", "variants[1].templateId: is required"],
            read.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void MoreThanTenVariantsAreRefused()
    {
        var variants = string.Join(", ", Enumerable.Range(1, 11).Select(i => $$"""{ "id": "v{{i}}", "templateId": "t" }"""));
        var body = Change("$.variants", $"[{variants}]");
        body = Change("$.defaultVariant", "\"v1\"", body);

        var read = CampaignDefinitionReader.Read(body, Now);

        Assert.Equal([new CampaignProblem("variants", "at most 10 variants, not 11")], read.Problems);
    }

    [Fact]
    public void AnAbTestNeedsTwoVariants()
    {
        var body = Change("$.variants", """[{ "id": "a", "templateId": "t" }]""");

        var read = CampaignDefinitionReader.Read(body, Now);

        Assert.Equal([new CampaignProblem("abTest", "an A/B test needs at least two variants")], read.Problems);
    }

    [Fact]
    public void AStartAMinuteOrLessInThePastIsAccepted()
    {
        var read = CampaignDefinitionReader.Read(Change("$.startAt", "\"2026-05-01T09:59:10Z\""), Now);

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
    }

    [Theory]
    [InlineData("not json", "the body is not JSON")]
    [InlineData("[1, 2]", "the body must be a JSON object")]
    public void ABodyThatIsNotAnObjectIsOneProblemAtTheRoot(string body, string message)
    {
        var read = CampaignDefinitionReader.Read(body, Now);

        var problem = Assert.Single(read.Problems);
        Assert.Equal(string.Empty, problem.Path);
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FieldNamesMatchWhateverTheirCase()
    {
        var body = Full.Replace("\"segmentId\"", "\"SegmentID\"", StringComparison.Ordinal);

        var read = CampaignDefinitionReader.Read(body, Now);

        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        Assert.Equal("customers", read.Definition!.SegmentId);
    }

    /// <summary>The full request with the field at a simple JSON path set to <paramref name="json"/> (null: removed).</summary>
    private static string Change(string field, string? json, string? body = null)
    {
        var root = JsonNode.Parse(body ?? Full)!;
        var parts = field[2..].Replace("[", ".[", StringComparison.Ordinal).Split('.');
        JsonNode parent = root;
        foreach (var part in parts[..^1])
        {
            parent = part.StartsWith('[') ? parent[int.Parse(part[1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : parent[part]!;
        }

        var last = parts[^1];
        if (json is null)
        {
            parent.AsObject().Remove(last);
        }
        else
        {
            var value = json.Length > 0 && (json[0] is '{' or '[' or '"' || char.IsDigit(json[0]) || json[0] == '-' || json is "true" or "false")
                ? JsonNode.Parse(json)
                : JsonValue.Create(json);
            if (last.StartsWith('['))
            {
                parent[int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
            }
            else
            {
                parent[last] = value;
            }
        }

        return root.ToJsonString();
    }
}
