using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engagement.Core.Consent;

/// <summary>
/// One version of a consent text in one language: exactly what a subject is shown when asked about a purpose over a
/// channel. A text is never changed once used; a new wording is a new version, so every record can name what was shown.
/// </summary>
/// <param name="TextId">The text's id, e.g. <c>marketing-email</c>.</param>
/// <param name="Version">Its version, from 1.</param>
/// <param name="Language">Its language (<c>cs</c>, <c>en</c>).</param>
/// <param name="Purpose">The purpose it asks about.</param>
/// <param name="Channel">The channel the purpose is exercised over.</param>
/// <param name="Title">The short question or heading.</param>
/// <param name="Body">The full wording.</param>
public sealed record ConsentText(string TextId, int Version, string Language, string Purpose, ContactChannel Channel, string Title, string Body)
{
    /// <summary>The text as shown: title, a blank line, body. Its hash is what the ledger records.</summary>
    [JsonIgnore]
    public string Shown => Title + "\n\n" + Body;

    /// <summary>The reference a ledger record carries for this text.</summary>
    [JsonIgnore]
    public ConsentTextReference Reference => new(TextId, Version, Language, ConsentLedger.TextHash(Shown));
}

/// <summary>
/// Every consent text a deployment has ever shown, by id, version and language. The current text of an id in a language
/// is its highest version; older versions stay so that any recorded reference can be looked up and its hash checked.
/// </summary>
public sealed class ConsentTextCatalog
{
    /// <summary>The language texts fall back to when a subject's language has none.</summary>
    public const string FallbackLanguage = "en";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        WriteIndented = true,
    };

    private readonly Dictionary<(string TextId, int Version, string Language), ConsentText> _texts;

    /// <summary>A catalogue of the given texts; throws when <see cref="Validate"/> finds a problem.</summary>
    public ConsentTextCatalog(IEnumerable<ConsentText> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var list = texts.ToList();
        var errors = Validate(list);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid consent texts: " + string.Join("; ", errors), nameof(texts));
        }

        _texts = list.ToDictionary(t => (t.TextId, t.Version, t.Language));
        Languages = list.Select(t => t.Language).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The texts shipped with the product, in Czech and English.</summary>
    public static ConsentTextCatalog Default { get; } = new(DefaultConsentTexts.All);

    /// <summary>Every text, every version.</summary>
    public IReadOnlyCollection<ConsentText> All => _texts.Values;

    /// <summary>The languages any text exists in.</summary>
    public IReadOnlyList<string> Languages { get; }

    /// <summary>What is wrong with a set of texts (empty when fine).</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyCollection<ConsentText> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var errors = new List<string>();
        foreach (var text in texts)
        {
            var name = $"{text.TextId} v{text.Version} ({text.Language})";
            if (string.IsNullOrWhiteSpace(text.TextId) || string.IsNullOrWhiteSpace(text.Language) || string.IsNullOrWhiteSpace(text.Purpose))
            {
                errors.Add($"{name}: textId, language and purpose are required");
            }

            if (text.Version < 1)
            {
                errors.Add($"{name}: version must be 1 or more");
            }

            if (string.IsNullOrWhiteSpace(text.Title) || string.IsNullOrWhiteSpace(text.Body))
            {
                errors.Add($"{name}: title and body are required");
            }
        }

        errors.AddRange(texts.GroupBy(t => (t.TextId, t.Version, t.Language)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.TextId} v{g.Key.Version} ({g.Key.Language}) is defined {g.Count()} times"));
        errors.AddRange(texts.GroupBy(t => t.TextId).Where(g => g.Select(t => (t.Purpose, t.Channel)).Distinct().Count() > 1)
            .Select(g => $"{g.Key}: every version and language must ask about the same purpose and channel"));
        return errors;
    }

    /// <summary>Reads a catalogue from JSON: an array of texts (camelCase, channel as a name).</summary>
    public static ConsentTextCatalog Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var texts = JsonSerializer.Deserialize<List<ConsentText>>(json, Json)
            ?? throw new FormatException("The consent texts file holds no array of texts.");
        return new ConsentTextCatalog(texts);
    }

    /// <summary>The catalogue as JSON, readable by <see cref="Parse"/>.</summary>
    public string ToJson() => JsonSerializer.Serialize(_texts.Values.OrderBy(t => t.TextId, StringComparer.Ordinal).ThenBy(t => t.Version).ThenBy(t => t.Language, StringComparer.Ordinal), Json);

    /// <summary>One exact version; null when there is none.</summary>
    public ConsentText? Find(string textId, int version, string language) => _texts.GetValueOrDefault((textId, version, language));

    /// <summary>The current (highest) version of a text in a language, falling back to <see cref="FallbackLanguage"/>.</summary>
    public ConsentText? Current(string textId, string language) =>
        CurrentIn(textId, language) ?? CurrentIn(textId, FallbackLanguage);

    /// <summary>The current text asking about a purpose over a channel in a language (fallback as <see cref="Current"/>).</summary>
    public ConsentText? CurrentFor(string purpose, ContactChannel channel, string language)
    {
        var id = _texts.Values.Where(t => t.Purpose == purpose && t.Channel == channel).Select(t => t.TextId).Order(StringComparer.Ordinal).FirstOrDefault();
        return id is null ? null : Current(id, language);
    }

    /// <summary>The current version of every text id, in a language (fallback as <see cref="Current"/>), ordered by id.</summary>
    public IReadOnlyList<ConsentText> CurrentTexts(string language) =>
        _texts.Values.Select(t => t.TextId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(id => Current(id, language)).OfType<ConsentText>().ToList();

    /// <summary>Whether a reference names a text of this catalogue and carries its hash: what was recorded is what exists.</summary>
    public bool Holds(ConsentTextReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return Find(reference.TextId, reference.Version, reference.Language) is { } text
            && string.Equals(text.Reference.Sha256, reference.Sha256, StringComparison.OrdinalIgnoreCase);
    }

    private ConsentText? CurrentIn(string textId, string language) =>
        _texts.Values.Where(t => t.TextId == textId && t.Language == language).MaxBy(t => t.Version);
}
