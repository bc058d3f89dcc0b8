using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.Events;

namespace Engagement.Core.Segments;

/// <summary>A segment: a named rule over people's traits, interests, scores, events, consents and other segments.</summary>
/// <param name="Name">What marketers call it.</param>
/// <param name="Description">What it is for, if said.</param>
/// <param name="Rule">Who belongs.</param>
public sealed record SegmentDefinition(string Name, string? Description, SegmentCondition Rule);

/// <summary>A condition of a segment's rule: a combination (<c>all</c>, <c>any</c>, <c>not</c>) or a leaf.</summary>
public abstract record SegmentCondition;

/// <summary>Every condition holds (an empty list holds for everyone).</summary>
/// <param name="Conditions">The conditions.</param>
public sealed record AllOf(IReadOnlyList<SegmentCondition> Conditions) : SegmentCondition;

/// <summary>At least one condition holds.</summary>
/// <param name="Conditions">The conditions.</param>
public sealed record AnyOf(IReadOnlyList<SegmentCondition> Conditions) : SegmentCondition;

/// <summary>The condition does not hold.</summary>
/// <param name="Condition">The condition.</param>
public sealed record NotOf(SegmentCondition Condition) : SegmentCondition;

/// <summary>How a value is compared.</summary>
public enum ValueOp
{
    /// <summary>Equal (strings without regard to case, numbers by value).</summary>
    Eq,
    /// <summary>Not equal; also holds when the value is missing.</summary>
    Ne,
    /// <summary>Greater than (numbers by value, strings such as ISO dates in ordinal order).</summary>
    Gt,
    /// <summary>Less than.</summary>
    Lt,
    /// <summary>Greater than or equal.</summary>
    Gte,
    /// <summary>Less than or equal.</summary>
    Lte,
    /// <summary>A string contains the text (without regard to case), or an array contains the value.</summary>
    Contains,
    /// <summary>The value is present (and not null); takes no value.</summary>
    Exists,
}

/// <summary>A comparison of a value found at a path with a given value.</summary>
/// <param name="Path">Dotted path into the object (<c>address.city</c>).</param>
/// <param name="Op">The comparison.</param>
/// <param name="Value">The value compared with; none for <see cref="ValueOp.Exists"/>.</param>
public sealed record ValueTest(string Path, ValueOp Op, JsonElement? Value);

/// <summary>A profile trait compares as told.</summary>
/// <param name="Test">The comparison over the traits.</param>
public sealed record TraitCondition(ValueTest Test) : SegmentCondition;

/// <summary>The person's interest in a category scores at least <paramref name="MinScore"/> (0–1).</summary>
/// <param name="Category">Interest taxonomy id, e.g. <c>travel</c>.</param>
/// <param name="MinScore">The least score.</param>
public sealed record InterestCondition(string Category, double MinScore) : SegmentCondition;

/// <summary>The champion model's probability for a goal lies within bounds (either may be open).</summary>
/// <param name="Goal">The goal.</param>
/// <param name="Min">Least probability, inclusive.</param>
/// <param name="Max">Greatest probability, inclusive.</param>
public sealed record ScoreCondition(string Goal, double? Min, double? Max) : SegmentCondition;

/// <summary>How many matching events are required.</summary>
/// <param name="Op">The comparison (eq, ne, gt, lt, gte, lte).</param>
/// <param name="N">The number compared with.</param>
public sealed record CountTest(ValueOp Op, long N);

/// <summary>
/// The person did (or did not) do something within a time window: events with a name (track events) or of a kind,
/// optionally whose properties compare as told, counted against <paramref name="Count"/>.
/// </summary>
/// <param name="Name">The event name, e.g. <c>Order Completed</c>; null to match by kind only.</param>
/// <param name="Kind">The event kind; null to match by name only.</param>
/// <param name="Within">How far back from now the window reaches; null for all time.</param>
/// <param name="Did">True: the count must hold; false: no matching event at all.</param>
/// <param name="Count">The count required when <paramref name="Did"/>; at least one when not given.</param>
/// <param name="Property">A comparison each counted event's properties must pass.</param>
public sealed record EventCondition(string? Name, EventKind? Kind, TimeSpan? Within, bool Did, CountTest Count, ValueTest? Property) : SegmentCondition;

/// <summary>What a consent leaf asks for.</summary>
public enum ConsentState
{
    /// <summary>The latest decision granted the purpose.</summary>
    Granted,
    /// <summary>The latest decision denied or withdrew it.</summary>
    Denied,
    /// <summary>No decision is recorded.</summary>
    None,
}

/// <summary>The person's consent for a purpose over a channel is in a state.</summary>
/// <param name="Purpose">The purpose, e.g. <c>marketing</c>.</param>
/// <param name="Channel">The channel.</param>
/// <param name="State">The state required.</param>
public sealed record ConsentCondition(string Purpose, ContactChannel Channel, ConsentState State) : SegmentCondition;

/// <summary>The person belongs to another segment.</summary>
/// <param name="SegmentId">The other segment's id.</param>
public sealed record MembershipCondition(string SegmentId) : SegmentCondition;
