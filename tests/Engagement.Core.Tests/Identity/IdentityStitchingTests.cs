using Engagement.Core.Identity;
using Engagement.Testing;

namespace Engagement.Core.Tests.Identity;

public sealed class IdentityStitchingTests
{
    private static readonly IdentityKey ProfileA = new("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    private static readonly IdentityKey ProfileB = new("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");

    [Fact]
    public void EventsWithASingleIdClaimNothing()
    {
        var claims = IdentityStitching.ClaimsOf([EventBuilder.Track("Viewed").ForAnonymous("anon-1").Build(), EventBuilder.Track("Bought").ForUser("user-1").Build()]);

        Assert.Empty(claims);
    }

    [Fact]
    public void EventWithBothIdsPlacesTheAnonymousIdWithTheUser()
    {
        var claims = IdentityStitching.ClaimsOf([EventBuilder.Identify("{}").ForUser("user-1").ForAnonymous("anon-1").Build()]);

        var claim = Assert.Single(claims);
        Assert.Equal(IdentityRef.Anonymous("anon-1"), claim.Identity);
        Assert.Equal(IdentityRef.User("user-1"), claim.Anchor);
    }

    [Fact]
    public void AliasPlacesThePreviousIdWithTheUser()
    {
        var claims = IdentityStitching.ClaimsOf([EventBuilder.Alias("crm-old", "crm-new").Build()]);

        Assert.Contains(claims, c => c.Identity == IdentityRef.User("crm-old") && c.Anchor == IdentityRef.User("crm-new"));
    }

    [Fact]
    public void RepeatedClaimsCollapseToTheLatest()
    {
        var claims = IdentityStitching.ClaimsOf(
        [
            EventBuilder.Track("A").ForUser("user-1").ForAnonymous("anon-1").AtMinute(1).Build(),
            EventBuilder.Track("B").ForUser("user-1").ForAnonymous("anon-1").AtMinute(9).Build(),
            EventBuilder.Track("C").ForUser("user-1").ForAnonymous("anon-1").AtMinute(5).Build(),
        ]);

        var stitch = Assert.Single(claims, c => c.Identity == IdentityRef.Anonymous("anon-1"));
        Assert.Equal(EventBuilder.BaseTime.AddMinutes(9), stitch.At);
        Assert.Single(claims);
    }

    [Fact]
    public void ClaimsComeOldestFirstSoTheLatestUserOfADeviceWins()
    {
        var claims = IdentityStitching.ClaimsOf(
        [
            EventBuilder.Track("Later").ForUser("user-2").ForAnonymous("device").AtMinute(20).Build(),
            EventBuilder.Track("Earlier").ForUser("user-1").ForAnonymous("device").AtMinute(10).Build(),
        ]);

        var deviceClaims = claims.Where(c => c.Identity == IdentityRef.Anonymous("device")).ToList();
        Assert.Equal([IdentityRef.User("user-1"), IdentityRef.User("user-2")], deviceClaims.Select(c => c.Anchor));
        Assert.True(claims.Zip(claims.Skip(1)).All(pair => pair.First.At <= pair.Second.At));
    }

    [Fact]
    public void ClaimsDoNotDependOnEventOrder()
    {
        var events = new[]
        {
            EventBuilder.Track("A").ForUser("u1").ForAnonymous("d1").AtMinute(1).Build(),
            EventBuilder.Track("B").ForAnonymous("d2").AtMinute(1).Build(),
            EventBuilder.Alias("u0", "u1").AtMinute(3).Build(),
        };

        Assert.Equal(IdentityStitching.ClaimsOf(events), IdentityStitching.ClaimsOf(events.Reverse()));
    }

    [Fact]
    public void PrimaryIdentityIsTheUserWhenKnown()
    {
        Assert.Equal(IdentityRef.User("u"), IdentityStitching.PrimaryIdentity(EventBuilder.Track("x").ForUser("u").ForAnonymous("a").Build()));
        Assert.Equal(IdentityRef.Anonymous("a"), IdentityStitching.PrimaryIdentity(EventBuilder.Track("x").ForAnonymous("a").Build()));
    }

    [Theory]
    [InlineData(IdentityKind.Anonymous)]
    [InlineData(IdentityKind.User)]
    public void IdentityInNoProfileIsLinked(IdentityKind kind)
    {
        Assert.Equal(StitchAction.Link, IdentityStitching.Decide(null, new ProfileIdentity(ProfileA, "user-1"), kind));
    }

    [Theory]
    [InlineData(IdentityKind.Anonymous)]
    [InlineData(IdentityKind.User)]
    public void IdentityAlreadyInTheTargetNeedsNothing(IdentityKind kind)
    {
        Assert.Equal(StitchAction.None, IdentityStitching.Decide(new ProfileIdentity(ProfileA, "user-1"), new ProfileIdentity(ProfileA, "user-1"), kind));
    }

    [Fact]
    public void AnonymousProfileIsMergedIntoTheTarget()
    {
        Assert.Equal(StitchAction.Merge, IdentityStitching.Decide(new ProfileIdentity(ProfileB, null), new ProfileIdentity(ProfileA, "user-1"), IdentityKind.Anonymous));
    }

    [Fact]
    public void AnotherProfileOfTheSameUserIsMerged()
    {
        Assert.Equal(StitchAction.Merge, IdentityStitching.Decide(new ProfileIdentity(ProfileB, "user-1"), new ProfileIdentity(ProfileA, "user-1"), IdentityKind.Anonymous));
    }

    [Fact]
    public void DeviceOfADifferentKnownUserIsRepointedNotMerged()
    {
        Assert.Equal(StitchAction.Repoint, IdentityStitching.Decide(new ProfileIdentity(ProfileB, "user-2"), new ProfileIdentity(ProfileA, "user-1"), IdentityKind.Anonymous));
    }

    [Fact]
    public void UserIdThatAnAliasGivesToAnotherUserIsMerged()
    {
        Assert.Equal(StitchAction.Merge, IdentityStitching.Decide(new ProfileIdentity(ProfileB, "user-old"), new ProfileIdentity(ProfileA, "user-new"), IdentityKind.User));
    }
}
