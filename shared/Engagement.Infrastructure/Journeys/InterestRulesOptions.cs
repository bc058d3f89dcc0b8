using Engagement.Core.Interests;

namespace Engagement.Infrastructure.Journeys;

/// <summary>Where the interest taxonomy and intent rules come from (the scorer's own settings share the section).</summary>
public sealed class InterestRulesOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = InterestScorerOptions.SectionName;

    /// <summary>A JSON taxonomy file replacing the built-in Czech and English one; empty: built-in.</summary>
    public string? TaxonomyFile { get; set; }

    /// <summary>A JSON intent-rules file replacing the built-in rules; empty: built-in.</summary>
    public string? IntentRulesFile { get; set; }

    /// <summary>The taxonomy in effect; a file that does not parse stops the start with its errors.</summary>
    public InterestTaxonomy LoadTaxonomy() =>
        string.IsNullOrWhiteSpace(TaxonomyFile) ? InterestTaxonomy.Default : Load(TaxonomyFile, InterestTaxonomy.Parse);

    /// <summary>The intent rules in effect.</summary>
    public IntentRules LoadIntentRules() =>
        string.IsNullOrWhiteSpace(IntentRulesFile) ? IntentRules.Default : Load(IntentRulesFile, IntentRules.Parse);

    private static T Load<T>(string path, Func<string, ParseResult<T>> parse)
        where T : class
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{SectionName}: {path} does not exist.");
        }

        var result = parse(File.ReadAllText(path));
        return result.Value ?? throw new InvalidOperationException($"{SectionName}: {path}: {string.Join("; ", result.Errors)}");
    }
}
