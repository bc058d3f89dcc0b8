using Engagement.Core.Events;
using Engagement.Core.Profiles;
using Engagement.Core.Triggers;
using Engagement.Testing;

namespace Engagement.Core.Tests.Triggers;

public sealed class TriggerMatchingTests
{
    private static readonly TriggerDefinition Cart = new("cart", "Cart", TriggerKind.AbandonedCart, "t", AbandonedCart: new AbandonedCartSettings());
    private static readonly TriggerDefinition Welcome = new("hello", "Welcome", TriggerKind.Welcome, "t", Welcome: new WelcomeSettings());
    private static readonly TriggerDefinition Birthday = new("bday", "Birthday", TriggerKind.Birthday, "t", Birthday: new BirthdaySettings());

    [Fact]
    public void AProductAddedStartsAndAnOrderAnswersTheCartTrigger()
    {
        var added = EventBuilder.Track("Product Added").ForUser("u1").WithId("m1").Build();
        var ordered = EventBuilder.Track("order completed").ForUser("u1").WithId("m2").Build();

        Assert.Equal(new TriggerMatch("cart", TriggerSignalKind.Start, "u1", "m1", added.Timestamp), Assert.Single(TriggerMatching.Match([Cart], added)));
        Assert.Equal(TriggerSignalKind.Awaited, Assert.Single(TriggerMatching.Match([Cart], ordered)).Kind);
    }

    [Fact]
    public void AnonymousEventsMatchNothing()
    {
        var added = EventBuilder.Track("Product Added").ForAnonymous("cookie-1").Build();

        Assert.Empty(TriggerMatching.Match([Cart, Welcome], added));
    }

    [Fact]
    public void AnIdentifyStartsWelcomeTriggersOnly()
    {
        var identify = EventBuilder.Identify("""{"email":"a@example.cz"}""").ForUser("u1").Build();

        var match = Assert.Single(TriggerMatching.Match([Cart, Welcome, Birthday], identify));
        Assert.Equal("hello", match.TriggerId);
        Assert.Equal(TriggerSignalKind.Start, match.Kind);
    }

    [Fact]
    public void DisabledTriggersAndOtherEventsMatchNothing()
    {
        var added = EventBuilder.Track("Product Added").ForUser("u1").Build();
        var viewed = EventBuilder.Track("Product Viewed").ForUser("u1").Build();

        Assert.Empty(TriggerMatching.Match([Cart with { Enabled = false }], added));
        Assert.Empty(TriggerMatching.Match([Cart], viewed));
        Assert.False(TriggerMatching.Concerns([Cart with { Enabled = false }, Birthday], EventKind.Track));
        Assert.True(TriggerMatching.Concerns([Cart], EventKind.Track));
        Assert.False(TriggerMatching.Concerns([Cart], EventKind.Page));
    }

    [Fact]
    public void ACartAlreadyFollowedByAnOrderIsAnswered()
    {
        var at = EventBuilder.BaseTime;
        RecentEvent Order(int minutes) => new("m" + minutes, "track", "Order Completed", at.AddMinutes(minutes), null);

        Assert.True(TriggerMatching.IsAnswered(Cart, [Order(5)], at));
        Assert.True(TriggerMatching.IsAnswered(Cart, [Order(0)], at));
        Assert.False(TriggerMatching.IsAnswered(Cart, [Order(-5)], at));
        Assert.False(TriggerMatching.IsAnswered(Cart, [new RecentEvent("p", "page", "Order Completed", at.AddMinutes(5), null)], at));
        Assert.False(TriggerMatching.IsAnswered(Welcome, [Order(5)], at));
    }
}
