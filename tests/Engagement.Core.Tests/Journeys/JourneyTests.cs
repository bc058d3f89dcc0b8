using Engagement.Core.Events;
using Engagement.Core.Journeys;
using Engagement.Testing;

namespace Engagement.Core.Tests.Journeys;

public sealed class JourneyTests
{
    private static readonly GoalDefinition Order = new() { Name = "order", Kind = GoalKind.Conversion, EventName = "Order Completed" };

    private static JourneyStep Step(EventBuilder builder) => JourneyStep.From(builder.Build());

    [Fact]
    public void StepsAreOrderedByTimeAndHeldOnce()
    {
        var late = Step(EventBuilder.Track("B").AtMinute(10).WithId("b"));
        var early = Step(EventBuilder.Track("A").AtMinute(1).WithId("a"));

        var journey = new Journey("p", null, [late, early, late]);

        Assert.Equal(["a", "b"], journey.Steps.Select(s => s.MessageId));
    }

    [Fact]
    public void ThirtyMinutesOfInactivityStartsANewSession()
    {
        var journey = new Journey("p", null,
        [
            Step(EventBuilder.Page("https://www.example.cz/a").AtMinute(0)),
            Step(EventBuilder.Page("https://www.example.cz/b").AtMinute(30)),
            Step(EventBuilder.Page("https://www.example.cz/c").AtMinute(61)),
            Step(EventBuilder.Page("https://www.example.cz/d").AtMinute(62)),
        ]);

        var sessions = journey.Sessions();

        Assert.Equal([2, 2], sessions.Select(s => s.StepCount));
        Assert.Equal(EventBuilder.BaseTime.AddMinutes(61), sessions[1].Start);
    }

    [Fact]
    public void ConversionGoalCountsTheNamedEventForTheListedProductsOnly()
    {
        var travel = Order with { Products = ["travel-annual"] };

        Assert.True(travel.IsReachedBy(Step(EventBuilder.Track("Order Completed").WithProperties("""{"product_id":"travel-annual"}"""))));
        Assert.False(travel.IsReachedBy(Step(EventBuilder.Track("Order Completed").WithProperties("""{"product_id":"car-loan"}"""))));
        Assert.False(travel.IsReachedBy(Step(EventBuilder.Track("Product Viewed").WithProperties("""{"product_id":"travel-annual"}"""))));
    }

    [Fact]
    public void ClickAndVisibleSecondsGoalsLookAtAdRecords()
    {
        var click = new GoalDefinition { Name = "click", Kind = GoalKind.Click };
        var visible = new GoalDefinition { Name = "seen-10s", Kind = GoalKind.VisibleSeconds, MinVisibleSeconds = 10 };

        Assert.True(click.IsReachedBy(Step(EventBuilder.Ad(EventKind.AdClick, "idnes.cz", "zima"))));
        Assert.True(visible.IsReachedBy(Step(EventBuilder.Ad(EventKind.AdImpression, "idnes.cz", "zima", visibleSeconds: 12))));
        Assert.False(visible.IsReachedBy(Step(EventBuilder.Ad(EventKind.AdImpression, "idnes.cz", "zima", visibleSeconds: 9.5))));
    }

    [Fact]
    public void AnAdConversionGoalNeedsNoEventName()
    {
        var conversion = new GoalDefinition { Name = "ad-conversion", Kind = GoalKind.Conversion };

        Assert.True(conversion.IsReachedBy(Step(EventBuilder.Ad(EventKind.AdConversion, "idnes.cz", "zima"))));
        Assert.Empty(conversion.Validate());
    }

