using Engagement.Core.Contacts;

namespace Engagement.Core.Tests.Contacts;

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("777 123 456", "+420777123456")]
    [InlineData("777123456", "+420777123456")]
    [InlineData("+420 777 123 456", "+420777123456")]
    [InlineData("00420 777-123-456", "+420777123456")]
    [InlineData("(+420) 777.123.456", "+420777123456")]
    [InlineData("+421 905 123 456", "+421905123456")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("+420\u00a0602\u00a0111\u00a0222", "+420602111222")]
    public void NumbersAsPeopleWriteThemBecomeE164(string written, string e164)
    {
        Assert.True(PhoneNumber.TryParse(written, "420", out var number, out var error), error);
        Assert.Equal(e164, number.Value);
    }

    [Fact]
    public void ANationalNumberGetsTheConfiguredCountryCodeAndLosesItsTrunkZero()
    {
        Assert.True(PhoneNumber.TryParse("0905 123 456", "+421", out var slovak, out _));
        Assert.True(PhoneNumber.TryParse("777 123 456", "420", out var czech, out _));

        Assert.Equal("+421905123456", slovak.Value);
        Assert.Equal("+420777123456", czech.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("777 12 34")]
    [InlineData("+420 777 123 4567")]
    [InlineData("call me")]
    [InlineData("+420-777-123-45x")]
    [InlineData("+0420777123456")]
    [InlineData("+1234567890123456")]
    public void WhatCannotBeANumberIsRefusedWithAReason(string written)
    {
        Assert.False(PhoneNumber.TryParse(written, "420", out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("420777123456", "+420777123456")]
    [InlineData("+420777123456", "+420777123456")]
    [InlineData("15555555555", "+15555555555")]
    public void ACarriersNumberIsInternationalWithOrWithoutThePlus(string reported, string e164)
    {
        Assert.True(PhoneNumber.TryParseInternational(reported, out var number, out var error), error);
        Assert.Equal(e164, number.Value);
    }

    [Fact]
    public void AMaskedNumberHidesTheMiddle()
    {
        Assert.Equal("+420777•••456", new PhoneNumber("+420777123456").Masked);
    }

    [Fact]
    public void ACountryCodeThatIsNoneIsAConfigurationFault()
    {
        Assert.Throws<ArgumentException>(() => PhoneNumber.TryParse("777123456", "CZ", out _, out _));
    }
}
