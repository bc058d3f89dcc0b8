using Engagement.Core.Identity;
using Engagement.Testing;

namespace Engagement.Core.Tests.Identity;

public sealed class IdentityWorkTests
{
    [Fact]
    public void AnonymousTrafficNeedsNoWork()
    {
        var units = IdentityWork.Of([EventBuilder.Page("https://www.example.cz/").ForAnonymous("anon-1").Build(), EventBuilder.Track("Bought").ForUser("user-1").Build()]);

        Assert.Empty(units);
    }

    [Fact]
    public void UnrelatedVisitorsAreSeparateUnits()
    {
        var units = IdentityWork.Of(
        [
            EventBuilder.Identify("""{"plan":"pro"}""").ForUser("user-1").ForAnonymous("anon-1").Build(),
            EventBuilder.Identify("""{"plan":"free"}""").ForUser("user-2").ForAnonymous("anon-2").Build(),
        ]);

        Assert.Equal(2, units.Count);
        Assert.All(units, unit => Assert.Single(unit.Claims));
        Assert.All(units, unit => Assert.Equal(unit.Claims[0].Anchor, Assert.Single(unit.Traits).Identity));
    }

    [Fact]
    public void ASharedDeviceJoinsBothUsersInOneUnitInTimeOrder()
    {
        var units = IdentityWork.Of(
        [
            EventBuilder.Track("Viewed").ForUser("user-2").ForAnonymous("tablet").AtMinute(5).Build(),
            EventBuilder.Track("Viewed").ForUser("user-1").ForAnonymous("tablet").AtMinute(1).Build(),
            EventBuilder.Group("acme").ForUser("user-1").AtMinute(2).Build(),
        ]);

        var unit = Assert.Single(units);
        Assert.Equal([IdentityRef.User("user-1"), IdentityRef.User("user-2")], unit.Claims.Select(c => c.Anchor));
        Assert.Equal(IdentityRef.User("user-1"), Assert.Single(unit.Traits).Identity);
    }

    [Fact]
    public void AnAliasJoinsTheDeviceItsPreviousIdMayBe()
    {
        var units = IdentityWork.Of(
        [
            EventBuilder.Alias("device-7", "user-1").Build(),
            EventBuilder.Track("Viewed").ForUser("user-9").ForAnonymous("device-7").Build(),
        ]);

        var unit = Assert.Single(units);
        Assert.Equal(2, unit.Claims.Count);
    }

    [Fact]
    public void TraitsOfAnIdentityWithoutClaimsAreAUnitOfTheirOwn()
    {
        var units = IdentityWork.Of(
        [
            EventBuilder.Identify("""{"a":1}""").ForUser("user-1").AtMinute(1).Build(),
            EventBuilder.Identify("""{"a":2}""").ForUser("user-1").AtMinute(2).Build(),
        ]);

        var unit = Assert.Single(units);
        Assert.Empty(unit.Claims);
        Assert.Equal(2, Assert.Single(unit.Traits).Events.Count);
    }
}
