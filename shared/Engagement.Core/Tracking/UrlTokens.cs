using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Engagement.Core.Tracking;

/// <summary>Turns URL paths and queries into word tokens for interest extraction.</summary>
public static class UrlTokens
{
    private const int MaxTokens = 40;
    private const int MaxTokenLength = 40;

    private static readonly HashSet<string> Noise = new(StringComparer.Ordinal)
    {
        "www", "http", "https", "html", "htm", "php", "aspx", "asp", "jsp", "index", "default", "amp",
        "utm", "source", "medium", "gclid", "fbclid", "cz", "com", "net", "org", "eu", "sk", "de",
    };

    // The hosts run with invariant globalization, where string.Normalize leaves precomposed letters such as 'á' or 'ř'
    // as they are; so Latin letters with diacritics are folded from this table, and combining marks (already
    // decomposed text) are dropped.
    private static readonly FrozenDictionary<char, string> LatinFolds = new (string Letters, string Base)[]
    {
        ("ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "a"), ("Ææ", "ae"), ("ÇçĆćĈĉĊċČč", "c"), ("ĎďĐđÐð", "d"),
        ("ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "e"), ("ĜĝĞğĠġĢģ", "g"), ("ĤĥĦħ", "h"), ("ÌÍÎÏìíîïĨĩĪīĬĭĮįİı", "i"),
        ("Ĳĳ", "ij"), ("Ĵĵ", "j"), ("Ķķĸ", "k"), ("ĹĺĻļĽľĿŀŁł", "l"), ("ÑñŃńŅņŇňŉŊŋ", "n"),
        ("ÒÓÔÕÖØòóôõöøŌōŎŏŐő", "o"), ("Œœ", "oe"), ("ŔŕŖŗŘř", "r"), ("ŚśŜŝŞşŠšſȘș", "s"), ("ß", "ss"),
        ("ŢţŤťŦŧȚț", "t"), ("Þþ", "th"), ("ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "u"), ("Ŵŵ", "w"), ("ÝýÿŶŷŸ", "y"),
        ("ŹźŻżŽž", "z"),
    }
    .SelectMany(fold => fold.Letters.Select(letter => KeyValuePair.Create(letter, fold.Base)))
    .ToFrozenDictionary();

    /// <summary>Lower-case, accent-free tokens of the path and query of <paramref name="urlOrPath"/>, in order, without repeats.</summary>
    public static IReadOnlyList<string> FromUrl(string? urlOrPath)
    {
        if (string.IsNullOrWhiteSpace(urlOrPath))
        {
            return [];
        }

        var text = urlOrPath;
        if (Uri.TryCreate(urlOrPath, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            text = uri.AbsolutePath + " " + uri.Query;
        }

        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            decoded = text;
        }

        return FromText(decoded);
    }

    /// <summary>Lower-case, accent-free word tokens of free text (titles, screen names).</summary>
    public static IReadOnlyList<string> FromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var folded = RemoveDiacritics(text).ToLowerInvariant();
        var tokens = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = new StringBuilder();
        foreach (var ch in folded.Append(' '))
        {
            if (char.IsLetterOrDigit(ch))
            {
                current.Append(ch);
                continue;
            }

            if (current.Length > 0)
            {
                var token = current.ToString();
                current.Clear();
                if (IsUseful(token) && seen.Add(token))
                {
                    tokens.Add(token);
                    if (tokens.Count == MaxTokens)
                    {
                        break;
                    }
                }
            }
        }

        return tokens;
    }

    private static bool IsUseful(string token) =>
        token.Length >= 2 && token.Length <= MaxTokenLength && !token.All(char.IsDigit) && !Noise.Contains(token);

    /// <summary>Text with Czech and other Latin diacritics removed (<c>Řecko</c> → <c>Recko</c>).</summary>
    public static string RemoveDiacritics(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var result = new StringBuilder(decomposed.Length);
        foreach (var ch in decomposed)
        {
            if (LatinFolds.TryGetValue(ch, out var folded))
            {
                result.Append(folded);
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(ch) != UnicodeCategory.NonSpacingMark)
            {
                result.Append(ch);
            }
        }

        return result.ToString().Normalize(NormalizationForm.FormC);
    }
}
