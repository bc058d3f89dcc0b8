using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class SendPaceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SendsReservedTogetherAreSpacedOneIntervalApart()
    {
        var pace = new SendPace(5);

        var slots = Enumerable.Range(0, 10).Select(_ => pace.Reserve(Now)).ToList();

        Assert.Equal(Enumerable.Range(0, 10).Select(i => Now.AddMilliseconds(200 * i)), slots);
        // Ten sends take 1.8 s from the first to the last: never more than 5 in any second.
        Assert.Equal(TimeSpan.FromSeconds(1.8), slots[^1] - slots[0]);
    }

    [Fact]
    public void IdleTimeIsNotSavedUpIntoABurst()
    {
        var pace = new SendPace(2);
        pace.Reserve(Now);

        var later = Now.AddMinutes(1);

        Assert.Equal(later, pace.Reserve(later));
        Assert.Equal(later.AddMilliseconds(500), pace.Reserve(later));
    }

    [Fact]
    public void TheSlowerOfTwoPacesSetsTheSchedule()
    {
        var campaign = new SendPace(2);
        var deployment = new SendPace(10);

        var slots = Enumerable.Range(0, 4).Select(_ => SendPace.ReserveAll([campaign, deployment], Now)).ToList();

        Assert.Equal([Now, Now.AddMilliseconds(500), Now.AddSeconds(1), Now.AddMilliseconds(1500)], slots);
    }

    [Fact]
    public void ACampaignHeldBackByTheDeploymentKeepsAFullIntervalAfterItsLateSend()
    {
        var campaign = new SendPace(10);
        var deployment = new SendPace(1);
        deployment.Reserve(Now);

        var first = SendPace.ReserveAll([campaign, deployment], Now);
        var second = campaign.Reserve(Now);

        Assert.Equal(Now.AddSeconds(1), first);
        Assert.Equal(first.AddMilliseconds(100), second);
    }

    [Fact]
    public void NoRateMeansNoWaiting()
    {
        var pace = SendPace.Unlimited;

        Assert.All(Enumerable.Range(0, 5).Select(_ => pace.Reserve(Now)), slot => Assert.Equal(Now, slot));
        Assert.False(pace.IsLimited);
    }
}
