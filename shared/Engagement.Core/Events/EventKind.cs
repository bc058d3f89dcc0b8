namespace Engagement.Core.Events;

/// <summary>What an event records. Web kinds follow the Segment spec; ad kinds come from ad-server logs.</summary>
public enum EventKind
{
    /// <summary>A user's traits were recorded.</summary>
    Identify,
    /// <summary>A named action.</summary>
    Track,
    /// <summary>A web page view.</summary>
    Page,
    /// <summary>An app screen view.</summary>
    Screen,
    /// <summary>The user joined a group (company, household).</summary>
    Group,
    /// <summary>Two user identities are the same person.</summary>
    Alias,
    /// <summary>An ad was served, with visible seconds when viewable.</summary>
    AdImpression,
    /// <summary>An ad was clicked.</summary>
    AdClick,
    /// <summary>An ad led to a conversion.</summary>
    AdConversion,
}

/// <summary>Names of event kinds as they appear on the wire and in storage.</summary>
public static class EventKindNames
{
    /// <summary>The lower-case wire name of a kind ("track", "ad_impression").</summary>
    public static string ToWireName(this EventKind kind) => kind switch
    {
        EventKind.Identify => "identify",
        EventKind.Track => "track",
        EventKind.Page => "page",
        EventKind.Screen => "screen",
        EventKind.Group => "group",
        EventKind.Alias => "alias",
        EventKind.AdImpression => "ad_impression",
        EventKind.AdClick => "ad_click",
        EventKind.AdConversion => "ad_conversion",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a wire name; false when it names no kind.</summary>
    public static bool TryParse(string? name, out EventKind kind)
    {
        switch (name?.ToLowerInvariant())
        {
            case "identify": kind = EventKind.Identify; return true;
            case "track": kind = EventKind.Track; return true;
            case "page": kind = EventKind.Page; return true;
            case "screen": kind = EventKind.Screen; return true;
            case "group": kind = EventKind.Group; return true;
            case "alias": kind = EventKind.Alias; return true;
            case "ad_impression" or "impression": kind = EventKind.AdImpression; return true;
            case "ad_click" or "click": kind = EventKind.AdClick; return true;
            case "ad_conversion" or "conversion": kind = EventKind.AdConversion; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>True for the kinds that come from ad-server logs.</summary>
    public static bool IsAd(this EventKind kind) => kind is EventKind.AdImpression or EventKind.AdClick or EventKind.AdConversion;
}
