using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Engagement.Core.Interests;

/// <summary>
/// Reads and writes the JSON of taxonomies and intent rules, and writes intent event properties. Reading collects every
/// problem with its place in the document rather than stopping at the first.
/// </summary>
internal sealed class InterestJson
{
    private static readonly string[] RuleProperties = ["prefix", "word", "phrase", "domain", "weight"];

    /// <summary>Problems found so far.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>Parses a document leniently as to comments and trailing commas (people edit these files); null and an error when malformed.</summary>
    public JsonDocument? Open(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            Errors.Add("The configuration is empty; expected a JSON object.");
            return null;
        }

        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            Errors.Add($"The configuration is not valid JSON: {ex.Message}");
            return null;
        }
    }

    /// <summary>True when <paramref name="element"/> is an object holding no properties but <paramref name="allowed"/>.</summary>
    public bool IsObject(JsonElement element, string path, params string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Errors.Add($"{path}: expected a JSON object.");
            return false;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                Errors.Add($"{path}: unknown property \"{property.Name}\" (expected {string.Join(", ", allowed.Select(a => "\"" + a + "\""))}).");
            }
        }

        return true;
    }

    /// <summary>The items of a required array property (whether it may be empty is the caller's rule).</summary>
    public IReadOnlyList<JsonElement> Array(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            Errors.Add($"{Join(path, name)}: expected an array.");
            return [];
        }

        return [.. value.EnumerateArray()];
    }

    /// <summary>A required string property; null (and an error) when missing or not a string.</summary>
    public string? String(JsonElement parent, string name, string path)
    {
        if (parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        Errors.Add($"{Join(path, name)}: expected a string.");
        return null;
    }

    /// <summary>A number property; <paramref name="fallback"/> when absent, null (and an error) when not a number.</summary>
    public double? Number(JsonElement parent, string name, string path, double? fallback)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            if (fallback is null)
            {
                Errors.Add($"{Join(path, name)}: expected a number.");
            }

            return fallback;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
        {
            return number;
        }

        Errors.Add($"{Join(path, name)}: expected a number (got {value.GetRawText()}).");
        return null;
    }

    /// <summary>The keyword rules of the array property <c>rules</c>; malformed ones are reported and left out.</summary>
    public List<KeywordRule> Rules(JsonElement parent, string path)
    {
        var rules = new List<KeywordRule>();
        var items = Array(parent, "rules", path);
        for (var i = 0; i < items.Count; i++)
        {
            var rulePath = $"{Join(path, "rules")}[{i}]";
            var item = items[i];
            if (!IsObject(item, rulePath, RuleProperties))
            {
                continue;
            }

            var kinds = item.EnumerateObject().Where(p => p.Name != "weight").ToList();
            if (kinds.Count != 1)
            {
                Errors.Add($"{rulePath}: a rule needs exactly one of \"prefix\", \"word\", \"phrase\" or \"domain\".");
                continue;
            }

            var kind = kinds[0];
            var match = kind.Name switch
            {
                "prefix" => KeywordMatch.Prefix,
                "word" => KeywordMatch.Word,
                "phrase" => KeywordMatch.Phrase,
                _ => KeywordMatch.Domain,
            };
            if (kind.Value.ValueKind != JsonValueKind.String)
            {
                Errors.Add($"{rulePath}.{kind.Name}: expected a string.");
                continue;
            }

            if (Number(item, "weight", rulePath, 1) is not { } weight)
            {
                continue;
            }

            // Whether the rule can match is checked with the rules built in code, in one place: Problems.
            rules.Add(new KeywordRule(match, kind.Value.GetString()!, weight));
        }

        return rules;
    }

    /// <summary>Writes a document, keeping letters such as "ř" readable rather than escaped.</summary>
    public static string Write(Action<Utf8JsonWriter> write, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) }))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes rules as the array property <c>rules</c>.</summary>
    public static void WriteRules(Utf8JsonWriter writer, IEnumerable<KeywordRule> rules)
    {
        writer.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            writer.WriteStartObject();
            writer.WriteString(rule.Match switch
            {
                KeywordMatch.Prefix => "prefix",
                KeywordMatch.Word => "word",
                KeywordMatch.Phrase => "phrase",
                _ => "domain",
            }, rule.Text);
            if (rule.Weight != 1)
            {
                writer.WriteNumber("weight", rule.Weight);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Problems of rules built in code, and duplicates (the same match of the same folded text) among them.</summary>
    public static IEnumerable<string> Problems(IReadOnlyList<KeywordRule> rules, string path)
    {
        if (rules.Count == 0)
        {
            yield return $"{path}.rules: there are no rules.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule is null)
            {
                yield return $"{path}.rules[{i}]: the rule is missing.";
                continue;
            }

            if (rule.Problem() is { } problem)
            {
                yield return $"{path}.rules[{i}]: {problem}";
            }
            else if (!seen.Add(rule.Match.ToString() + ":" + string.Join(' ', rule.FoldedTokens())))
            {
                yield return $"{path}.rules[{i}]: \"{rule.Text}\" repeats an earlier {rule.Match.ToString().ToLowerInvariant()} rule.";
            }
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
