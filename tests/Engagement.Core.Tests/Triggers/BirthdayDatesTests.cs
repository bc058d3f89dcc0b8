using System.Text.Json;
using Engagement.Core.Triggers;

namespace Engagement.Core.Tests.Triggers;

public sealed class BirthdayDatesTests
{
    [Theory]
    [InlineData("\"1990-05-17\"", 5, 17)]
    [InlineData("\"1990-05-17T00:00:00Z\"", 5, 17)]
    [InlineData("\"05-17\"", 5, 17)]
    [InlineData("\"--02-29\"", 2, 29)]
    [InlineData("\"17.5.1990\"", 5, 17)]
    public void ADateOfBirthIsReadFromTheTrait(string json, int month, int day)
    {
        Assert.True(BirthdayDates.TryRead(JsonDocument.Parse(json).RootElement, out var birthDay));
        Assert.Equal(new BirthDay(month, day), birthDay);
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("19900517")]
    [InlineData("\"1990-02-30\"")]
    public void WhatIsNoDateIsNoBirthday(string json) =>
        Assert.False(BirthdayDates.TryRead(JsonDocument.Parse(json).RootElement, out _));

    [Fact]
    public void TheTwentyNinthOfFebruaryIsKeptOnTheTwentyEighthOutsideLeapYears()
    {
        var leapling = new BirthDay(2, 29);

        Assert.True(BirthdayDates.IsBirthdayOn(leapling, new DateOnly(2027, 2, 28)));
        Assert.False(BirthdayDates.IsBirthdayOn(leapling, new DateOnly(2028, 2, 28)));
        Assert.True(BirthdayDates.IsBirthdayOn(leapling, new DateOnly(2028, 2, 29)));
        Assert.False(BirthdayDates.IsBirthdayOn(new BirthDay(5, 17), new DateOnly(2027, 5, 18)));
    }

    [Fact]
    public void TheEmailIsDueAtTheLocalHourOfTheTimeZone()
    {
        Assert.True(BirthdayDates.TryFindZone("Europe/Prague", out var prague));

        Assert.Equal(new DateTimeOffset(2026, 7, 1, 7, 0, 0, TimeSpan.Zero), BirthdayDates.DueAt(new DateOnly(2026, 7, 1), 9, prague));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero), BirthdayDates.DueAt(new DateOnly(2026, 12, 1), 9, prague));
        Assert.Equal(new DateOnly(2026, 12, 2), BirthdayDates.LocalDate(new DateTimeOffset(2026, 12, 1, 23, 30, 0, TimeSpan.Zero), prague));
    }
}
