using System.Globalization;
using System.Text.Json;
using System.Xml;
using Engagement.Core.Consent;
using Engagement.Core.Events;

namespace Engagement.Core.Segments;

/// <summary>A definition, or every error found in it, each naming the JSON path of the bad part.</summary>
/// <param name="Definition">The definition when there are no errors.</param>
/// <param name="Errors">The errors, e.g. <c>$.rule.any[2].event.within: "P3X" is not a duration</c>.</param>
public sealed record SegmentParseResult(SegmentDefinition? Definition, IReadOnlyList<string> Errors)
{
    /// <summary>Whether the definition is valid.</summary>
    public bool IsValid => Definition is not null && Errors.Count == 0;
}

/// <summary>
/// Reads a segment definition from JSON. Every error is collected (not just the first) with the JSON path of the part
/// it is about, so a marketer can fix a whole definition in one go.
/// </summary>
/// <remarks>
/// Shape: <c>{"name": "…", "description": "…", "rule": condition}</c>, where a condition is one object with exactly one of
/// <c>all</c> / <c>any</c> (arrays of conditions), <c>not</c> (a condition), <c>trait</c>, <c>interest</c>, <c>score</c>,
/// <c>event</c>, <c>consent</c> or <c>segment</c>.
/// </remarks>
public static class SegmentParser
{
    /// <summary>How deep conditions may nest.</summary>
    public const int MaxDepth = 32;

    /// <summary>How many conditions a definition may hold.</summary>
    public const int MaxConditions = 500;

    private static readonly string[] ConditionKeys = ["all", "any", "not", "trait", "interest", "score", "event", "consent", "segment"];
    private static readonly Dictionary<string, ValueOp> Ops = new(StringComparer.Ordinal)
    {
        ["eq"] = ValueOp.Eq, ["ne"] = ValueOp.Ne, ["gt"] = ValueOp.Gt, ["lt"] = ValueOp.Lt, ["gte"] = ValueOp.Gte, ["lte"] = ValueOp.Lte,
        ["contains"] = ValueOp.Contains, ["exists"] = ValueOp.Exists,
    };

