namespace Engagement.Core.Campaigns;

/// <summary>A click a person made (not flagged as a scanner's).</summary>
/// <param name="SubjectKey">The pseudonymous key of the recipient.</param>
/// <param name="MessageId">The message clicked in.</param>
/// <param name="Variant">The variant of the message.</param>
/// <param name="At">When.</param>
public sealed record CountedClick(string SubjectKey, string MessageId, string Variant, DateTimeOffset At);

/// <summary>A conversion of a recipient: the conversion event's id and time.</summary>
/// <param name="SubjectKey">The pseudonymous key of the person.</param>
/// <param name="EventId">The conversion event's message id.</param>
/// <param name="At">When it happened.</param>
public sealed record Conversion(string SubjectKey, string EventId, DateTimeOffset At);

/// <summary>A conversion credited to a campaign message.</summary>
/// <param name="Conversion">The conversion.</param>
/// <param name="Click">The click it is credited to.</param>
public sealed record AttributedConversion(Conversion Conversion, CountedClick Click);

/// <summary>
/// Credits conversions to a campaign: a conversion counts for the campaign when the recipient converted within the
/// window after one of their counted clicks, and it is credited to the latest such click (last click wins), so each
/// conversion counts once however many links were clicked.
/// </summary>
public static class ConversionAttribution
{
    /// <summary>The default attribution window.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);

    /// <summary>The conversions credited, one per conversion event at most.</summary>
    public static IReadOnlyList<AttributedConversion> Attribute(IEnumerable<CountedClick> clicks, IEnumerable<Conversion> conversions, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(clicks);
        ArgumentNullException.ThrowIfNull(conversions);
        var bySubject = clicks.GroupBy(c => c.SubjectKey, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(c => c.At).ToList(), StringComparer.Ordinal);
        var credited = new List<AttributedConversion>();
        foreach (var conversion in conversions.DistinctBy(c => (c.SubjectKey, c.EventId)))
        {
            if (bySubject.TryGetValue(conversion.SubjectKey, out var theirs)
                && theirs.LastOrDefault(c => c.At <= conversion.At && conversion.At - c.At <= window) is { } click)
            {
                credited.Add(new AttributedConversion(conversion, click));
            }
        }

        return credited;
    }
}
