using System.Globalization;
using System.Text.RegularExpressions;
using Engagement.Core.Tracking;

namespace Engagement.Core.Interests;

/// <summary>How a <see cref="KeywordRule"/> matches the words of a signal.</summary>
public enum KeywordMatch
{
    /// <summary>A word that starts with the text: a stem such as <c>cestov</c> matches <c>cestovani</c> and <c>cestovni</c>.</summary>
    Prefix,
    /// <summary>A word equal to the text.</summary>
    Word,
    /// <summary>Consecutive words equal to the words of the text, e.g. <c>pojištění do zahraničí</c>.</summary>
    Phrase,
    /// <summary>A host (ad domain, referrer, page host) equal to the text or a subdomain of it.</summary>
    Domain,
}

/// <summary>
/// One keyword of an interest category or intent rule. Texts are compared after the folding of
/// <see cref="UrlTokens"/> (lower case, no diacritics), so <c>dovolená</c> and <c>dovolena</c> are the same rule.
/// </summary>
/// <param name="Match">How the text matches.</param>
/// <param name="Text">The stem, word, phrase or domain as configured.</param>
/// <param name="Weight">How much one match counts; greater than zero, 1 for an ordinary keyword.</param>
public sealed partial record KeywordRule(KeywordMatch Match, string Text, double Weight = 1)
{
    /// <summary>Shortest stem a prefix rule accepts: shorter ones match too many unrelated words.</summary>
    public const int MinPrefixLength = 3;

    /// <summary>A stem matching every word that starts with it.</summary>
    public static KeywordRule Prefix(string text, double weight = 1) => new(KeywordMatch.Prefix, text, weight);

    /// <summary>A whole word.</summary>
    public static KeywordRule Word(string text, double weight = 1) => new(KeywordMatch.Word, text, weight);

    /// <summary>Consecutive words.</summary>
    public static KeywordRule Phrase(string text, double weight = 1) => new(KeywordMatch.Phrase, text, weight);

    /// <summary>A domain and its subdomains.</summary>
    public static KeywordRule Domain(string text, double weight = 1) => new(KeywordMatch.Domain, text, weight);

    /// <summary>The words (or, for a domain, the single host name) this rule compares, folded as signals are.</summary>
    internal IReadOnlyList<string> FoldedTokens() => Match == KeywordMatch.Domain
        ? (SignalText.NormalizeHost(Text) is { } host ? [host] : [])
        : UrlTokens.FromText(Text);

    /// <summary>What is wrong with this rule, or null when it can match.</summary>
    internal string? Problem()
    {
        if (!double.IsFinite(Weight) || Weight <= 0)
        {
            return $"weight must be a number greater than 0 (got {Weight.ToString(CultureInfo.InvariantCulture)}).";
        }

        if (string.IsNullOrWhiteSpace(Text))
        {
            return "the keyword is empty.";
        }

        var tokens = FoldedTokens();
        switch (Match)
        {
            case KeywordMatch.Domain:
                return tokens.Count == 1 && DomainPattern().IsMatch(tokens[0])
                    ? null
                    : $"\"{Text}\" is not a domain name such as \"cestovani.cz\" (ASCII letters, digits, dashes and dots; punycode for accented names).";
            case KeywordMatch.Prefix or KeywordMatch.Word:
                if (tokens.Count == 0)
                {
                    return $"\"{Text}\" has no word that can match (words need two or more letters, not only digits, and not URL noise such as \"www\").";
                }

                if (tokens.Count > 1 || !Text.Trim().All(char.IsLetterOrDigit))
                {
                    return $"\"{Text}\" is more than one word; use a phrase for several words.";
                }

                return Match == KeywordMatch.Prefix && tokens[0].Length < MinPrefixLength
                    ? $"the prefix \"{Text}\" is shorter than {MinPrefixLength} letters and would match too many words."
                    : null;
            case KeywordMatch.Phrase:
                // One-letter words ("v", "z") are not words to UrlTokens, so "u moře" would silently become the word "more".
                return tokens.Count < 2
                    ? $"the phrase \"{Text}\" has fewer than two words that can match (words need two or more letters, not only digits, and not URL noise such as \"www\"); use a word rule for one word."
                    : null;
            default:
                return $"unknown match kind {Match}.";
        }
    }

    [GeneratedRegex(@"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();
}
