using System.Text.RegularExpressions;

namespace Engagement.Core.Interests;

/// <summary>One interest of the taxonomy, such as travel, with the keywords that show it.</summary>
/// <param name="Id">Stable id: lower-case letters, digits and underscores, starting with a letter (<c>travel</c>, <c>new_baby</c>).</param>
/// <param name="Name">Display name.</param>
/// <param name="Rules">Keywords in Czech and English, and domains.</param>
public sealed record InterestCategory(string Id, string Name, IReadOnlyList<KeywordRule> Rules);

/// <summary>
/// The interests a profile can have and the keyword rules that reveal them. Valid by construction: ids unique,
/// every rule able to match, every weight greater than zero. Configured as JSON (<see cref="Parse"/>, <see cref="ToJson"/>).
/// </summary>
public sealed partial class InterestTaxonomy
{
    /// <summary>What every interest feature's name starts with.</summary>
    public const string FeaturePrefix = "interest_";

    private const int MaxIdLength = 40;

    private readonly Dictionary<string, InterestCategory> _byId;

    /// <summary>A taxonomy of <paramref name="categories"/>, in the given order.</summary>
    /// <exception cref="ArgumentException">The categories are not a valid taxonomy (see <see cref="Validate"/>).</exception>
    public InterestTaxonomy(IEnumerable<InterestCategory> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var given = categories.ToList();
        var errors = Validate(given);
        if (errors.Count > 0)
        {
            throw new ArgumentException("The interest taxonomy is invalid: " + string.Join(" ", errors), nameof(categories));
        }

        // A copy of each rule list, so a caller changing its list later cannot change the taxonomy.
        Categories = [.. given.Select(c => c with { Rules = [.. c.Rules] })];
        _byId = Categories.ToDictionary(c => c.Id, StringComparer.Ordinal);
        FeatureNames = [.. Categories.Select(c => FeatureName(c.Id)).Order(StringComparer.Ordinal)];
        Index = new KeywordIndex([.. Categories.Select(c => c.Rules)]);
    }

    /// <summary>The categories, in configured order.</summary>
    public IReadOnlyList<InterestCategory> Categories { get; }

    /// <summary>
    /// The model feature of every category (<c>interest_{id}</c>), sorted by name so the order does not depend on how
    /// the configuration lists the categories.
    /// </summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The categories' rules, indexed for matching.</summary>
    internal KeywordIndex Index { get; }

    /// <summary>The feature name of an interest id: <c>interest_{id}</c>.</summary>
    public static string FeatureName(string id) => FeaturePrefix + id;

    /// <summary>The category with this id, or null.</summary>
    public InterestCategory? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Everything that keeps <paramref name="categories"/> from being a taxonomy; empty when they are one.</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<InterestCategory> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var errors = new List<string>();
        if (categories.Count == 0)
        {
            errors.Add("categories: there are no categories.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < categories.Count; i++)
        {
            var path = $"categories[{i}]";
            var category = categories[i];
            if (category is null)
            {
                errors.Add($"{path}: the category is missing.");
                continue;
            }

            if (string.IsNullOrEmpty(category.Id) || category.Id.Length > MaxIdLength || !IdPattern().IsMatch(category.Id))
            {
                errors.Add($"{path}.id: \"{category.Id}\" is not an id: use 1–{MaxIdLength} lower-case letters, digits and underscores, starting with a letter.");
            }
            else if (!ids.Add(category.Id))
            {
                errors.Add($"{path}.id: \"{category.Id}\" is used by an earlier category; ids must be unique.");
            }

            if (string.IsNullOrWhiteSpace(category.Name))
            {
                errors.Add($"{path}.name: the display name is empty.");
            }

            errors.AddRange(InterestJson.Problems(category.Rules ?? [], path));
        }

        return errors;
    }

    /// <summary>Reads a taxonomy from JSON: <c>{"categories":[{"id","name","rules":[{"prefix"|"word"|"phrase"|"domain": text, "weight"?}]}]}</c>.</summary>
    /// <returns>The taxonomy, or every problem found (malformed JSON, duplicate ids, empty keywords, bad weights…).</returns>
    public static ParseResult<InterestTaxonomy> Parse(string json)
    {
        var reader = new InterestJson();
        using var document = reader.Open(json);
        if (document is null)
        {
            return new ParseResult<InterestTaxonomy>(reader.Errors);
        }

        var categories = new List<InterestCategory>();
        if (reader.IsObject(document.RootElement, "The configuration", "categories"))
        {
            var items = reader.Array(document.RootElement, "categories", string.Empty);
            for (var i = 0; i < items.Count; i++)
            {
                var path = $"categories[{i}]";
                if (reader.IsObject(items[i], path, "id", "name", "rules"))
                {
                    var id = reader.String(items[i], "id", path);
                    var name = reader.String(items[i], "name", path);
                    var rules = reader.Rules(items[i], path);
                    categories.Add(new InterestCategory(id ?? string.Empty, name ?? string.Empty, rules));
                }
            }
        }

        if (reader.Errors.Count > 0)
        {
            return new ParseResult<InterestTaxonomy>(reader.Errors);
        }

        var errors = Validate(categories);
        return errors.Count > 0 ? new ParseResult<InterestTaxonomy>(errors) : new ParseResult<InterestTaxonomy>(new InterestTaxonomy(categories));
    }

    /// <summary>The taxonomy as JSON that <see cref="Parse"/> reads back to an equal taxonomy.</summary>
    public string ToJson() => InterestJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("categories");
        foreach (var category in Categories)
        {
            writer.WriteStartObject();
            writer.WriteString("id", category.Id);
            writer.WriteString("name", category.Name);
            InterestJson.WriteRules(writer, category.Rules);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
