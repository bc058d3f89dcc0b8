using Engagement.Core.Events;
using Engagement.Core.Profiles;
using Engagement.Testing;

namespace Engagement.Core.Tests.Profiles;

public sealed class ActivitySummaryTests
{
    [Fact]
    public void ApplyCountsEventsByKindAndName()
    {
        var summary = SummaryOf(
            EventBuilder.Track("Added To Cart").ForUser("u").Build(),
            EventBuilder.Track("Added To Cart").ForUser("u").Build(),
            EventBuilder.Track("Order Completed").ForUser("u").Build(),
            EventBuilder.Identify("{}").ForUser("u").Build());

        Assert.Equal(4, summary.EventCount);
        Assert.Equal(3, summary.ByKind["track"]);
        Assert.Equal(1, summary.ByKind["identify"]);
        Assert.Equal(2, summary.ByEventName["Added To Cart"]);
        Assert.Equal(1, summary.ByEventName["Order Completed"]);
    }

    [Fact]
    public void SessionsAreCountedAtEveryHalfHourOfInactivity()
    {
        var summary = SummaryOf(
            EventBuilder.Page("https://www.example.cz/a").AtMinute(0).Build(),
            EventBuilder.Page("https://www.example.cz/b").AtMinute(20).Build(),
            EventBuilder.Page("https://www.example.cz/c").AtMinute(55).Build(),
            EventBuilder.Page("https://www.example.cz/d").AtMinute(200).Build(),
            EventBuilder.Page("https://www.example.cz/earlier").AtMinute(-120).Build());

        Assert.Equal(4, summary.Sessions);
    }

    [Fact]
    public void FirstImpressionIsTheEarliestAdImpression()
    {
        var summary = SummaryOf(
            EventBuilder.Page("https://www.example.cz/a").AtMinute(0).Build(),
            EventBuilder.Ad(EventKind.AdImpression, "idnes.cz", "zima", 3).AtMinute(30).Build(),
            EventBuilder.Ad(EventKind.AdImpression, "idnes.cz", "zima", 3).AtMinute(10).Build());

        Assert.Equal(EventBuilder.BaseTime.AddMinutes(10), summary.FirstImpression);
    }

    [Fact]
    public void FirstAndLastSeenSpanAllEventsWhateverTheirOrder()
    {
        var summary = SummaryOf(
            EventBuilder.Track("b").ForUser("u").AtMinute(30).Build(),
            EventBuilder.Track("a").ForUser("u").AtMinute(-10).Build(),
            EventBuilder.Track("c").ForUser("u").AtMinute(5).Build());

        Assert.Equal(EventBuilder.BaseTime.AddMinutes(-10), summary.FirstSeen);
        Assert.Equal(EventBuilder.BaseTime.AddMinutes(30), summary.LastSeen);
    }

    [Fact]
    public void PagesAreCountedByHostAndPath()
    {
        var summary = SummaryOf(
            EventBuilder.Page("https://www.example.cz/boty").ForAnonymous("a").Build(),
            EventBuilder.Page("https://www.example.cz/boty?barva=modra").ForAnonymous("a").Build(),
            EventBuilder.Page("https://m.example.cz/boty").ForAnonymous("a").Build());

        Assert.Equal(2, summary.Pages["www.example.cz/boty"]);
        Assert.Equal(1, summary.Pages["m.example.cz/boty"]);
        Assert.Equal(2, summary.Recent.Count(r => r.Detail == "www.example.cz/boty"));
    }

    [Fact]
    public void RecentEventsAreNewestFirst()
    {
        var summary = SummaryOf(
            EventBuilder.Track("second").ForUser("u").AtMinute(2).Build(),
            EventBuilder.Track("third").ForUser("u").AtMinute(3).Build(),
            EventBuilder.Track("first").ForUser("u").AtMinute(1).Build());

        Assert.Equal(["third", "second", "first"], summary.Recent.Select(r => r.Name));
    }

    [Fact]
    public void RecentEventsAreCappedAtFiftyKeepingTheNewest()
    {
        var events = Enumerable.Range(0, 80).Select(i => EventBuilder.Track("e" + i).ForUser("u").AtMinute(i).Build()).ToList();

        var summary = SummaryOf([.. events]);

        Assert.Equal(ActivitySummary.RecentCapacity, summary.Recent.Count);
        Assert.Equal("e79", summary.Recent[0].Name);
        Assert.Equal("e30", summary.Recent[^1].Name);
        Assert.Equal(80, summary.EventCount);
    }

    [Fact]
    public void RecentEventsDoNotDependOnArrivalOrder()
    {
        var events = Enumerable.Range(0, 70)
            .Select(i => EventBuilder.Track("e" + i).ForUser("u").WithId($"id-{i:00}").AtMinute(i / 3).Build())
            .ToList();
        var shuffled = events.OrderBy(e => e.MessageId.GetHashCode(StringComparison.Ordinal)).ToList();

        var inOrder = SummaryOf([.. events]);
        var reversed = SummaryOf([.. Enumerable.Reverse(events)]);
        var mixed = SummaryOf([.. shuffled]);

        Assert.Equal(inOrder.Recent, reversed.Recent);
        Assert.Equal(inOrder.Recent, mixed.Recent);
    }

    [Fact]
    public void MapsAreCappedAndKeepTheMostFrequentKeys()
    {
        var summary = new ActivitySummary();
        for (var i = 0; i < 5; i++)
        {
            summary.Apply(EventBuilder.Track("Favourite").ForUser("u").Build());
        }

        for (var i = 0; i < 300; i++)
        {
            summary.Apply(EventBuilder.Track("one-off-" + i).ForUser("u").Build());
        }

        Assert.Equal(ActivitySummary.MapCapacity, summary.ByEventName.Count);
        Assert.Equal(5, summary.ByEventName["Favourite"]);
        Assert.Equal(305, summary.EventCount);
    }

