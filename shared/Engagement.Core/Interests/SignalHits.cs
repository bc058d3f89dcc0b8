namespace Engagement.Core.Interests;

/// <summary>What scoring and intent detection share: which signals count, and how matches become evidence.</summary>
internal static class SignalHits
{
    /// <summary>Signals that can count at <paramref name="now"/>, in a fixed order whatever order they came in.</summary>
    public static List<InterestSignal> Usable(IEnumerable<InterestSignal> signals, DateTimeOffset now) =>
    [
        .. signals
            .Where(s => s is not null && !string.IsNullOrWhiteSpace(s.Text) && double.IsFinite(s.Weight) && s.Weight > 0 && s.At <= now)
            .OrderBy(s => s.At)
            .ThenBy(s => s.Kind)
            .ThenBy(s => s.Text, StringComparer.Ordinal)
            .ThenBy(s => s.EventId, StringComparer.Ordinal)
            .ThenBy(s => s.Weight),
    ];

    /// <summary>
    /// The strongest evidence among <paramref name="hits"/>: repeats of the same content and keyword merge into one item
    /// (contributions summed, latest time and text kept), strongest first, then newest.
    /// </summary>
    public static IReadOnlyList<InterestEvidence> Strongest(IEnumerable<Hit> hits, int count) =>
    [
        .. hits
            .GroupBy(h => (h.ContentKey, h.Rule.Text))
            .Select(g =>
            {
                var latest = g.MaxBy(h => h.Signal.At)!;
                return new InterestEvidence(latest.Signal.Kind, InterestEvidence.Shorten(latest.Signal.Text.Trim()), latest.Rule.Text, latest.Signal.At, g.Sum(h => h.Contribution));
            })
            .OrderByDescending(e => e.Contribution)
            .ThenByDescending(e => e.At)
            .ThenBy(e => e.Kind)
            .ThenBy(e => e.Text, StringComparer.Ordinal)
            .ThenBy(e => e.Keyword, StringComparer.Ordinal)
            .Take(count),
    ];

    /// <summary>A signal that matched a keyword of one category (or intent rule).</summary>
    public sealed record Hit(InterestSignal Signal, string ContentKey, KeywordRule Rule, double Contribution);
}
