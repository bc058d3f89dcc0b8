using Engagement.Core.Interests;

namespace Engagement.Testing;

/// <summary>Interest signals for tests, placed in time relative to a fixed <see cref="Now"/>, never the clock.</summary>
public static class InterestSignalBuilder
{
    /// <summary>The instant scores and intents are computed at.</summary>
    public static readonly DateTimeOffset Now = EventBuilder.BaseTime;

    public static InterestSignal Page(string url, double daysAgo = 0, string? eventId = null) =>
        Signal(InterestSignalKind.Page, url, daysAgo, eventId: eventId);

    public static InterestSignal Title(string title, double daysAgo = 0, string? eventId = null) =>
        Signal(InterestSignalKind.Title, title, daysAgo, eventId: eventId);

    public static InterestSignal AdDomain(string domain, double daysAgo = 0, double weight = 1) =>
        Signal(InterestSignalKind.AdDomain, domain, daysAgo, weight);

    public static InterestSignal Signal(InterestSignalKind kind, string text, double daysAgo = 0, double weight = 1, string? eventId = null) =>
        new(kind, text, Now.AddDays(-daysAgo), weight, eventId);
}
