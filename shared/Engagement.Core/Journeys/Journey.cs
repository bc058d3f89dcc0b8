using System.Text.Json;
using Engagement.Core.Events;
using Engagement.Core.Tracking;

namespace Engagement.Core.Journeys;

/// <summary>One thing a person did or was shown, as a journey sees it.</summary>
public sealed record JourneyStep
{
    /// <summary>The event's id (a journey holds each once).</summary>
    public required string MessageId { get; init; }

    /// <summary>When it happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>What kind of event it was.</summary>
    public required EventKind Kind { get; init; }

    /// <summary>Track event name, or page/screen name.</summary>
    public string? Name { get; init; }

    /// <summary>Page host.</summary>
    public string? Host { get; init; }

    /// <summary>Page path.</summary>
    public string? Path { get; init; }

    /// <summary>Page title.</summary>
    public string? Title { get; init; }

    /// <summary>URL path and query tokens of a page.</summary>
    public IReadOnlyList<string> Tokens { get; init; } = [];

    /// <summary>Ad domain.</summary>
    public string? Domain { get; init; }

    /// <summary>Ad campaign.</summary>
    public string? Campaign { get; init; }

    /// <summary>Ad creative.</summary>
    public string? Creative { get; init; }

    /// <summary>Seconds an ad was visible.</summary>
    public double VisibleSeconds { get; init; }

    /// <summary>What showing the ad cost, in EUR.</summary>
    public decimal CostEur { get; init; }

    /// <summary>The product a track event names (<c>properties.product_id</c>, else <c>properties.sku</c>).</summary>
    public string? Product { get; init; }

    /// <summary>What the event says about the person's interests (URL, title, ad domain, event name, category).</summary>
    public IReadOnlyList<Interests.InterestSignal> Signals { get; init; } = [];

    /// <summary>The journey step of an event.</summary>
    public static JourneyStep From(EngagementEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return new JourneyStep
        {
            MessageId = ev.MessageId,
            Timestamp = ev.Timestamp,
            Kind = ev.Kind,
            Name = ev.Name,
            Host = ev.Page?.Host,
            Path = ev.Page?.Path,
            Title = ev.Page?.Title,
            Tokens = ev.Page is { } page ? (page.Tokens.Count > 0 ? page.Tokens : UrlTokens.FromUrl(page.Url ?? page.Path)) : [],
            Domain = ev.Ad?.Domain,
            Campaign = ev.Ad?.Campaign,
            Creative = ev.Ad?.Creative,
            VisibleSeconds = ev.Ad?.VisibleSeconds ?? 0,
            CostEur = ev.Ad?.CostEur ?? 0,
            Product = ev.Kind == EventKind.Track ? ProductOf(ev.PropertiesJson) : null,
            Signals = Interests.InterestSignals.From(ev),
        };
    }

    private static string? ProductOf(string? propertiesJson)
    {
        if (propertiesJson is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(propertiesJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var name in (ReadOnlySpan<string>)["product_id", "productId", "sku"])
            {
                if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                {
                    return value.ToString();
                }
            }
        }
        catch (JsonException)
        {
            // Properties are validated as JSON at intake; a stored row that is not is simply without a product.
        }

        return null;
    }
}

/// <summary>A run of steps with no gap longer than the session gap.</summary>
/// <param name="Start">Its first step's time.</param>
/// <param name="End">Its last step's time.</param>
/// <param name="StepCount">How many steps it holds.</param>
public sealed record JourneySession(DateTimeOffset Start, DateTimeOffset End, int StepCount);

/// <summary>
/// A person's ordered journey across all their identities: ad impressions, clicks, page views, product views,
/// conversions. Steps are ordered by time (then id) and held once each, however often they were delivered.
/// </summary>
public sealed class Journey
{
    /// <summary>Inactivity that ends a session.</summary>
    public static readonly TimeSpan SessionGap = TimeSpan.FromMinutes(30);

    /// <summary>Builds a journey from steps in any order.</summary>
    /// <param name="profileKey">The profile the journey belongs to.</param>
    /// <param name="userId">The person's known user id, if any.</param>
    /// <param name="steps">Their steps, in any order, possibly repeated.</param>
    public Journey(string profileKey, string? userId, IEnumerable<JourneyStep> steps)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileKey);
        ArgumentNullException.ThrowIfNull(steps);
        ProfileKey = profileKey;
        UserId = userId;
        Steps = steps
            .DistinctBy(s => s.MessageId, StringComparer.Ordinal)
            .OrderBy(s => s.Timestamp)
            .ThenBy(s => s.MessageId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The profile the journey belongs to.</summary>
    public string ProfileKey { get; }

    /// <summary>The person's known user id, if any.</summary>
    public string? UserId { get; }

    /// <summary>The steps, oldest first.</summary>
    public IReadOnlyList<JourneyStep> Steps { get; }

    /// <summary>The steps before an instant (what was known at that time).</summary>
    public IEnumerable<JourneyStep> Before(DateTimeOffset cutoff) => Steps.TakeWhile(s => s.Timestamp < cutoff);

    /// <summary>The sessions of the steps before <paramref name="cutoff"/> (all steps when null).</summary>
    public IReadOnlyList<JourneySession> Sessions(DateTimeOffset? cutoff = null) => SessionsOf(cutoff is { } c ? Before(c) : Steps);

    /// <summary>Splits ordered steps into sessions at every gap longer than <see cref="SessionGap"/>.</summary>
    public static IReadOnlyList<JourneySession> SessionsOf(IEnumerable<JourneyStep> orderedSteps)
    {
        ArgumentNullException.ThrowIfNull(orderedSteps);
        var sessions = new List<JourneySession>();
        DateTimeOffset? start = null, end = null;
        var count = 0;
        foreach (var step in orderedSteps)
        {
            if (end is { } last && step.Timestamp - last > SessionGap)
            {
                sessions.Add(new JourneySession(start!.Value, last, count));
                (start, count) = (null, 0);
            }

            start ??= step.Timestamp;
            end = step.Timestamp;
            count++;
        }

        if (start is { } s)
        {
            sessions.Add(new JourneySession(s, end!.Value, count));
        }

        return sessions;
    }
}
