using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class TrackingTokenSignerTests
{
    private static readonly TrackingTokenSigner Signer = new("core-tests-campaign-tracking-secret-0123456789");
    private static readonly TrackedMessage Message = new("spring-sale", "b", "msg-1", "subject-key-1", new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AnOpenTokenReadsBackAsTheMessageItWasIssuedFor()
    {
        Assert.Equal(Message, Signer.ReadOpen(Signer.IssueOpen(Message)));
    }

    [Fact]
    public void AClickTokenReadsBackWithItsSignedAddress()
    {
        var click = new TrackedClick(Message, new Uri("https://shop.example.com/sale?utm_source=mail&x=1"));

        Assert.Equal(click, Signer.ReadClick(Signer.IssueClick(click)));
    }

    [Fact]
    public void AnOpenTokenIsNotAcceptedAsAClickTokenNorTheOtherWayRound()
    {
        var click = Signer.IssueClick(new TrackedClick(Message, new Uri("https://shop.example.com/")));

        Assert.Null(Signer.ReadClick(Signer.IssueOpen(Message)));
        Assert.Null(Signer.ReadOpen(click));
    }

    [Fact]
    public void ATokenWithAnyCharacterChangedIsRefused()
    {
        var token = Signer.IssueClick(new TrackedClick(Message, new Uri("https://shop.example.com/")));

        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '.')
            {
                continue;
            }

            var altered = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            Assert.Null(Signer.ReadClick(altered));
        }
    }

    [Fact]
    public void AClickTokenWhosePayloadNamesAnotherAddressIsRefused()
    {
        var token = Signer.IssueClick(new TrackedClick(Message, new Uri("https://shop.example.com/")));
        var other = Signer.IssueClick(new TrackedClick(Message, new Uri("https://evil.example.net/")));

        Assert.Null(Signer.ReadClick(other.Split('.')[0] + "." + token.Split('.')[1]));
    }

    [Fact]
    public void ATokenSignedWithAnotherSecretIsRefused()
    {
        var foreign = new TrackingTokenSigner("another-deployment-tracking-secret-0123456789");

        Assert.Null(Signer.ReadOpen(foreign.IssueOpen(Message)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("abc.def")]
    [InlineData("a.b.c")]
    [InlineData("%%%.***")]
    public void MalformedTokensAreRefused(string? token)
    {
        Assert.Null(Signer.ReadOpen(token));
        Assert.Null(Signer.ReadClick(token));
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://files.example.com/x")]
    [InlineData("mailto:someone@example.com")]
    public void ClickLinksAreIssuedOnlyForHttpAddresses(string url)
    {
        Assert.Throws<ArgumentException>(() => Signer.IssueClick(new TrackedClick(Message, new Uri(url))));
    }

    [Fact]
    public void TokensOfTwoMessagesShareNothingThatCouldBeCountedOn()
    {
        var first = Signer.IssueOpen(Message);
        var second = Signer.IssueOpen(Message with { MessageId = "msg-2" });

        Assert.NotEqual(first.Split('.')[1], second.Split('.')[1]);
    }

    [Fact]
    public void AShortSecretIsRefused()
    {
        Assert.Throws<ArgumentException>(() => new TrackingTokenSigner("too-short"));
    }
}
