using Engagement.Core.Contacts;

namespace Engagement.Core.Tests.Contacts;

public sealed class EmailAddressTests
{
    [Fact]
    public void AnAddressIsTrimmedAndItsDomainLowerCased()
    {
        Assert.True(EmailAddress.TryParse("  Jana.Novakova@Example.CZ ", out var address, out _));

        Assert.Equal("Jana.Novakova@example.cz", address.Value);
        Assert.Equal("jana.novakova@example.cz", address.IndexForm);
    }

    [Theory]
    [InlineData("")]
    [InlineData("jana")]
    [InlineData("jana@")]
    [InlineData("@example.cz")]
    [InlineData("jana novakova@example.cz")]
    [InlineData("jana@localhost")]
    [InlineData("jana@example..cz")]
    public void WhatCannotBeAnAddressIsRefused(string written)
    {
        Assert.False(EmailAddress.TryParse(written, out _, out var error));
        Assert.NotNull(error);
    }
}
