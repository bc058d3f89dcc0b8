using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class ConversionAttributionTests
{
    private static readonly DateTimeOffset Clicked = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    public static TheoryData<double, bool> Delays => new()
    {
        // hours after the click → credited
        { -1, false },
        { 0, true },
        { 2, true },
        { 24 * 7, true },
        { 24 * 7 + 1, false },
    };

    [Theory]
    [MemberData(nameof(Delays))]
    public void AConversionIsCreditedOnlyWithinTheWindowAfterAClick(double hoursAfterClick, bool credited)
    {
        var attributed = ConversionAttribution.Attribute(
            [new CountedClick("s1", "m1", "a", Clicked)],
            [new Conversion("s1", "order-1", Clicked.AddHours(hoursAfterClick))],
            Week);

        Assert.Equal(credited, attributed.Count == 1);
    }

    [Fact]
    public void TheLatestClickBeforeTheConversionGetsTheCreditOnce()
    {
        var attributed = ConversionAttribution.Attribute(
            [new CountedClick("s1", "m1", "a", Clicked), new CountedClick("s1", "m2", "b", Clicked.AddDays(2)), new CountedClick("s1", "m3", "b", Clicked.AddDays(5))],
            [new Conversion("s1", "order-1", Clicked.AddDays(3)), new Conversion("s1", "order-1", Clicked.AddDays(3))],
            Week);

        Assert.Equal("m2", Assert.Single(attributed).Click.MessageId);
    }

    [Fact]
    public void SomeoneElsesConversionIsNotCredited()
    {
        var attributed = ConversionAttribution.Attribute([new CountedClick("s1", "m1", "a", Clicked)], [new Conversion("s2", "order-1", Clicked.AddHours(1))], Week);

        Assert.Empty(attributed);
    }
}
