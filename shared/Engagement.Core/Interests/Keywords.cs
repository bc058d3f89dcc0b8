namespace Engagement.Core.Interests;

/// <summary>Short forms for writing the default rule sets: many keywords of one kind and weight at a time.</summary>
internal static class Keywords
{
    public static IEnumerable<KeywordRule> Prefixes(double weight, params string[] texts) => texts.Select(t => KeywordRule.Prefix(t, weight));

    public static IEnumerable<KeywordRule> Words(double weight, params string[] texts) => texts.Select(t => KeywordRule.Word(t, weight));

    public static IEnumerable<KeywordRule> Phrases(double weight, params string[] texts) => texts.Select(t => KeywordRule.Phrase(t, weight));

    public static IEnumerable<KeywordRule> Domains(double weight, params string[] texts) => texts.Select(t => KeywordRule.Domain(t, weight));

    public static IReadOnlyList<KeywordRule> All(params IEnumerable<KeywordRule>[] groups) => [.. groups.SelectMany(g => g)];
}
