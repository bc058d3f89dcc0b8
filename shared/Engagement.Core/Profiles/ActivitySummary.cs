using Engagement.Core.Events;

namespace Engagement.Core.Profiles;

/// <summary>Counters of one kind of ad exposure (per domain or per campaign).</summary>
public sealed record AdStats
{
    /// <summary>Impressions served.</summary>
    public long Impressions { get; init; }

    /// <summary>Clicks.</summary>
    public long Clicks { get; init; }

    /// <summary>Conversions.</summary>
    public long Conversions { get; init; }

    /// <summary>Total visible seconds.</summary>
    public double VisibleSeconds { get; init; }

    /// <summary>Total cost in EUR.</summary>
    public decimal CostEur { get; init; }

    /// <summary>These counters plus one record.</summary>
    public AdStats Add(EventKind kind, AdExposure ad)
    {
        ArgumentNullException.ThrowIfNull(ad);
        return this with
        {
            Impressions = Impressions + (kind == EventKind.AdImpression ? 1 : 0),
            Clicks = Clicks + (kind == EventKind.AdClick ? 1 : 0),
            Conversions = Conversions + (kind == EventKind.AdConversion ? 1 : 0),
            VisibleSeconds = VisibleSeconds + ad.VisibleSeconds,
            CostEur = CostEur + ad.CostEur,
        };
    }

    /// <summary>The sum of two counters.</summary>
    public AdStats Plus(AdStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new AdStats
        {
            Impressions = Impressions + other.Impressions,
            Clicks = Clicks + other.Clicks,
            Conversions = Conversions + other.Conversions,
            VisibleSeconds = VisibleSeconds + other.VisibleSeconds,
            CostEur = CostEur + other.CostEur,
        };
    }
}

/// <summary>A short line about an event, kept for the profile's recent activity.</summary>
/// <param name="MessageId">The event's id.</param>
/// <param name="Kind">Its kind (wire name).</param>
/// <param name="Name">Event, page or screen name, if any.</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Detail">The page path or ad domain/campaign, if any.</param>
public sealed record RecentEvent(string MessageId, string Kind, string? Name, DateTimeOffset Timestamp, string? Detail);

/// <summary>
/// What one identity did, as counters: stored beside that identity's events and updated in the same
/// transaction, so a counter never counts an event twice. Bounded in size whatever the event count.
/// </summary>
public sealed class ActivitySummary
{
    /// <summary>How many recent events are kept.</summary>
    public const int RecentCapacity = 50;

    /// <summary>How many distinct pages, event names, domains and campaigns are kept.</summary>
    public const int MapCapacity = 100;

    private const int MaxKeyLength = 150;

    /// <summary>Time of the earliest event.</summary>
    public DateTimeOffset? FirstSeen { get; set; }

    /// <summary>Time of the latest event.</summary>
    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>Number of events.</summary>
    public long EventCount { get; set; }

    /// <summary>
    /// Sessions (runs of events without 30 minutes of inactivity). Exact when events arrive in time order; an event
    /// arriving late inside the known span is not checked against the gaps it may close, which
    /// <c>engage journeys rebuild</c> corrects.
    /// </summary>
    public long Sessions { get; set; }

    /// <summary>Time of the first ad impression, if any.</summary>
    public DateTimeOffset? FirstImpression { get; set; }

