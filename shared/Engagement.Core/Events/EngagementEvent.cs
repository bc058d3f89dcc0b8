namespace Engagement.Core.Events;

/// <summary>
/// One normalized event as it travels on the stream and is stored: a validated Segment call or an ad-server record.
/// Raw JSON parts (properties, traits, context) are kept as text so they survive unchanged.
/// </summary>
public sealed record EngagementEvent
{
    /// <summary>Deduplication id: the client's messageId, or a hash of the raw record.</summary>
    public required string MessageId { get; init; }

    /// <summary>What the event records.</summary>
    public required EventKind Kind { get; init; }

    /// <summary>The configured source (website, app, ad feed) that sent it.</summary>
    public required string SourceId { get; init; }

    /// <summary>The known user id, when the sender knew it.</summary>
    public string? UserId { get; init; }

    /// <summary>The anonymous (cookie/device) id.</summary>
    public string? AnonymousId { get; init; }

    /// <summary>For alias: the identity being merged into <see cref="UserId"/>.</summary>
    public string? PreviousId { get; init; }

    /// <summary>For group: the group id.</summary>
    public string? GroupId { get; init; }

    /// <summary>Track event name, page or screen name.</summary>
    public string? Name { get; init; }

    /// <summary>When it happened, corrected for client clock skew.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>When the platform received it.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Properties (track, page, screen) as JSON text.</summary>
    public string? PropertiesJson { get; init; }

    /// <summary>Traits (identify, group) as JSON text.</summary>
    public string? TraitsJson { get; init; }

    /// <summary>Context (user agent, page, campaign, library…) as JSON text.</summary>
    public string? ContextJson { get; init; }

    /// <summary>Page or screen details, for page and screen events.</summary>
    public PageView? Page { get; init; }

    /// <summary>Ad details, for ad events.</summary>
    public AdExposure? Ad { get; init; }
}

/// <summary>Where a page view happened, and the URL tokens later used for interest extraction.</summary>
public sealed record PageView
{
    /// <summary>The full URL, when known.</summary>
    public string? Url { get; init; }

    /// <summary>The URL path.</summary>
    public string? Path { get; init; }

    /// <summary>The host name.</summary>
    public string? Host { get; init; }

    /// <summary>The page title.</summary>
    public string? Title { get; init; }

    /// <summary>The referrer URL.</summary>
    public string? Referrer { get; init; }

    /// <summary>Lower-case word tokens from the path and query.</summary>
    public IReadOnlyList<string> Tokens { get; init; } = [];
}

/// <summary>An ad served, clicked or converted on a domain.</summary>
public sealed record AdExposure
{
    /// <summary>The domain the ad ran on.</summary>
    public required string Domain { get; init; }

    /// <summary>The placement (slot) on that domain.</summary>
    public string? Placement { get; init; }

    /// <summary>The campaign id.</summary>
    public required string Campaign { get; init; }

    /// <summary>The creative id.</summary>
    public string? Creative { get; init; }

    /// <summary>Seconds the ad was visible; zero when not viewable.</summary>
    public double VisibleSeconds { get; init; }

    /// <summary>Cost of this record in EUR.</summary>
    public decimal CostEur { get; init; }
}
