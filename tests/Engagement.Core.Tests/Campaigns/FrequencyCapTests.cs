using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class FrequencyCapTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AContactWithNoEarlierSendsMayBeSent() =>
        Assert.True(new FrequencyCap(1, 3).Allows([], Now));

    [Fact]
    public void TheDailyCapCountsTheLast24HoursNotTheCalendarDay()
    {
        var cap = new FrequencyCap(1, 10);

        // Yesterday 23:00 is still within the rolling day at 10:00 …
        Assert.False(cap.Allows([Now.AddHours(-11)], Now));
        // … and a send 24 hours and a second ago is not.
        Assert.True(cap.Allows([Now.AddHours(-24).AddSeconds(-1)], Now));
    }

    [Fact]
    public void TheWeeklyCapCountsTheLastSevenDays()
    {
        var cap = new FrequencyCap(null, 2);
        DateTimeOffset[] twoThisWeek = [Now.AddDays(-6.9), Now.AddDays(-2)];
        DateTimeOffset[] oneFellOut = [Now.AddDays(-7).AddMinutes(-1), Now.AddDays(-2)];

        Assert.False(cap.Allows(twoThisWeek, Now));
        Assert.True(cap.Allows(oneFellOut, Now));
    }

    [Fact]
    public void BothCapsMustAllowTheSend()
    {
        var cap = new FrequencyCap(2, 3);
        DateTimeOffset[] threeDaysApart = [Now.AddDays(-5), Now.AddDays(-3), Now.AddDays(-1)];

        Assert.False(cap.Allows(threeDaysApart, Now));
        Assert.True(cap.Allows(threeDaysApart.Take(2), Now));
    }

    [Fact]
    public void ASendStampedAMomentAfterNowStillCounts() =>
        Assert.False(new FrequencyCap(1, null).Allows([Now.AddSeconds(2)], Now));

    [Fact]
    public void NoCapAllowsAnything() =>
        Assert.True(FrequencyCap.None.Allows(Enumerable.Range(0, 50).Select(i => Now.AddMinutes(-i)), Now));

    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 0)]
    [InlineData(4, 3)]
    public void ACapThatCouldNeverBeMetIsAProblem(int perDay, int perWeek) =>
        Assert.NotNull(new FrequencyCap(perDay, perWeek).Problem());

    [Fact]
    public void AWeekOfRollingWindowsTouchesEightUtcDays()
    {
        var days = FrequencyCap.DaysToRead(new DateTimeOffset(2026, 11, 22, 0, 30, 0, TimeSpan.FromHours(2)));

        // 00:30 at UTC+2 is 22:30 UTC of the 21st: the week reaches back to 22:30 on the 14th.
        Assert.Equal(8, days.Count);
        Assert.Equal(new DateOnly(2026, 11, 14), days[0]);
        Assert.Equal(new DateOnly(2026, 11, 21), days[^1]);
    }
}