    /// <summary>Parses a definition from JSON text.</summary>
    public static SegmentParseResult Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth * 2 + 8 });
            return Parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            return new SegmentParseResult(null, [$"$: not valid JSON ({ex.Message.Split(". ")[0]})"]);
        }
    }

    /// <summary>Parses a definition from a JSON element.</summary>
    public static SegmentParseResult Parse(JsonElement root)
    {
        var reader = new Reader();
        var definition = reader.Definition(root);
        return reader.Errors.Count == 0 ? new SegmentParseResult(definition, []) : new SegmentParseResult(null, reader.Errors);
    }

    private sealed class Reader
    {
        private int _conditions;

        public List<string> Errors { get; } = [];

        public SegmentDefinition? Definition(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Errors.Add("$: a segment definition must be an object with name and rule");
                return null;
            }

            // "id" is the caller's choice of id, checked where segments are saved.
            Only(root, "$", "id", "name", "description", "rule");
            var name = RequiredString(root, "$", "name");
            if (name is { Length: > 200 })
            {
                Errors.Add("$.name: at most 200 characters");
            }

            string? description = null;
            if (root.TryGetProperty("description", out var d))
            {
                if (d.ValueKind == JsonValueKind.String)
                {
                    description = d.GetString();
                }
                else if (d.ValueKind != JsonValueKind.Null)
                {
                    Errors.Add("$.description: must be a string");
                }
            }

            SegmentCondition? rule = null;
            if (!root.TryGetProperty("rule", out var r))
            {
                Errors.Add("$.rule: is required");
            }
            else
            {
                rule = Condition(r, "$.rule", 1);
            }

            return name is null || rule is null ? null : new SegmentDefinition(name, description, rule);
        }

        private SegmentCondition? Condition(JsonElement element, string path, int depth)
        {
            if (++_conditions > MaxConditions)
            {
                if (_conditions == MaxConditions + 1)
                {
                    Errors.Add($"{path}: a definition may hold at most {MaxConditions} conditions");
                }

                return null;
            }

            if (depth > MaxDepth)
            {
                Errors.Add($"{path}: conditions may nest at most {MaxDepth} deep");
                return null;
            }

            if (element.ValueKind != JsonValueKind.Object)
            {
                Errors.Add($"{path}: a condition must be an object with one of: {string.Join(", ", ConditionKeys)}");
                return null;
            }

            var keys = element.EnumerateObject().Select(p => p.Name).ToList();
            if (keys.Count != 1 || !ConditionKeys.Contains(keys[0], StringComparer.Ordinal))
            {
                var found = keys.Count == 0 ? "nothing" : string.Join(", ", keys.Select(k => $"\"{k}\""));
                Errors.Add($"{path}: a condition must have exactly one of {string.Join(", ", ConditionKeys)}; found {found}");
                return null;
            }

            var key = keys[0];
            var body = element.GetProperty(key);
            var at = $"{path}.{key}";
            return key switch
            {
                "all" => List(body, at, depth) is { } all ? new AllOf(all) : null,
                "any" => List(body, at, depth) is { } any ? new AnyOf(any) : null,
                "not" => Condition(body, at, depth + 1) is { } inner ? new NotOf(inner) : null,
                "trait" => Trait(body, at),
                "interest" => Interest(body, at),
                "score" => Score(body, at),
                "event" => Event(body, at),
                "consent" => ConsentLeaf(body, at),
                _ => Membership(body, at),
            };
        }

        private List<SegmentCondition>? List(JsonElement body, string path, int depth)
        {
            if (body.ValueKind != JsonValueKind.Array)
            {
                Errors.Add($"{path}: must be an array of conditions");
                return null;
            }

            var conditions = new List<SegmentCondition>();
            var ok = true;
            var index = 0;
            foreach (var item in body.EnumerateArray())
            {
                if (Condition(item, $"{path}[{index++}]", depth + 1) is { } condition)
                {
                    conditions.Add(condition);
                }
                else
                {
                    ok = false;
                }
            }

            return ok ? conditions : null;
        }

        private TraitCondition? Trait(JsonElement body, string path)
        {
            if (!IsObject(body, path))
            {
                return null;
            }

            Only(body, path, "path", "op", "value");
            return Test(body, path, "path") is { } test ? new TraitCondition(test) : null;
        }

        private ValueTest? Test(JsonElement body, string path, string pathKey)
        {
            var valuePath = RequiredString(body, path, pathKey);
            if (valuePath is not null && valuePath.Split('.').Any(string.IsNullOrWhiteSpace))
            {
                Errors.Add($"{path}.{pathKey}: \"{valuePath}\" is not a dotted path (e.g. address.city)");
                valuePath = null;
            }

            var op = Op(body, path, "op", all: true);
            var hasValue = body.TryGetProperty("value", out var value) && value.ValueKind != JsonValueKind.Null;
            if (op == ValueOp.Exists && hasValue)
            {
                Errors.Add($"{path}.value: exists takes no value");
                return null;
            }

            if (op is not null and not ValueOp.Exists && !hasValue)
            {
                Errors.Add($"{path}.value: is required for {Name(op.Value)}");
                return null;
            }

            if (op is ValueOp.Gt or ValueOp.Lt or ValueOp.Gte or ValueOp.Lte && hasValue && value.ValueKind is not (JsonValueKind.Number or JsonValueKind.String))
            {
                Errors.Add($"{path}.value: {Name(op.Value)} compares a number or a string, not {value.ValueKind.ToString().ToLowerInvariant()}");
                return null;
            }

            if (op is ValueOp.Contains && hasValue && value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                Errors.Add($"{path}.value: contains looks for a string, number or boolean");
                return null;
            }

            return valuePath is null || op is null ? null : new ValueTest(valuePath, op.Value, hasValue ? value.Clone() : null);
        }

        private InterestCondition? Interest(JsonElement body, string path)
        {
            if (!IsObject(body, path))
            {
                return null;
            }

            Only(body, path, "category", "minScore");
            var category = RequiredString(body, path, "category");
            var min = Number(body, path, "minScore", required: false) ?? 0.0;
            if (min is < 0 or > 1)
            {
                Errors.Add($"{path}.minScore: {min.ToString(CultureInfo.InvariantCulture)} is not between 0 and 1");
                return null;
            }

            return category is null ? null : new InterestCondition(category, min);
        }

        private ScoreCondition? Score(JsonElement body, string path)
        {
            if (!IsObject(body, path))
            {
                return null;
            }

            Only(body, path, "goal", "min", "max");
            var goal = RequiredString(body, path, "goal");
            var min = Number(body, path, "min", required: false);
            var max = Number(body, path, "max", required: false);
            var ok = true;
            foreach (var (bound, key) in new[] { (min, "min"), (max, "max") })
            {
                if (bound is < 0 or > 1)
                {
                    Errors.Add($"{path}.{key}: {bound.Value.ToString(CultureInfo.InvariantCulture)} is not a probability between 0 and 1");
                    ok = false;
                }
            }

            if (ok && min is null && max is null && !body.TryGetProperty("min", out _) && !body.TryGetProperty("max", out _))
            {
                Errors.Add($"{path}: give min, max or both");
                ok = false;
            }

            if (ok && min > max)
            {
                Errors.Add($"{path}.min: is greater than max");
                ok = false;
            }

            return ok && goal is not null ? new ScoreCondition(goal, min, max) : null;
        }

        private EventCondition? Event(JsonElement body, string path)
        {
            if (!IsObject(body, path))
            {
                return null;
            }

            Only(body, path, "name", "kind", "within", "did", "count", "property");
            var errors = Errors.Count;
            var name = OptionalString(body, path, "name");
            EventKind? kind = null;
            if (OptionalString(body, path, "kind") is { } kindName)
            {
                if (EventKindNames.TryParse(kindName, out var parsed))
                {
                    kind = parsed;
                }
                else
                {
                    Errors.Add($"{path}.kind: \"{kindName}\" is not an event kind ({string.Join(", ", Enum.GetValues<EventKind>().Select(k => k.ToWireName()))})");
                }
            }

            if (name is null && kind is null && !body.TryGetProperty("kind", out _) && !body.TryGetProperty("name", out _))
            {
                Errors.Add($"{path}: give the event's name, its kind or both");
            }

            TimeSpan? within = null;
            if (body.TryGetProperty("within", out var w))
            {
                within = Within(w, $"{path}.within");
            }

            var did = true;
            if (body.TryGetProperty("did", out var d))
            {
                if (d.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    did = d.GetBoolean();
                }
                else
                {
                    Errors.Add($"{path}.did: must be true (did) or false (did not)");
                }
            }

            var count = new CountTest(ValueOp.Gte, 1);
            if (body.TryGetProperty("count", out var c))
            {
                if (!did)
                {
                    Errors.Add($"{path}.count: a count means nothing with did: false (which requires no matching event)");
                }
                else if (IsObject(c, $"{path}.count"))
                {
                    Only(c, $"{path}.count", "op", "n");
                    var op = Op(c, $"{path}.count", "op", all: false);
                    var n = Number(c, $"{path}.count", "n", required: true);
                    if (n is { } value && (value < 0 || value != Math.Floor(value) || value > int.MaxValue))
                    {
                        Errors.Add($"{path}.count.n: {value.ToString(CultureInfo.InvariantCulture)} is not a whole number ≥ 0");
                    }
                    else if (op is { } o && n is { } whole)
                    {
                        count = new CountTest(o, (long)whole);
                    }
                }
            }

            ValueTest? property = null;
            if (body.TryGetProperty("property", out var p) && IsObject(p, $"{path}.property"))
            {
                Only(p, $"{path}.property", "path", "op", "value");
                property = Test(p, $"{path}.property", "path");
            }

            return Errors.Count == errors ? new EventCondition(name, kind, within, did, count, property) : null;
        }

        private TimeSpan? Within(JsonElement w, string path)
        {
            if (w.ValueKind == JsonValueKind.Number)
            {
                if (w.TryGetDouble(out var days) && days > 0 && days <= 3660)
                {
                    return TimeSpan.FromDays(days);
                }

                Errors.Add($"{path}: {w.GetRawText()} days is not more than 0 and at most 3660");
                return null;
            }

            if (w.ValueKind == JsonValueKind.String)
            {
                var text = w.GetString()!;
                try
                {
                    // ISO-8601 weeks (P2W), which xs:duration lacks.
                    if (text.Length > 2 && text[0] == 'P' && text[^1] == 'W'
                        && int.TryParse(text.AsSpan(1, text.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var weeks) && weeks is > 0 and <= 520)
                    {
                        return TimeSpan.FromDays(weeks * 7);
                    }

                    // ISO-8601 durations (P30D, PT12H, P1DT6H); years and months are refused below as they have no fixed length.
                    if (text.StartsWith('P') && !text.Contains('Y', StringComparison.Ordinal) && !text.Split('T')[0].Contains('M', StringComparison.Ordinal))
                    {
                        var span = XmlConvert.ToTimeSpan(text);
                        if (span > TimeSpan.Zero)
                        {
                            return span;
                        }
                    }
                }
                catch (FormatException)
                {
                    // Reported below.
                }
                catch (OverflowException)
                {
                    // Reported below.
                }

                Errors.Add($"{path}: \"{text}\" is not a duration (ISO-8601 in weeks, days, hours, minutes or seconds such as P30D or PT12H, or a number of days)");
                return null;
            }

            Errors.Add($"{path}: must be an ISO-8601 duration such as \"P30D\" or a number of days");
            return null;
        }

        private ConsentCondition? ConsentLeaf(JsonElement body, string path)
        {
            if (!IsObject(body, path))
            {
                return null;
            }

            Only(body, path, "purpose", "channel", "status");
            var purpose = RequiredString(body, path, "purpose");
            var channel = ContactChannel.Any;
            var ok = true;
            if (OptionalString(body, path, "channel") is { } channelName)
            {
                if (!Enum.TryParse(channelName, ignoreCase: true, out channel) || int.TryParse(channelName, out _))
                {
                    Errors.Add($"{path}.channel: \"{channelName}\" is not a channel ({string.Join(", ", Enum.GetNames<ContactChannel>().Select(n => n.ToLowerInvariant()))})");
                    ok = false;
                }
            }

            var state = ConsentState.Granted;
            if (RequiredString(body, path, "status") is { } stateName)
            {
                if (!Enum.TryParse(stateName, ignoreCase: true, out state) || int.TryParse(stateName, out _))
                {
                    Errors.Add($"{path}.status: \"{stateName}\" is not one of granted, denied, none");
                    ok = false;
                }
            }
            else
            {
                ok = false;
            }

            return ok && purpose is not null ? new ConsentCondition(purpose, channel, state) : null;
        }

        private MembershipCondition? Membership(JsonElement body, string path)
        {
            if (!IsObject(body, path))
            {
                return null;
            }

            Only(body, path, "id");
            return RequiredString(body, path, "id") is { } id ? new MembershipCondition(id) : null;
        }

        private ValueOp? Op(JsonElement body, string path, string key, bool all)
        {
            if (RequiredString(body, path, key) is not { } text)
            {
                return null;
            }

            if (Ops.TryGetValue(text, out var op) && (all || op is not (ValueOp.Contains or ValueOp.Exists)))
            {
                return op;
            }

            var allowed = all ? Ops.Keys : Ops.Keys.Where(k => k is not ("contains" or "exists"));
            Errors.Add($"{path}.{key}: \"{text}\" is not one of {string.Join(", ", allowed)}");
            return null;
        }

        private bool IsObject(JsonElement body, string path)
        {
            if (body.ValueKind == JsonValueKind.Object)
            {
                return true;
            }

            Errors.Add($"{path}: must be an object");
            return false;
        }

        private void Only(JsonElement body, string path, params string[] allowed)
        {
            foreach (var property in body.EnumerateObject().Where(p => !allowed.Contains(p.Name, StringComparer.Ordinal)))
            {
                Errors.Add($"{path}.{property.Name}: unknown field (expected {string.Join(", ", allowed)})");
            }
        }

        private string? RequiredString(JsonElement body, string path, string key)
        {
            if (!body.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                Errors.Add($"{path}.{key}: is required");
                return null;
            }

            if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            {
                Errors.Add($"{path}.{key}: must be a non-empty string");
                return null;
            }

            return value.GetString();
        }

        private string? OptionalString(JsonElement body, string path, string key) =>
            body.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? RequiredString(body, path, key) : null;

        private double? Number(JsonElement body, string path, string key, bool required)
        {
            if (!body.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    Errors.Add($"{path}.{key}: is required");
                }

                return null;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            {
                Errors.Add($"{path}.{key}: must be a number");
                return null;
            }

            return number;
        }

        private static string Name(ValueOp op) => op.ToString().ToLowerInvariant();
    }
}
