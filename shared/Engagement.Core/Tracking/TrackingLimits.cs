namespace Engagement.Core.Tracking;

/// <summary>Size and shape limits of the tracking API. Defaults follow the Segment HTTP Tracking API.</summary>
public sealed record TrackingLimits
{
    /// <summary>Largest single event, in bytes of JSON.</summary>
    public int MaxEventBytes { get; init; } = 32 * 1024;

    /// <summary>Largest request body, in bytes after decompression.</summary>
    public int MaxRequestBytes { get; init; } = 500 * 1024;

    /// <summary>Most events in one batch call.</summary>
    public int MaxBatchEvents { get; init; } = 2500;

    /// <summary>Deepest JSON nesting accepted.</summary>
    public int MaxJsonDepth { get; init; } = 32;

    /// <summary>Longest messageId accepted.</summary>
    public int MaxMessageIdLength { get; init; } = 100;

    /// <summary>Longest userId, anonymousId, groupId or previousId accepted.</summary>
    public int MaxIdLength { get; init; } = 256;

    /// <summary>Longest event name accepted.</summary>
    public int MaxEventNameLength { get; init; } = 200;

    /// <summary>The defaults.</summary>
    public static TrackingLimits Default { get; } = new();
}
