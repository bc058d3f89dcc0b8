using System.Text.Json;
using Engagement.Core.Consent;

namespace Engagement.Core.Segments;

/// <summary>
/// Decides whether a person belongs to a segment. Pure: the person's view and <c>now</c> come in; other segments a
/// rule refers to are looked up among the saved definitions given at construction and decided for the same person.
/// </summary>
/// <param name="segments">Saved definitions by id, for <see cref="MembershipCondition"/>.</param>
public sealed class SegmentEvaluator(IReadOnlyDictionary<string, SegmentDefinition> segments)
{
    /// <summary>Whether <paramref name="person"/> belongs to the segment <paramref name="definition"/> at <paramref name="now"/>.</summary>
    public bool Matches(SegmentDefinition definition, SegmentPerson person, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(person);
        return Holds(definition.Rule, person, now, new Dictionary<string, bool?>(StringComparer.Ordinal));
    }

    // Memberships decided for this person; null marks one being decided, so a cycle (refused on save) cannot loop.
    private bool Holds(SegmentCondition condition, SegmentPerson person, DateTimeOffset now, Dictionary<string, bool?> memberships) => condition switch
    {
        AllOf all => all.Conditions.All(c => Holds(c, person, now, memberships)),
        AnyOf any => any.Conditions.Any(c => Holds(c, person, now, memberships)),
        NotOf not => !Holds(not.Condition, person, now, memberships),
        TraitCondition trait => Test(trait.Test, Lookup(person.Traits, trait.Test.Path)),
        InterestCondition interest => person.Interests.TryGetValue(interest.Category, out var score) && score >= interest.MinScore,
        ScoreCondition goal => person.Scores.TryGetValue(goal.Goal, out var p) && (goal.Min is null || p >= goal.Min) && (goal.Max is null || p <= goal.Max),
        EventCondition ev => EventHolds(ev, person, now),
        ConsentCondition consent => ConsentHolds(consent, person.Consents),
        MembershipCondition member => IsMember(member.SegmentId, person, now, memberships),
        _ => throw new ArgumentOutOfRangeException(nameof(condition), condition, "Unknown condition."),
    };

    private bool IsMember(string id, SegmentPerson person, DateTimeOffset now, Dictionary<string, bool?> memberships)
    {
        if (memberships.TryGetValue(id, out var known))
        {
            return known ?? false;
        }

        if (!segments.TryGetValue(id, out var other))
        {
            return false;
        }

        memberships[id] = null;
        var result = Holds(other.Rule, person, now, memberships);
        memberships[id] = result;
        return result;
    }

    private static bool EventHolds(EventCondition condition, SegmentPerson person, DateTimeOffset now)
    {
        var from = condition.Within is { } within ? now - within : DateTimeOffset.MinValue;
        long count = 0;
        foreach (var ev in person.Events)
        {
            if (ev.Timestamp < from || ev.Timestamp > now
                || (condition.Kind is { } kind && ev.Kind != kind)
                || (condition.Name is { } name && !string.Equals(ev.Name, name, StringComparison.OrdinalIgnoreCase))
                || (condition.Property is { } property && !Test(property, ev.Properties is { ValueKind: JsonValueKind.Object } p ? Lookup(p, property.Path) : null)))
            {
                continue;
            }

            count++;
        }

        return condition.Did ? Compare(count.CompareTo(condition.Count.N), condition.Count.Op) : count == 0;
    }

    private static bool ConsentHolds(ConsentCondition condition, IReadOnlyList<ConsentStatus> statuses)
    {
        var status = statuses.FirstOrDefault(s => s.Purpose == condition.Purpose && s.Channel == condition.Channel);
        return condition.State switch
        {
            ConsentState.None => status is null,
            ConsentState.Granted => status?.Decision == ConsentDecision.Granted,
            _ => status?.Decision is ConsentDecision.Denied or ConsentDecision.Withdrawn,
        };
    }

    private static JsonElement? Lookup(IReadOnlyDictionary<string, JsonElement> traits, string path)
    {
        // A trait named with dots wins over a walk into objects ("utm.source" may be one trait).
        if (traits.TryGetValue(path, out var whole))
        {
            return whole;
        }

        var dot = path.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && traits.TryGetValue(path[..dot], out var root) ? Lookup(root, path[(dot + 1)..]) : null;
    }

    private static JsonElement? Lookup(JsonElement element, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
            {
                return null;
            }
        }

        return element;
    }

    private static bool Test(ValueTest test, JsonElement? found)
    {
        var present = found is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };
        if (test.Op == ValueOp.Exists)
        {
            return present;
        }

        if (!present)
        {
            return test.Op == ValueOp.Ne;
        }

        var actual = found!.Value;
        var expected = test.Value!.Value;
        return test.Op switch
        {
            ValueOp.Eq => Same(actual, expected),
            ValueOp.Ne => !Same(actual, expected),
            ValueOp.Contains => actual.ValueKind switch
            {
                JsonValueKind.String => expected.ValueKind == JsonValueKind.String
                    ? actual.GetString()!.Contains(expected.GetString()!, StringComparison.OrdinalIgnoreCase)
                    : actual.GetString()!.Contains(expected.GetRawText(), StringComparison.OrdinalIgnoreCase),
                JsonValueKind.Array => actual.EnumerateArray().Any(item => Same(item, expected)),
                _ => false,
            },
            _ => Order(actual, expected) is { } order && Compare(order, test.Op),
        };
    }

    private static bool Same(JsonElement actual, JsonElement expected)
    {
        if (Order(actual, expected) is { } order)
        {
            return order == 0 && (actual.ValueKind != JsonValueKind.String || string.Equals(actual.GetString(), expected.GetString(), StringComparison.OrdinalIgnoreCase));
        }

        return actual.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? expected.ValueKind == actual.ValueKind
                || (expected.ValueKind == JsonValueKind.String && bool.TryParse(expected.GetString(), out var b) && b == actual.GetBoolean())
            : JsonElement.DeepEquals(actual, expected);
    }

    /// <summary>Numbers by value (a number-like string counts as its number), strings ordinally without case; null when they do not compare.</summary>
    private static int? Order(JsonElement actual, JsonElement expected)
    {
        if (AsNumber(actual) is { } a && AsNumber(expected) is { } e && (actual.ValueKind == JsonValueKind.Number || expected.ValueKind == JsonValueKind.Number))
        {
            return a.CompareTo(e);
        }

        return actual.ValueKind == JsonValueKind.String && expected.ValueKind == JsonValueKind.String
            ? Math.Sign(string.Compare(actual.GetString(), expected.GetString(), StringComparison.OrdinalIgnoreCase))
            : null;
    }

    private static double? AsNumber(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.String when double.TryParse(element.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    private static bool Compare(int order, ValueOp op) => op switch
    {
        ValueOp.Eq => order == 0,
        ValueOp.Ne => order != 0,
        ValueOp.Gt => order > 0,
        ValueOp.Lt => order < 0,
        ValueOp.Gte => order >= 0,
        ValueOp.Lte => order <= 0,
        _ => false,
    };
}
