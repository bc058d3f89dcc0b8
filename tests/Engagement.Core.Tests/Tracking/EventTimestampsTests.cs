using Engagement.Core.Tracking;

namespace Engagement.Core.Tests.Tracking;

public sealed class EventTimestampsTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ClockSkewIsRemovedUsingTheGapBetweenEventAndSend()
    {
        // The client clock is 3 hours slow; the event happened 90 s before the request was sent.
        var timestamp = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
        var sentAt = timestamp.AddSeconds(90);

        var resolved = EventTimestamps.Resolve(timestamp, null, sentAt, ReceivedAt);

        Assert.Equal(ReceivedAt.AddSeconds(-90), resolved);
    }

    [Fact]
    public void TimestampIsPreferredOverOriginalTimestamp()
    {
        var timestamp = new DateTimeOffset(2026, 11, 22, 11, 59, 0, TimeSpan.Zero);
        var original = new DateTimeOffset(2026, 11, 22, 11, 0, 0, TimeSpan.Zero);
        var sentAt = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

        var resolved = EventTimestamps.Resolve(timestamp, original, sentAt, ReceivedAt);

        Assert.Equal(ReceivedAt.AddMinutes(-1), resolved);
    }

    [Fact]
    public void OriginalTimestampIsUsedWhenThereIsNoTimestamp()
    {
        var original = new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);
        var sentAt = original.AddMinutes(10);

        var resolved = EventTimestamps.Resolve(null, original, sentAt, ReceivedAt);

        Assert.Equal(ReceivedAt.AddMinutes(-10), resolved);
    }

    [Fact]
    public void WithoutSentAtTheClientTimeStandsInUtc()
    {
        var timestamp = new DateTimeOffset(2026, 11, 22, 10, 30, 0, TimeSpan.FromHours(1));

        var resolved = EventTimestamps.Resolve(timestamp, null, null, ReceivedAt);

        Assert.Equal(timestamp, resolved);
        Assert.Equal(TimeSpan.Zero, resolved.Offset);
    }

    [Fact]
    public void WithoutAnyClientTimeTheReceiveTimeStands()
    {
        var resolved = EventTimestamps.Resolve(null, null, ReceivedAt.AddHours(-5), ReceivedAt);

        Assert.Equal(ReceivedAt, resolved);
    }

    [Fact]
    public void EventSentBeforeItHappenedLandsAfterReceipt()
    {
        // Offline queues may stamp sentAt before a late timestamp; the arithmetic still holds.
        var timestamp = new DateTimeOffset(2026, 11, 22, 10, 0, 10, TimeSpan.Zero);
        var sentAt = timestamp.AddSeconds(-10);

        var resolved = EventTimestamps.Resolve(timestamp, null, sentAt, ReceivedAt);

        Assert.Equal(ReceivedAt.AddSeconds(10), resolved);
    }

    [Fact]
    public void ACorrectionBeyondTheRepresentableRangeFallsBackToTheReceiveTime()
    {
        var resolved = EventTimestamps.Resolve(DateTimeOffset.MinValue, null, DateTimeOffset.MaxValue, ReceivedAt);
        var reversed = EventTimestamps.Resolve(DateTimeOffset.MaxValue, null, DateTimeOffset.MinValue, ReceivedAt);

        Assert.Equal(ReceivedAt, resolved);
        Assert.Equal(ReceivedAt, reversed);
    }
}
