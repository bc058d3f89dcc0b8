using Engagement.Core.Events;

namespace Engagement.Core.Tracking;

/// <summary>Which tracking route a request came in on.</summary>
public enum TrackingEndpoint
{
    /// <summary>Many messages in <c>{"batch": [...]}</c> (<c>/v1/batch</c>, <c>/b</c>).</summary>
    Batch,
    /// <summary><c>/v1/identify</c>, <c>/i</c>.</summary>
    Identify,
    /// <summary><c>/v1/track</c>, <c>/t</c>.</summary>
    Track,
    /// <summary><c>/v1/page</c>, <c>/p</c>.</summary>
    Page,
    /// <summary><c>/v1/screen</c>, <c>/s</c>.</summary>
    Screen,
    /// <summary><c>/v1/group</c>, <c>/g</c>.</summary>
    Group,
    /// <summary><c>/v1/alias</c>, <c>/a</c>.</summary>
    Alias,
}

/// <summary>Maps route segments to endpoints.</summary>
public static class TrackingEndpoints
{
    /// <summary>Parses the last route segment: a full name ("track") or the browser library's letter ("t").</summary>
    public static bool TryParse(string segment, out TrackingEndpoint endpoint)
    {
        switch (segment.ToLowerInvariant())
        {
            case "batch" or "b" or "import": endpoint = TrackingEndpoint.Batch; return true;
            case "identify" or "i": endpoint = TrackingEndpoint.Identify; return true;
            case "track" or "t": endpoint = TrackingEndpoint.Track; return true;
            case "page" or "p": endpoint = TrackingEndpoint.Page; return true;
            case "screen" or "s": endpoint = TrackingEndpoint.Screen; return true;
            case "group" or "g": endpoint = TrackingEndpoint.Group; return true;
            case "alias" or "a": endpoint = TrackingEndpoint.Alias; return true;
            default: endpoint = default; return false;
        }
    }

    /// <summary>The event kind a single-message endpoint implies; null for batch.</summary>
    public static EventKind? ImpliedKind(this TrackingEndpoint endpoint) => endpoint switch
    {
        TrackingEndpoint.Identify => EventKind.Identify,
        TrackingEndpoint.Track => EventKind.Track,
        TrackingEndpoint.Page => EventKind.Page,
        TrackingEndpoint.Screen => EventKind.Screen,
        TrackingEndpoint.Group => EventKind.Group,
        TrackingEndpoint.Alias => EventKind.Alias,
        _ => null,
    };
}