    [Fact]
    public void NewKeyDoesNotDisplaceMoreFrequentOnes()
    {
        var summary = new ActivitySummary();
        for (var name = 0; name < ActivitySummary.MapCapacity; name++)
        {
            summary.Apply(EventBuilder.Track("n" + name).ForUser("u").Build());
            summary.Apply(EventBuilder.Track("n" + name).ForUser("u").Build());
        }

        summary.Apply(EventBuilder.Track("newcomer").ForUser("u").Build());

        Assert.DoesNotContain("newcomer", summary.ByEventName.Keys);
        Assert.All(summary.ByEventName.Values, count => Assert.Equal(2, count));
    }

    [Fact]
    public void VeryLongKeysAreShortened()
    {
        var summary = SummaryOf(EventBuilder.Track(new string('x', 400)).ForUser("u").Build());

        Assert.Equal(150, Assert.Single(summary.ByEventName.Keys).Length);
    }

    [Fact]
    public void AdStatsAreKeptPerDomainAndPerCampaign()
    {
        var summary = SummaryOf(
            EventBuilder.Ad(EventKind.AdImpression, "zpravy.example.cz", "zima-2026", visibleSeconds: 4.5, costEur: 0.002m).ForAnonymous("c").Build(),
            EventBuilder.Ad(EventKind.AdImpression, "sport.example.cz", "zima-2026", visibleSeconds: 1.5, costEur: 0.002m).ForAnonymous("c").Build(),
            EventBuilder.Ad(EventKind.AdClick, "zpravy.example.cz", "zima-2026").ForAnonymous("c").Build(),
            EventBuilder.Ad(EventKind.AdConversion, "zpravy.example.cz", "leto-2027", costEur: 1.5m).ForAnonymous("c").Build());

        var zpravy = summary.AdDomains["zpravy.example.cz"];
        Assert.Equal(1, zpravy.Impressions);
        Assert.Equal(1, zpravy.Clicks);
        Assert.Equal(1, zpravy.Conversions);
        Assert.Equal(4.5, zpravy.VisibleSeconds);
        Assert.Equal(1.502m, zpravy.CostEur);
        var zima = summary.AdCampaigns["zima-2026"];
        Assert.Equal(2, zima.Impressions);
        Assert.Equal(1, zima.Clicks);
        Assert.Equal(0, zima.Conversions);
        Assert.Equal(6.0, zima.VisibleSeconds);
        Assert.Equal(0.004m, zima.CostEur);
        Assert.Equal(1, summary.AdCampaigns["leto-2027"].Conversions);
        Assert.Equal("zpravy.example.cz / leto-2027", summary.Recent.Single(r => r.Kind == "ad_conversion").Detail);
    }

    [Fact]
    public void AbsorbAddsAnotherSummary()
    {
        var anonymous = SummaryOf(
            EventBuilder.Page("https://www.example.cz/boty").ForAnonymous("a").AtMinute(-60).Build(),
            EventBuilder.Track("Added To Cart").ForAnonymous("a").AtMinute(-50).Build());
        var known = SummaryOf(
            EventBuilder.Track("Added To Cart").ForUser("u").AtMinute(0).Build(),
            EventBuilder.Track("Order Completed").ForUser("u").AtMinute(10).Build(),
            EventBuilder.Ad(EventKind.AdClick, "d.cz", "c1").ForUser("u").AtMinute(5).Build());

        var total = new ActivitySummary();
        total.Absorb(known);
        total.Absorb(anonymous);

        Assert.Equal(5, total.EventCount);
        Assert.Equal(EventBuilder.BaseTime.AddMinutes(-60), total.FirstSeen);
        Assert.Equal(EventBuilder.BaseTime.AddMinutes(10), total.LastSeen);
        Assert.Equal(2, total.ByEventName["Added To Cart"]);
        Assert.Equal(1, total.Pages["www.example.cz/boty"]);
        Assert.Equal(1, total.AdDomains["d.cz"].Clicks);
        Assert.Equal(3, total.ByKind["track"]);
        Assert.Equal(
            ["Order Completed", "ad_click", "Added To Cart", "Added To Cart", null],
            total.Recent.Select(r => r.Name));
    }

    [Fact]
    public void AbsorbOfAnEmptySummaryChangesNothing()
    {
        var summary = SummaryOf(EventBuilder.Track("x").ForUser("u").Build());

        summary.Absorb(new ActivitySummary());

        Assert.Equal(1, summary.EventCount);
        Assert.Equal(EventBuilder.BaseTime, summary.FirstSeen);
        Assert.Single(summary.Recent);
    }

    [Fact]
    public void AbsorbIntoAnEmptySummaryCopiesIt()
    {
        var source = SummaryOf(EventBuilder.Track("x").ForUser("u").AtMinute(3).Build());
        var total = new ActivitySummary();

        total.Absorb(source);

        Assert.Equal(source.FirstSeen, total.FirstSeen);
        Assert.Equal(source.LastSeen, total.LastSeen);
        Assert.Equal(source.Recent, total.Recent);
    }

    private static ActivitySummary SummaryOf(params EngagementEvent[] events)
    {
        var summary = new ActivitySummary();
        foreach (var ev in events)
        {
            summary.Apply(ev);
        }

        return summary;
    }
}
