using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class SendTimePlannerTests
{
    private static readonly TimeZoneInfo Prague = TimeZoneInfo.FindSystemTimeZoneById("Europe/Prague");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly DateTimeOffset Now = new(2026, 5, 4, 7, 0, 0, TimeSpan.Zero);
    private static readonly QuietHours Night = new(new TimeOnly(21, 0), new TimeOnly(8, 0));

    [Fact]
    public void ThePreferredHourIsTheLocalHourOfMostOpensAndClicks()
    {
        var profile = HourProfile.Of([Utc(5, 1, 7, 15), Utc(5, 2, 7, 40), Utc(5, 3, 7, 5), Utc(5, 1, 16, 0), Utc(5, 2, 16, 30)], Prague, Now);

        Assert.Equal(9, profile.PreferredHour());
    }

    [Fact]
    public void RecentEngagementOutweighsOlderEngagement()
    {
        var old = Enumerable.Range(0, 3).Select(i => Now.AddDays(-180 - i).AddHours(0.5));
        var recent = Enumerable.Range(0, 2).Select(i => Now.AddDays(-1 - i).AddHours(9.5));

        var profile = HourProfile.Of([.. old, .. recent], Prague, Now);

        Assert.Equal(18, profile.PreferredHour());
        var ageDays = 1 - (9.5 / 24);
        Assert.Equal(Math.Pow(0.5, ageDays / 30) + Math.Pow(0.5, (ageDays + 1) / 30), profile.Weights[18], 9);
    }

    [Fact]
    public void TiesGoToTheEarlierHour()
    {
        // Engagement after "now" counts as now, so both weigh exactly 1.
        var tied = HourProfile.Of([Utc(5, 1, 12, 0), Utc(5, 1, 8, 0)], Prague, Utc(5, 1, 0, 0));
        var even = new HourProfile(Enumerable.Repeat(1.0, 24).ToList());
        var newer = HourProfile.Of([Utc(5, 1, 12, 0), Utc(5, 1, 8, 0)], Prague, Utc(5, 2, 0, 0));

        Assert.Equal(10, tied.PreferredHour());
        Assert.Equal(0, even.PreferredHour());
        Assert.Equal(14, newer.PreferredHour());
        Assert.Null(HourProfile.Empty.PreferredHour());
    }

    [Fact]
    public void TheLocalHourOfAnOpenFollowsDaylightSavingTime()
    {
        var winter = HourProfile.Of([new DateTimeOffset(2026, 1, 15, 6, 30, 0, TimeSpan.Zero)], Prague, Now);
        var summer = HourProfile.Of([new DateTimeOffset(2026, 7, 15, 6, 30, 0, TimeSpan.Zero)], Prague, Now);

        Assert.Equal(7, winter.PreferredHour());
        Assert.Equal(8, summer.PreferredHour());
    }

    [Fact]
    public void ASegmentCountsEachMemberOnceSoAHeavyOpenerDoesNotOutvoteTheRest()
    {
        var heavy = HourProfile.Of(Enumerable.Range(0, 10).Select(i => Utc(5, 1, 18, i)), Prague, Now);
        var light = HourProfile.Of([Utc(5, 1, 7, 0)], Prague, Now);
        var other = HourProfile.Of([Utc(5, 2, 7, 10)], Prague, Now);

        var segment = HourProfile.Combine([heavy, light, other, HourProfile.Empty]);

        Assert.Equal(9, segment.PreferredHour());
        Assert.Equal(3, segment.Total, 9);
    }

    [Fact]
    public void ARecipientWithoutHistoryTakesTheSegmentsHourThenTheCampaignDefault()
    {
        var segment = HourProfile.Of([Utc(5, 1, 15, 0)], Prague, Now);
        var own = HourProfile.Of([Utc(5, 1, 5, 0)], Prague, Now);

        Assert.Equal(7, SendTimePlanner.PreferredHour(own, segment, 10));
        Assert.Equal(17, SendTimePlanner.PreferredHour(HourProfile.Empty, segment, 10));
        Assert.Equal(10, SendTimePlanner.PreferredHour(HourProfile.Empty, HourProfile.Empty, 10));
        Assert.Null(SendTimePlanner.PreferredHour(null, null, null));
    }

    [Fact]
    public void TheMessageGoesAtThePreferredHourTodayOrTomorrowWhenItHasPassed()
    {
        // 07:00 UTC is 09:00 in Prague (summer time).
        Assert.Equal(Utc(5, 4, 12, 0), SendTimePlanner.Plan(Now, Prague, 14, null, null));
        Assert.Equal(Now, SendTimePlanner.Plan(Now, Prague, 9, null, null));
        Assert.Equal(Utc(5, 5, 6, 0), SendTimePlanner.Plan(Now, Prague, 8, null, null));
    }

    [Fact]
    public void APreferredHourInQuietHoursSpanningMidnightMovesToTheNearestAllowedHour()
    {
        Assert.Equal(Utc(5, 4, 18, 0), SendTimePlanner.Plan(Now, Prague, 23, null, Night));
        Assert.Equal(Utc(5, 5, 6, 0), SendTimePlanner.Plan(Now, Prague, 6, null, Night));
        // 02:00 is six hours from both 20:00 and 08:00: the earlier wins.
        Assert.Equal(Utc(5, 4, 18, 0), SendTimePlanner.Plan(Now, Prague, 2, null, Night));
    }

    [Fact]
    public void WhenTwoAllowedHoursAreEquallyNearTheEarlierWins()
    {
        var quiet = new QuietHours(new TimeOnly(23, 0), new TimeOnly(6, 0));

        // 02:00 is four hours after 22:00 and four hours before 06:00.
        Assert.Equal(Utc(5, 4, 20, 0), SendTimePlanner.Plan(Now, Prague, 2, null, quiet));
    }

    [Fact]
    public void WithoutOptimisationAStartInQuietHoursWaitsUntilTheyEndInTheRecipientsZone()
    {
        var lateEvening = Utc(5, 4, 20, 30);

        Assert.Equal(Utc(5, 5, 6, 0), SendTimePlanner.Plan(lateEvening, Prague, null, null, Night));
        Assert.Equal(lateEvening, SendTimePlanner.Plan(lateEvening, NewYork, null, null, Night));
        Assert.Equal(Now, SendTimePlanner.Plan(Now, Prague, null, null, Night));
    }

    [Fact]
    public void APreferredHourSkippedWhenClocksGoForwardFallsJustAfterTheGap()
    {
        // 29 March 2026: Prague goes from 02:00 CET to 03:00 CEST; 02:00 does not exist that night.
        var start = new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero);

        var at = SendTimePlanner.Plan(start, Prague, 2, null, null);

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), at);
        Assert.Equal(3, TimeZoneInfo.ConvertTime(at, Prague).Hour);
    }

    [Fact]
    public void APreferredHourThatOccursTwiceWhenClocksGoBackIsItsFirstOccurrence()
    {
        // 25 October 2026: Prague goes from 03:00 CEST back to 02:00 CET; 02:30 happens twice.
        var start = new DateTimeOffset(2026, 10, 24, 23, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 10, 25, 0, 0, 0, TimeSpan.Zero), SendTimePlanner.Plan(start, Prague, 2, null, null));
    }

    [Fact]
    public void TheSameLocalHourIsAnHourEarlierInUtcAfterTheSpringChange()
    {
        var friday = new DateTimeOffset(2026, 3, 27, 10, 0, 0, TimeSpan.Zero);
        var sunday = new DateTimeOffset(2026, 3, 29, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 3, 28, 8, 0, 0, TimeSpan.Zero), SendTimePlanner.Plan(friday, Prague, 9, null, Night));
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 7, 0, 0, TimeSpan.Zero), SendTimePlanner.Plan(sunday, Prague, 9, null, Night));
    }

    [Fact]
    public void ASendWindowOnSomeDaysWaitsForTheNextOpenDay()
    {
        var mondays = new SendWindow(new TimeOnly(9, 0), new TimeOnly(12, 0), [DayOfWeek.Monday]);
        var tuesday = Utc(5, 5, 8, 0);

        Assert.Equal(Utc(5, 11, 7, 0), SendTimePlanner.Plan(tuesday, Prague, null, mondays, null));
        Assert.Equal(Utc(5, 11, 8, 0), SendTimePlanner.Plan(tuesday, Prague, 10, mondays, null));
        Assert.Equal(Utc(5, 11, 9, 0), SendTimePlanner.Plan(tuesday, Prague, 17, mondays, null));
    }

    [Fact]
    public void ASendWindowSpanningMidnightBelongsToTheDayItOpensOn()
    {
        var fridayNights = new SendWindow(new TimeOnly(22, 0), new TimeOnly(2, 0), [DayOfWeek.Friday]);
        var local = new DateTime(2026, 5, 9, 1, 0, 0);

        Assert.True(SendTimeRules.Allows(local, fridayNights, null));
        Assert.False(SendTimeRules.Allows(new DateTime(2026, 5, 9, 23, 0, 0), fridayNights, null));
        Assert.Equal(Utc(5, 8, 20, 0), SendTimePlanner.Plan(Now, Prague, null, fridayNights, null));
        Assert.Equal(Utc(5, 8, 22, 0), SendTimePlanner.Plan(Now, Prague, 0, fridayNights, null));
    }

    [Fact]
    public void TheRecipientsOwnTimeZoneDecides()
    {
        // 9:00 in New York in May is 13:00 UTC (EDT).
        Assert.Equal(Utc(5, 4, 13, 0), SendTimePlanner.Plan(Now, NewYork, 9, null, Night));
        Assert.Equal(Utc(5, 4, 12, 0), SendTimePlanner.Plan(Now, NewYork, null, null, Night));
    }

    [Fact]
    public void TheCampaignsSettingsApplyTheProfilesAndDefaultHourOnlyUnderOptimisation()
    {
        var settings = SendTimeSettings.Of(CampaignBuilder.Definition(quiet: Night, sendTimeOptimisation: true) with { DefaultSendHour = 15 });
        var own = HourProfile.Of([Utc(5, 1, 16, 0)], Prague, Now);

        Assert.Equal(Utc(5, 4, 13, 0), SendTimePlanner.Plan(Now, Prague, null, null, settings));
        Assert.Equal(Utc(5, 4, 16, 0), SendTimePlanner.Plan(Now, Prague, own, null, settings));
        Assert.Equal(Now, SendTimePlanner.Plan(Now, Prague, own, null, settings with { Optimise = false }));
    }

    [Fact]
    public void ARecipientWithoutAKnownTimeZoneTakesTheCampaignsDefault()
    {
        var settings = SendTimeSettings.Of(CampaignBuilder.Definition());

        Assert.Equal("America/New_York", settings.ZoneOf("America/New_York").Id);
        Assert.Equal("Europe/Prague", settings.ZoneOf(null).Id);
        Assert.Equal("Europe/Prague", settings.ZoneOf("Atlantis/Capital").Id);
    }

    [Fact]
    public void NoPlannedInstantIsBeforeTheStepsStartNorOutsideTheRules()
    {
        var window = new SendWindow(new TimeOnly(8, 30), new TimeOnly(19, 0), [DayOfWeek.Monday, DayOfWeek.Wednesday, DayOfWeek.Saturday]);
        foreach (var zone in new[] { Prague, NewYork })
        {
            for (var start = new DateTimeOffset(2026, 3, 20, 0, 0, 0, TimeSpan.Zero); start < new DateTimeOffset(2026, 4, 5, 0, 0, 0, TimeSpan.Zero); start = start.AddMinutes(97))
            {
                foreach (int? hour in new int?[] { null, 0, 3, 9, 13, 22 })
                {
                    var at = SendTimePlanner.Plan(start, zone, hour, window, Night);

                    Assert.True(at >= start, $"{at} before {start}");
                    Assert.True(at - start < TimeSpan.FromDays(SendTimePlanner.LookAheadDays), $"{at} too far after {start}");
                    Assert.True(SendTimeRules.Allows(TimeZoneInfo.ConvertTime(at, zone).DateTime, window, Night), $"{at} not allowed in {zone.Id}");
                }
            }
        }
    }

    private static DateTimeOffset Utc(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);
}