    [Fact]
    public void InvalidGoalsSayWhatIsWrong()
    {
        var errors = new GoalDefinition { Name = "bad name!", Kind = GoalKind.VisibleSeconds, EventName = "Order Completed" }.Validate();

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("MinVisibleSeconds", StringComparison.Ordinal));
    }

    [Fact]
    public void LabelComesOnlyFromWhatHappenedAfterTheCutoffWithinTheHorizon()
    {
        var cutoff = EventBuilder.BaseTime.AddHours(1);
        var features = new JourneyFeatures(new FeatureSchema(JourneyFeatures.BaseNames));
        var orderedBefore = new Journey("p", "u",
        [
            Step(EventBuilder.Page("https://www.example.cz/cestovani").AtMinute(0)),
            Step(EventBuilder.Track("Order Completed").AtMinute(30)),
        ]);
        var orderedAfter = new Journey("q", "v",
        [
            Step(EventBuilder.Page("https://www.example.cz/cestovani").AtMinute(0)),
            Step(EventBuilder.Track("Order Completed").AtMinute(90)),
        ]);
        var orderedTooLate = new Journey("r", "w",
        [
            Step(EventBuilder.Page("https://www.example.cz/cestovani").AtMinute(0)),
            Step(EventBuilder.Track("Order Completed").At(cutoff.AddDays(2))),
        ]);

        var before = features.Labelled(orderedBefore, cutoff, Order, TimeSpan.FromDays(1))!;
        var after = features.Labelled(orderedAfter, cutoff, Order, TimeSpan.FromDays(1))!;
        var late = features.Labelled(orderedTooLate, cutoff, Order, TimeSpan.FromDays(1))!;

        Assert.False(before.Label);
        Assert.Equal(1, Feature(before, "goal_before"));
        Assert.True(after.Label);
        Assert.Equal(0, Feature(after, "goal_before"));
        Assert.False(late.Label);
    }

    [Fact]
    public void FeaturesIgnoreEverythingFromTheCutoffOn()
    {
        var cutoff = EventBuilder.BaseTime.AddHours(1);
        var journey = new Journey("p", null,
        [
            Step(EventBuilder.Ad(EventKind.AdImpression, "cestovani.cz", "travel-summer", visibleSeconds: 8, costEur: 0.004m).AtMinute(0)),
            Step(EventBuilder.Ad(EventKind.AdClick, "cestovani.cz", "travel-summer").AtMinute(1)),
            Step(EventBuilder.Page("https://www.example.cz/cestovani/pojisteni").AtMinute(2)),
            Step(EventBuilder.Ad(EventKind.AdImpression, "idnes.cz", "car-loan", visibleSeconds: 3).At(cutoff)),
            Step(EventBuilder.Ad(EventKind.AdImpression, "idnes.cz", "car-loan").At(cutoff.AddMinutes(5))),
        ]);
        var schema = JourneyFeatures.SchemaFor([journey], []);
        var features = new JourneyFeatures(schema);

        var row = features.Labelled(journey, cutoff, Order, TimeSpan.FromDays(1))!;

        Assert.Contains("domain_idnes.cz", schema.Names);
        Assert.Equal(1, Feature(row, "impressions", schema));
        Assert.Equal(1, Feature(row, "clicks", schema));
        Assert.Equal(1f, Feature(row, "click_through_rate", schema));
        Assert.Equal(8, Feature(row, "visible_seconds", schema));
        Assert.Equal(1, Feature(row, "domain_cestovani.cz", schema));
        Assert.Equal(0, Feature(row, "domain_idnes.cz", schema));
        Assert.Equal(1, Feature(row, "pages", schema));
        Assert.Equal(0, Feature(row, "is_known", schema));
        Assert.Equal(58f / 60 / 24, Feature(row, "days_since_last_event", schema), 4);
        Assert.Contains("cestovani", row.Text.Split(' '));
        Assert.DoesNotContain("site_idnes_cz", row.Text.Split(' '));
    }

    [Fact]
    public void UnknownValuesAreNaN()
    {
        var journey = new Journey("p", null, [Step(EventBuilder.Page("https://www.example.cz/").AtMinute(0))]);
        var row = new JourneyFeatures(new FeatureSchema(JourneyFeatures.BaseNames)).Current(journey, EventBuilder.BaseTime.AddHours(2), Order);

        Assert.True(float.IsNaN(Feature(row, "click_through_rate")));
        Assert.True(float.IsNaN(Feature(row, "hours_since_last_impression")));
        Assert.False(row.Label);
    }

    [Fact]
    public void APersonNotYetSeenByTheCutoffGivesNoRow()
    {
        var journey = new Journey("p", null, [Step(EventBuilder.Page("https://www.example.cz/").AtMinute(120))]);

        Assert.Null(new JourneyFeatures(new FeatureSchema(JourneyFeatures.BaseNames)).Labelled(journey, EventBuilder.BaseTime, Order, TimeSpan.FromDays(1)));
    }

    [Fact]
    public void DailyCutoffsLeaveAWholeHorizonAfterTheLast()
    {
        var start = new DateTimeOffset(2026, 11, 9, 7, 30, 0, TimeSpan.Zero);
        var cutoffs = JourneyFeatures.DailyCutoffs(start, start.AddDays(7), TimeSpan.FromDays(1));

        Assert.Equal(new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero), cutoffs[0]);
        Assert.Equal(new DateTimeOffset(2026, 11, 15, 0, 0, 0, TimeSpan.Zero), cutoffs[^1]);
    }

    [Fact]
    public void TraitsBecomeTextTokens()
    {
        var tokens = JourneyFeatures.TraitTokens([KeyValuePair.Create("ageBand", "35-49"), KeyValuePair.Create("note", "a very long free text that is no category")]);

        Assert.Equal(["trait_ageband_35_49"], tokens);
    }

    [Fact]
    public void ASchemaWithUnknownFeaturesIsRefused()
    {
        Assert.Throws<ArgumentException>(() => new JourneyFeatures(new FeatureSchema(["impressions", "shoe_size"])));
        Assert.Throws<ArgumentException>(() => new JourneyFeatures(new FeatureSchema(["interest_travel"])));
    }

    private static float Feature(JourneyExample row, string name, FeatureSchema? schema = null)
    {
        var names = (schema ?? new FeatureSchema(JourneyFeatures.BaseNames)).Names.ToList();
        return row.Features[names.IndexOf(name)];
    }
}
