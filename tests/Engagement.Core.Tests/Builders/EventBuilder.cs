using Engagement.Core.Events;

namespace Engagement.Testing;

/// <summary>
/// Builds normalized events for tests: a valid event of the chosen kind by default, changed only where a test cares.
/// Linked into the integration tests too, so both suites speak of events the same way.
/// </summary>
public sealed class EventBuilder
{
    /// <summary>The time every built event happens at unless told otherwise: a fixed instant, never the clock.</summary>
    public static readonly DateTimeOffset BaseTime = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private EngagementEvent _event;

    private EventBuilder(EventKind kind, string? name)
    {
        _event = new EngagementEvent
        {
            MessageId = "msg-" + Guid.NewGuid().ToString("N"),
            Kind = kind,
            SourceId = "test-site",
            Name = name,
            Timestamp = BaseTime,
            ReceivedAt = BaseTime,
        };
    }

    public static EventBuilder Track(string name) => new(EventKind.Track, name);

    public static EventBuilder Identify(string traitsJson) => new EventBuilder(EventKind.Identify, null).WithTraits(traitsJson);

    public static EventBuilder Page(string url, string? title = null)
    {
        var uri = new Uri(url);
        return new EventBuilder(EventKind.Page, title).With(e => e with
        {
            Page = new PageView { Url = url, Host = uri.Host, Path = uri.AbsolutePath, Title = title },
        });
    }

    public static EventBuilder Group(string groupId) => new EventBuilder(EventKind.Group, null).With(e => e with { GroupId = groupId });

    public static EventBuilder Alias(string previousId, string userId) =>
        new EventBuilder(EventKind.Alias, null).With(e => e with { PreviousId = previousId, UserId = userId });

    public static EventBuilder Ad(EventKind kind, string domain, string campaign, double visibleSeconds = 0, decimal costEur = 0) =>
        new EventBuilder(kind, kind.ToWireName()).With(e => e with
        {
            SourceId = "ad-server",
            Ad = new AdExposure { Domain = domain, Campaign = campaign, VisibleSeconds = visibleSeconds, CostEur = costEur },
        });

    public EventBuilder ForUser(string userId) => With(e => e with { UserId = userId });

    public EventBuilder ForAnonymous(string anonymousId) => With(e => e with { AnonymousId = anonymousId });

    public EventBuilder WithId(string messageId) => With(e => e with { MessageId = messageId });

    public EventBuilder At(DateTimeOffset timestamp) => With(e => e with { Timestamp = timestamp });

    /// <summary>Happens <paramref name="minutes"/> after <see cref="BaseTime"/>.</summary>
    public EventBuilder AtMinute(int minutes) => At(BaseTime.AddMinutes(minutes));

    public EventBuilder WithProperties(string propertiesJson) => With(e => e with { PropertiesJson = propertiesJson });

    /// <summary>For a page event: the page that linked to it.</summary>
    public EventBuilder WithReferrer(string referrer) => With(e => e with { Page = (e.Page ?? new PageView()) with { Referrer = referrer } });

    public EventBuilder WithTraits(string traitsJson) => With(e => e with { TraitsJson = traitsJson });

    public EventBuilder FromSource(string sourceId) => With(e => e with { SourceId = sourceId });

    public EventBuilder With(Func<EngagementEvent, EngagementEvent> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _event = change(_event);
        return this;
    }

    public EngagementEvent Build() => _event;
}
