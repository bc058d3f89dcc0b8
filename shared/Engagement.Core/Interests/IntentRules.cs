using System.Globalization;
using System.Text.RegularExpressions;

namespace Engagement.Core.Interests;

/// <summary>
/// When to say that someone probably intends something: at least <paramref name="MinSignals"/> distinct pieces of
/// evidence matching <paramref name="Rules"/> within <paramref name="Window"/>.
/// </summary>
/// <param name="Name">Stable name: lower-case letters, digits and dashes (<c>travel-intent</c>).</param>
/// <param name="Description">What it means, for people (<c>probably going to travel</c>).</param>
/// <param name="Window">How far back evidence counts.</param>
/// <param name="MinSignals">How many distinct pieces of evidence it takes.</param>
/// <param name="Rules">The keywords and domains that are evidence.</param>
public sealed record IntentRule(string Name, string Description, TimeSpan Window, int MinSignals, IReadOnlyList<KeywordRule> Rules);

/// <summary>
/// The intent rules in force. Valid by construction: names unique, windows positive, every rule able to match.
/// Configured as JSON (<see cref="Parse"/>, <see cref="ToJson"/>).
/// </summary>
public sealed partial class IntentRules
{
    /// <summary>Longest window accepted.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    /// <summary>Most evidence a rule may require.</summary>
    public const int MaxMinSignals = 100;

    private const int MaxNameLength = 40;

    /// <summary>Rules of <paramref name="rules"/>, in the given order.</summary>
    /// <exception cref="ArgumentException">The rules are invalid (see <see cref="Validate"/>).</exception>
    public IntentRules(IEnumerable<IntentRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var given = rules.ToList();
        var errors = Validate(given);
        if (errors.Count > 0)
        {
            throw new ArgumentException("The intent rules are invalid: " + string.Join(" ", errors), nameof(rules));
        }

        // A copy of each keyword list, so a caller changing its list later cannot change the rules.
        Rules = [.. given.Select(r => r with { Rules = [.. r.Rules] })];
        Index = new KeywordIndex([.. Rules.Select(r => r.Rules)]);
    }

    /// <summary>The rules, in configured order.</summary>
    public IReadOnlyList<IntentRule> Rules { get; }

    /// <summary>The rules' keywords, indexed for matching.</summary>
    internal KeywordIndex Index { get; }

    /// <summary>Everything that keeps <paramref name="rules"/> from being valid; empty when they are.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<IntentRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var path = $"intents[{i}]";
            var rule = rules[i];
            if (rule is null)
            {
                errors.Add($"{path}: the rule is missing.");
                continue;
            }

            if (string.IsNullOrEmpty(rule.Name) || rule.Name.Length > MaxNameLength || !NamePattern().IsMatch(rule.Name))
            {
                errors.Add($"{path}.name: \"{rule.Name}\" is not a name: use 1–{MaxNameLength} lower-case letters, digits and dashes, starting with a letter.");
            }
            else if (!names.Add(rule.Name))
            {
                errors.Add($"{path}.name: \"{rule.Name}\" is used by an earlier rule; names must be unique.");
            }

            if (string.IsNullOrWhiteSpace(rule.Description))
            {
                errors.Add($"{path}.description: the description is empty.");
            }

            if (WindowProblem(rule.Window.TotalDays) is { } window)
            {
                errors.Add($"{path}.windowDays: {window}");
            }

            if (MinSignalsProblem(rule.MinSignals) is { } minSignals)
            {
                errors.Add($"{path}.minSignals: {minSignals}");
            }

            errors.AddRange(InterestJson.Problems(rule.Rules ?? [], path));
        }

        return errors;
    }

    /// <summary>
    /// Reads rules from JSON: <c>{"intents":[{"name","description","windowDays","minSignals","rules":[…]}]}</c>, rules as
    /// in <see cref="InterestTaxonomy.Parse"/>. An empty list is valid: no intents are detected.
    /// </summary>
    /// <returns>The rules, or every problem found.</returns>
    public static ParseResult<IntentRules> Parse(string json)
    {
        var reader = new InterestJson();
        using var document = reader.Open(json);
        if (document is null)
        {
            return new ParseResult<IntentRules>(reader.Errors);
        }

        var rules = new List<IntentRule>();
        if (reader.IsObject(document.RootElement, "The configuration", "intents"))
        {
            var items = reader.Array(document.RootElement, "intents", string.Empty);
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"intents[{i}]";
                var item = items[i];
                if (!reader.IsObject(item, path, "name", "description", "windowDays", "minSignals", "rules"))
                {
                    continue;
                }

                var name = reader.String(item, "name", path);
                var description = reader.String(item, "description", path);
                var windowDays = reader.Number(item, "windowDays", path, null);
                var minSignals = reader.Number(item, "minSignals", path, null);

                // Out-of-range numbers are reported here, before they are turned into a TimeSpan or an int.
                if (windowDays is { } days && WindowProblem(days) is { } window)
                {
                    reader.Errors.Add($"{path}.windowDays: {window}");
                }

                if (minSignals is { } count && MinSignalsProblem(count) is { } tooFew)
                {
                    reader.Errors.Add($"{path}.minSignals: {tooFew}");
                }

                var keywords = reader.Rules(item, path);
                if (reader.Errors.Count == 0)
                {
                    rules.Add(new IntentRule(name!, description!, TimeSpan.FromDays(windowDays!.Value), (int)minSignals!.Value, keywords));
                }
            }
        }

        if (reader.Errors.Count > 0)
        {
            return new ParseResult<IntentRules>(reader.Errors);
        }

        var errors = Validate(rules);
        return errors.Count > 0 ? new ParseResult<IntentRules>(errors) : new ParseResult<IntentRules>(new IntentRules(rules));
    }

    /// <summary>The rules as JSON that <see cref="Parse"/> reads back to equal rules.</summary>
    public string ToJson() => InterestJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("intents");
        foreach (var rule in Rules)
        {
            writer.WriteStartObject();
            writer.WriteString("name", rule.Name);
            writer.WriteString("description", rule.Description);
            writer.WriteNumber("windowDays", rule.Window.TotalDays);
            writer.WriteNumber("minSignals", rule.MinSignals);
            InterestJson.WriteRules(writer, rule.Rules);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static string? WindowProblem(double days) => days > 0 && days <= MaxWindow.TotalDays
        ? null
        : $"the window must be more than 0 and at most {MaxWindow.TotalDays.ToString(CultureInfo.InvariantCulture)} days (got {days.ToString(CultureInfo.InvariantCulture)}).";

    private static string? MinSignalsProblem(double count) => count >= 1 && count <= MaxMinSignals && count == Math.Floor(count)
        ? null
        : $"must be a whole number from 1 to {MaxMinSignals.ToString(CultureInfo.InvariantCulture)} (got {count.ToString(CultureInfo.InvariantCulture)}).";

    [GeneratedRegex("^[a-z][a-z0-9-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
