namespace Engagement.Core.Interests;

/// <summary>What the text of an <see cref="InterestSignal"/> is, which decides how it is read.</summary>
public enum InterestSignalKind
{
    /// <summary>A visited page's URL or path: its path and query words count, and its host for domain rules.</summary>
    Page,
    /// <summary>A page title, screen name or product name.</summary>
    Title,
    /// <summary>A page or product category.</summary>
    Category,
    /// <summary>The domain an ad ran on: domain rules and the words of the host name count.</summary>
    AdDomain,
    /// <summary>A track event's name.</summary>
    EventName,
    /// <summary>A search query.</summary>
    Search,
    /// <summary>The URL of the page that led to a visit (another site): its host, path and query count.</summary>
    Referrer,
}

/// <summary>
/// One piece of text that may say what a person is interested in: a page they saw, an ad's domain, a search.
/// </summary>
/// <param name="Kind">What the text is.</param>
/// <param name="Text">The URL, title, category, domain, event name or query.</param>
/// <param name="At">When it happened.</param>
/// <param name="Weight">How much the signal counts (1 for a page view); zero or less, or not a number, and it is ignored.</param>
/// <param name="EventId">
/// The event the signal came from. The signals of one event count once per interest (the strongest of them), so a page
/// whose URL and title both say "travel" is one visit, not two. Null: the signal stands alone.
/// </param>
public sealed record InterestSignal(InterestSignalKind Kind, string Text, DateTimeOffset At, double Weight = 1, string? EventId = null);

/// <summary>Names of signal kinds as they appear in stored evidence.</summary>
public static class InterestSignalKindNames
{
    /// <summary>The lower-case wire name of a kind ("page", "ad_domain").</summary>
    public static string ToWireName(this InterestSignalKind kind) => kind switch
    {
        InterestSignalKind.Page => "page",
        InterestSignalKind.Title => "title",
        InterestSignalKind.Category => "category",
        InterestSignalKind.AdDomain => "ad_domain",
        InterestSignalKind.EventName => "event_name",
        InterestSignalKind.Search => "search",
        InterestSignalKind.Referrer => "referrer",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a wire name; false when it names no kind.</summary>
    public static bool TryParse(string? name, out InterestSignalKind kind)
    {
        foreach (var candidate in Enum.GetValues<InterestSignalKind>())
        {
            if (string.Equals(candidate.ToWireName(), name, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