    /// <summary>Events per kind (wire name).</summary>
    public Dictionary<string, long> ByKind { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Track events per event name.</summary>
    public Dictionary<string, long> ByEventName { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Page views per host and path.</summary>
    public Dictionary<string, long> Pages { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Ad exposure per domain.</summary>
    public Dictionary<string, AdStats> AdDomains { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Ad exposure per campaign.</summary>
    public Dictionary<string, AdStats> AdCampaigns { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest events, newest first.</summary>
    public List<RecentEvent> Recent { get; set; } = [];

    /// <summary>Counts one event. The caller guarantees each event is applied once.</summary>
    public void Apply(EngagementEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        if (FirstSeen is null || LastSeen is null || ev.Timestamp - LastSeen > Journeys.Journey.SessionGap || FirstSeen - ev.Timestamp > Journeys.Journey.SessionGap)
        {
            Sessions++;
        }

        if (ev.Kind == EventKind.AdImpression && (FirstImpression is null || ev.Timestamp < FirstImpression))
        {
            FirstImpression = ev.Timestamp;
        }

        FirstSeen = FirstSeen is null || ev.Timestamp < FirstSeen ? ev.Timestamp : FirstSeen;
        LastSeen = LastSeen is null || ev.Timestamp > LastSeen ? ev.Timestamp : LastSeen;
        EventCount++;
        var kind = ev.Kind.ToWireName();
        Increment(ByKind, kind, 1, int.MaxValue);
        string? detail = null;
        if (ev.Kind == EventKind.Track && ev.Name is not null)
        {
            Increment(ByEventName, Bounded(ev.Name), 1, MapCapacity);
        }

        if (ev.Page is { } page && (page.Path ?? page.Title) is { } where)
        {
            detail = Bounded((page.Host ?? string.Empty) + where);
            Increment(Pages, detail, 1, MapCapacity);
        }

        if (ev.Ad is { } ad)
        {
            detail = ad.Domain + " / " + ad.Campaign;
            AddAd(AdDomains, Bounded(ad.Domain), new AdStats().Add(ev.Kind, ad));
            AddAd(AdCampaigns, Bounded(ad.Campaign), new AdStats().Add(ev.Kind, ad));
        }

        AddRecent(new RecentEvent(ev.MessageId, kind, ev.Name, ev.Timestamp, detail));
    }

    /// <summary>Adds another identity's activity into this one (for a profile that spans identities).</summary>
    public void Absorb(ActivitySummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.FirstSeen is { } first && (FirstSeen is null || first < FirstSeen))
        {
            FirstSeen = first;
        }

        if (other.LastSeen is { } last && (LastSeen is null || last > LastSeen))
        {
            LastSeen = last;
        }

        EventCount += other.EventCount;
        Sessions += other.Sessions;
        if (other.FirstImpression is { } impression && (FirstImpression is null || impression < FirstImpression))
        {
            FirstImpression = impression;
        }

        foreach (var (key, count) in other.ByKind)
        {
            Increment(ByKind, key, count, int.MaxValue);
        }

        foreach (var (key, count) in other.ByEventName)
        {
            Increment(ByEventName, key, count, MapCapacity);
        }

        foreach (var (key, count) in other.Pages)
        {
            Increment(Pages, key, count, MapCapacity);
        }

        foreach (var (key, stats) in other.AdDomains)
        {
            AddAd(AdDomains, key, stats);
        }

        foreach (var (key, stats) in other.AdCampaigns)
        {
            AddAd(AdCampaigns, key, stats);
        }

        foreach (var recent in other.Recent)
        {
            AddRecent(recent);
        }
    }

    private void AddRecent(RecentEvent recent)
    {
        // Newest first; ties ordered by id so the list is the same whatever order events arrive in.
        var index = Recent.FindIndex(r => r.Timestamp < recent.Timestamp
            || (r.Timestamp == recent.Timestamp && string.CompareOrdinal(r.MessageId, recent.MessageId) > 0));
        if (index < 0)
        {
            index = Recent.Count;
        }

        if (index >= RecentCapacity)
        {
            return;
        }

        Recent.Insert(index, recent);
        if (Recent.Count > RecentCapacity)
        {
            Recent.RemoveAt(Recent.Count - 1);
        }
    }

    private static void Increment(Dictionary<string, long> map, string key, long by, int capacity)
    {
        if (map.TryGetValue(key, out var count))
        {
            map[key] = count + by;
            return;
        }

        if (map.Count >= capacity)
        {
            // Keep the most frequent keys: a new key only displaces the least frequent one.
            var weakest = map.OrderBy(p => p.Value).ThenByDescending(p => p.Key, StringComparer.Ordinal).First();
            if (weakest.Value > by)
            {
                return;
            }

            map.Remove(weakest.Key);
        }

        map[key] = by;
    }

    private static void AddAd(Dictionary<string, AdStats> map, string key, AdStats stats)
    {
        if (map.TryGetValue(key, out var existing))
        {
            map[key] = existing.Plus(stats);
            return;
        }

        if (map.Count >= MapCapacity)
        {
            var weakest = map.OrderBy(p => p.Value.Impressions + p.Value.Clicks).ThenByDescending(p => p.Key, StringComparer.Ordinal).First();
            if (weakest.Value.Impressions + weakest.Value.Clicks > stats.Impressions + stats.Clicks)
            {
                return;
            }

            map.Remove(weakest.Key);
        }

        map[key] = stats;
    }

    private static string Bounded(string text) => text.Length <= MaxKeyLength ? text : text[..MaxKeyLength];
}
