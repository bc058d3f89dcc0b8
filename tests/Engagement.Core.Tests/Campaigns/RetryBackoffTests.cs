using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class RetryBackoffTests
{
    private static readonly RetryBackoff Backoff = new(5, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    [Fact]
    public void EachRetryWaitsTwiceAsLongAsTheOneBefore()
    {
        // With the largest jitter the wait tends to the full delay; with none it is half of it.
        Assert.Equal(
            [TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)],
            Enumerable.Range(1, 4).Select(retry => Backoff.DelayBefore(retry, 0)));
    }

    [Fact]
    public void JitterSpreadsTheWaitOverTheUpperHalf()
    {
        var low = Backoff.DelayBefore(3, 0);
        var middle = Backoff.DelayBefore(3, 0.5);
        var high = Backoff.DelayBefore(3, 0.999);

        Assert.Equal(TimeSpan.FromMilliseconds(1000), low);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), middle);
        Assert.InRange(high, TimeSpan.FromMilliseconds(1990), TimeSpan.FromMilliseconds(2000));
    }

    [Fact]
    public void TheWaitNeverExceedsTheLongestDelay()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), Backoff.DelayBefore(20, 0));
        Assert.True(Backoff.DelayBefore(1_000, 0.999) <= TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void RetriesStopAfterTheLastAttempt()
    {
        Assert.True(Backoff.MayRetry(4));
        Assert.False(Backoff.MayRetry(5));
        Assert.False(new RetryBackoff(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)).MayRetry(1));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    public void JitterOutsideZeroToOneIsRefused(double jitter) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Backoff.DelayBefore(1, jitter));
}
