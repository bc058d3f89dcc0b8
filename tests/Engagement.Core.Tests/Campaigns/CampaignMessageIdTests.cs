using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class CampaignMessageIdTests
{
    [Fact]
    public void AMessageIdReadsBackAsTheSendItWasMadeFor()
    {
        var id = new CampaignMessageId("spring-sale", "test", "B", "3f9a0c");

        var text = id.Format("mail.example.com");

        Assert.Equal("e360.spring-sale.test.B.3f9a0c@mail.example.com", text);
        Assert.True(CampaignMessageId.TryParse($"<{text}>", out var parsed));
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void TheSameSendAlwaysGetsTheSameMessageId() =>
        Assert.Equal(
            new CampaignMessageId("c1", "main", "A", "ab").Format("x.cz"),
            new CampaignMessageId("c1", "main", "A", "ab").Format("x.cz"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc@example.com")]
    [InlineData("e360.c.s.v@example.com")]
    [InlineData("e360.c.s.v.k.extra@example.com")]
    [InlineData("x360.c.s.v.k@example.com")]
    [InlineData("e360.c.s.v.k")]
    [InlineData("e360.c.s..k@example.com")]
    public void OtherMessageIdsAreNotOurs(string? text) => Assert.False(CampaignMessageId.TryParse(text, out _));

    [Theory]
    [InlineData("has.dot")]
    [InlineData("has space")]
    [InlineData("has/slash")]
    [InlineData("")]
    public void PartsThatWouldBreakTheIdAreRefused(string campaign) =>
        Assert.Throws<ArgumentException>(() => new CampaignMessageId(campaign, "main", "A", "k").Format("example.com"));
}
