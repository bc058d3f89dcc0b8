using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Core.Profiles;
using Engagement.Testing;

namespace Engagement.Core.Tests.Profiles;

public sealed class Profile360Tests
{
    private static readonly Pseudonymizer Keys = new("profile-360-tests-secret");

    [Fact]
    public void ComposeCombinesTheProfileWithTheActivityOfAllItsIdentities()
    {
        var profile = new ProfileDocument { ProfileKey = "p1" };
        profile.Link(IdentityRef.User("user-1"), Keys.KeyOf(IdentityRef.User("user-1")));
        profile.Link(IdentityRef.Anonymous("anon-1"), Keys.KeyOf(IdentityRef.Anonymous("anon-1")));
        profile.ApplyTraits("""{"plan":"pro","email":"jana@example.cz"}""", EventBuilder.BaseTime, "m1");
        profile.JoinGroup("acme");
        var anonymous = SummaryOf(
            EventBuilder.Page("https://www.example.cz/boty").ForAnonymous("anon-1").AtMinute(-30).Build(),
            EventBuilder.Page("https://www.example.cz/boty").ForAnonymous("anon-1").AtMinute(-29).Build(),
            EventBuilder.Page("https://www.example.cz/kosik").ForAnonymous("anon-1").AtMinute(-28).Build());
        var known = SummaryOf(
            EventBuilder.Track("Order Completed").ForUser("user-1").AtMinute(0).Build(),
            EventBuilder.Ad(EventKind.AdImpression, "zpravy.cz", "zima", visibleSeconds: 2).ForUser("user-1").AtMinute(5).Build());

        var view = Profile360.Compose(profile, [known, anonymous]);

        Assert.Equal("p1", view.ProfileKey);
        Assert.Equal("user-1", view.UserId);
        Assert.Equal(["anon-1"], view.AnonymousIds);
        Assert.Equal(["email", "plan"], view.Traits.Keys);
        Assert.Equal(["acme"], view.Groups);
        Assert.Equal(5, view.EventCount);
        Assert.Equal(EventBuilder.BaseTime.AddMinutes(-30), view.FirstSeen);
        Assert.Equal(EventBuilder.BaseTime.AddMinutes(5), view.LastSeen);
        Assert.Equal(3, view.CountsByType["page"]);
        Assert.Equal(1, view.CountsByEvent["Order Completed"]);
        Assert.Equal(["www.example.cz/boty", "www.example.cz/kosik"], view.Pages.Keys);
        Assert.Equal(1, view.AdDomains["zpravy.cz"].Impressions);
        Assert.Equal(1, view.AdCampaigns["zima"].Impressions);
        Assert.Equal(5, view.RecentEvents.Count);
        Assert.Equal("ad_impression", view.RecentEvents[0].Kind);
    }

    [Fact]
    public void ComposeWithoutActivityGivesAnEmptyTimeline()
    {
        var view = Profile360.Compose(new ProfileDocument { ProfileKey = "p" }, []);

        Assert.Equal(0, view.EventCount);
        Assert.Null(view.FirstSeen);
        Assert.Null(view.LastSeen);
        Assert.Empty(view.RecentEvents);
        Assert.Empty(view.Traits);
    }

    [Fact]
    public void ComposeDoesNotDependOnTheOrderOfIdentities()
    {
        var profile = new ProfileDocument { ProfileKey = "p" };
        var a = SummaryOf(EventBuilder.Track("a").ForUser("u").WithId("a").AtMinute(1).Build());
        var b = SummaryOf(EventBuilder.Track("b").ForAnonymous("x").WithId("b").AtMinute(1).Build());

        var ab = Profile360.Compose(profile, [a, b]);
        var ba = Profile360.Compose(profile, [b, a]);

        Assert.Equal(ab.RecentEvents, ba.RecentEvents);
        Assert.Equal(ab.EventCount, ba.EventCount);
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
