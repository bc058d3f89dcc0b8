namespace Engagement.Core.Tracking;

/// <summary>Decides when an event happened from the times a client reports.</summary>
public static class EventTimestamps
{
    /// <summary>
    /// The event time. A client's clock may be wrong, but the gap between when it says the event happened
    /// and when it says it sent it is trustworthy, so with both known the time is
    /// <c>receivedAt - (sentAt - originalTimestamp)</c>. Without <c>sentAt</c> the client's time stands;
    /// with no client time at all, or client times so far apart that the correction leaves the calendar, the receive time.
    /// </summary>
    /// <param name="timestamp">The event's <c>timestamp</c>.</param>
    /// <param name="originalTimestamp">The event's <c>originalTimestamp</c>, used when <paramref name="timestamp"/> is absent.</param>
    /// <param name="sentAt">When the client sent the request.</param>
    /// <param name="receivedAt">When the request arrived.</param>
    public static DateTimeOffset Resolve(DateTimeOffset? timestamp, DateTimeOffset? originalTimestamp, DateTimeOffset? sentAt, DateTimeOffset receivedAt)
    {
        var clientTime = timestamp ?? originalTimestamp;
        if (clientTime is null)
        {
            return receivedAt;
        }

        if (sentAt is null)
        {
            return clientTime.Value.ToUniversalTime();
        }

        // Computed on UTC ticks: client times are untrusted, and a correction of thousands of years must not throw.
        var delay = sentAt.Value - clientTime.Value;
        var corrected = receivedAt.UtcTicks - delay.Ticks;
        return corrected < DateTimeOffset.MinValue.UtcTicks || corrected > DateTimeOffset.MaxValue.UtcTicks
            ? receivedAt
            : new DateTimeOffset(corrected, TimeSpan.Zero);
    }
}
