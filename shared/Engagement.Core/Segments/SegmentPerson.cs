using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.Events;

namespace Engagement.Core.Segments;

/// <summary>One event as a segment sees it.</summary>
/// <param name="Kind">Its kind.</param>
/// <param name="Name">Its name (track events), if any.</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Properties">Its properties as a JSON object, if any.</param>
public sealed record SegmentEvent(EventKind Kind, string? Name, DateTimeOffset Timestamp, JsonElement? Properties);

/// <summary>
/// What a segment is decided over for one person: profile traits, interest scores, goal scores, events and consent
/// statuses. Built per person while people stream past; nothing here refers to anyone else.
/// </summary>
public sealed record SegmentPerson
{
    /// <summary>The pseudonymous profile key.</summary>
    public required string Key { get; init; }

    /// <summary>The known user id, if any.</summary>
    public string? UserId { get; init; }

    /// <summary>Profile traits.</summary>
    public IReadOnlyDictionary<string, JsonElement> Traits { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>Interest scores (0–1) per taxonomy id.</summary>
    public IReadOnlyDictionary<string, double> Interests { get; init; } = new Dictionary<string, double>();

    /// <summary>Champion model probabilities per goal.</summary>
    public IReadOnlyDictionary<string, double> Scores { get; init; } = new Dictionary<string, double>();

    /// <summary>The person's events (any order).</summary>
    public IReadOnlyList<SegmentEvent> Events { get; init; } = [];

    /// <summary>Current consent statuses (see <see cref="ConsentLedger.Status"/>).</summary>
    public IReadOnlyList<ConsentStatus> Consents { get; init; } = [];
}
