using System.Globalization;
using Engagement.Core.Events;
using Engagement.Core.Tracking;

namespace Engagement.Core.Journeys;

/// <summary>
/// Turns journeys into model rows. A feature's name says how it is computed, so a schema stored with a model is all
/// that scoring needs to rebuild the same vector: base features (<see cref="BaseNames"/>), impressions on a domain
/// (<c>domain_{domain}</c>) or of a campaign (<c>campaign_{campaign}</c>), and interest scores (<c>interest_{id}</c>,
/// supplied by the caller). Everything is computed from steps strictly before the cut-off; only the label looks after it.
/// </summary>
public sealed class JourneyFeatures
{
    /// <summary>Prefix of per-domain impression features.</summary>
    public const string DomainPrefix = "domain_";

    /// <summary>Prefix of per-campaign impression features.</summary>
    public const string CampaignPrefix = "campaign_";

    /// <summary>Prefix of interest-score features.</summary>
    public const string InterestPrefix = "interest_";

    /// <summary>How many tokens of text a row carries at most (the latest ones).</summary>
    public const int MaxTextTokens = 300;

    /// <summary>The features every schema has.</summary>
    public static readonly IReadOnlyList<string> BaseNames =
    [
        "impressions", "viewable_impressions", "visible_seconds", "clicks", "ad_conversions", "click_through_rate", "ad_cost_eur",
        "distinct_domains", "distinct_campaigns", "max_campaign_frequency", "impressions_7d",
        "sessions", "pages", "product_views", "cart_adds", "goal_before", "events_24h",
        "days_since_last_event", "days_since_first_event", "hours_since_last_impression", "days_since_first_impression", "is_known",
    ];

    private static readonly HashSet<string> BaseNameSet = [.. BaseNames];

    private readonly FeatureSchema _schema;
    private readonly Func<IReadOnlyList<JourneyStep>, DateTimeOffset, IReadOnlyDictionary<string, float>>? _interests;

    /// <summary>Creates a builder for a schema.</summary>
    /// <param name="schema">The features to compute, in order.</param>
    /// <param name="interests">Interest scores (by feature name, <c>interest_{id}</c>) of the steps before a cut-off; required when the schema has interest features.</param>
    public JourneyFeatures(FeatureSchema schema, Func<IReadOnlyList<JourneyStep>, DateTimeOffset, IReadOnlyDictionary<string, float>>? interests = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var unknown = schema.Names.Where(n => !BaseNameSet.Contains(n) && !n.StartsWith(DomainPrefix, StringComparison.Ordinal)
            && !n.StartsWith(CampaignPrefix, StringComparison.Ordinal) && !n.StartsWith(InterestPrefix, StringComparison.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown features: {string.Join(", ", unknown)}.", nameof(schema));
        }

        if (interests is null && schema.Names.Any(n => n.StartsWith(InterestPrefix, StringComparison.Ordinal)))
        {
            throw new ArgumentException("The schema has interest features but no interest scorer was given.", nameof(interests));
        }

        _schema = schema;
        _interests = interests;
    }

    /// <summary>The schema of this builder.</summary>
    public FeatureSchema Schema => _schema;

    /// <summary>
    /// A schema for a set of journeys: the base features, impressions on the most frequent domains and campaigns
    /// (where to target is learned per domain), and the given interest features.
    /// </summary>
    public static FeatureSchema SchemaFor(IEnumerable<Journey> journeys, IEnumerable<string> interestFeatureNames, int topDomains = 15, int topCampaigns = 10)
    {
        ArgumentNullException.ThrowIfNull(journeys);
        ArgumentNullException.ThrowIfNull(interestFeatureNames);
        var domains = new Dictionary<string, int>(StringComparer.Ordinal);
        var campaigns = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in journeys.SelectMany(j => j.Steps).Where(s => s.Kind == EventKind.AdImpression))
        {
            if (step.Domain is { } domain)
            {
                domains[domain] = domains.GetValueOrDefault(domain) + 1;
            }

            if (step.Campaign is { } campaign)
            {
                campaigns[campaign] = campaigns.GetValueOrDefault(campaign) + 1;
            }
        }

        static IEnumerable<string> Top(Dictionary<string, int> counts, int n, string prefix) =>
            counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(n).Select(p => prefix + p.Key).Order(StringComparer.Ordinal);

        return new FeatureSchema([.. BaseNames, .. Top(domains, topDomains, DomainPrefix), .. Top(campaigns, topCampaigns, CampaignPrefix), .. interestFeatureNames]);
    }

    /// <summary>
    /// Cut-offs for training rows: every midnight (UTC) from a day after the data starts until the last one that
    /// leaves a whole horizon of data after it.
    /// </summary>
    public static IReadOnlyList<DateTimeOffset> DailyCutoffs(DateTimeOffset dataStart, DateTimeOffset dataEnd, TimeSpan horizon)
    {
        var cutoffs = new List<DateTimeOffset>();
        var first = new DateTimeOffset(dataStart.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        for (var cutoff = first; cutoff + horizon <= dataEnd; cutoff = cutoff.AddDays(1))
        {
            cutoffs.Add(cutoff);
        }

        return cutoffs;
    }

    /// <summary>
    /// A training or evaluation row: features from the steps before <paramref name="cutoff"/>, label true when the
    /// goal is reached in [cutoff, cutoff + horizon). Null when the person had not appeared yet by the cut-off.
    /// </summary>
    public JourneyExample? Labelled(Journey journey, DateTimeOffset cutoff, GoalDefinition goal, TimeSpan horizon, IEnumerable<string>? traitTokens = null)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(goal);
        var before = journey.Before(cutoff).ToList();
        if (before.Count == 0)
        {
            return null;
        }

        var end = cutoff + horizon;
        var label = journey.Steps.Skip(before.Count).TakeWhile(s => s.Timestamp < end).Any(goal.IsReachedBy);
        return new JourneyExample(journey.ProfileKey, journey.UserId, cutoff, Compute(journey, before, cutoff, goal), TextOf(before, traitTokens), label);
    }

    /// <summary>A scoring row: everything known at <paramref name="now"/>; its label is meaningless (false).</summary>
    public JourneyExample Current(Journey journey, DateTimeOffset now, GoalDefinition goal, IEnumerable<string>? traitTokens = null)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(goal);
        var before = journey.Before(now).ToList();
        return new JourneyExample(journey.ProfileKey, journey.UserId, now, Compute(journey, before, now, goal), TextOf(before, traitTokens), false);
    }

    /// <summary>Tokens that stand for CRM traits in the text features, e.g. <c>trait_ageband_35_49</c>.</summary>
    public static IEnumerable<string> TraitTokens(IEnumerable<KeyValuePair<string, string>> traits)
    {
        ArgumentNullException.ThrowIfNull(traits);
        foreach (var (name, value) in traits)
        {
            var word = Slug(value);
            if (word.Length is > 0 and <= 40)
            {
                yield return "trait_" + Slug(name) + "_" + word;
            }
        }
    }

    private static string Slug(string text)
    {
        var folded = UrlTokens.RemoveDiacritics(text.Trim()).ToLowerInvariant();
        var slug = new string([.. folded.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        return string.Join('_', slug.Split('_', StringSplitOptions.RemoveEmptyEntries));
    }

    private float[] Compute(Journey journey, List<JourneyStep> before, DateTimeOffset cutoff, GoalDefinition goal)
    {
        long impressions = 0, viewable = 0, clicks = 0, adConversions = 0, impressions7d = 0, pages = 0, productViews = 0, cartAdds = 0, goalBefore = 0, events24h = 0;
        double visibleSeconds = 0, cost = 0;
        DateTimeOffset? lastImpression = null, firstImpression = null;
        var domains = new Dictionary<string, int>(StringComparer.Ordinal);
        var campaigns = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in before)
        {
            if (cutoff - step.Timestamp <= TimeSpan.FromHours(24))
            {
                events24h++;
            }

            if (goal.IsReachedBy(step))
            {
                goalBefore++;
            }

            switch (step.Kind)
            {
                case EventKind.AdImpression:
                    impressions++;
                    viewable += step.VisibleSeconds >= 1 ? 1 : 0;
                    visibleSeconds += step.VisibleSeconds;
                    cost += (double)step.CostEur;
                    impressions7d += cutoff - step.Timestamp <= TimeSpan.FromDays(7) ? 1 : 0;
                    firstImpression ??= step.Timestamp;
                    lastImpression = step.Timestamp;
                    if (step.Domain is { } domain)
                    {
                        domains[domain] = domains.GetValueOrDefault(domain) + 1;
                    }

                    if (step.Campaign is { } campaign)
                    {
                        campaigns[campaign] = campaigns.GetValueOrDefault(campaign) + 1;
                    }

                    break;
                case EventKind.AdClick:
                    clicks++;
                    break;
                case EventKind.AdConversion:
                    adConversions++;
                    break;
                case EventKind.Page or EventKind.Screen:
                    pages++;
                    break;
                case EventKind.Track when step.Name == "Product Viewed":
                    productViews++;
                    break;
                case EventKind.Track when step.Name == "Product Added":
                    cartAdds++;
                    break;
            }
        }

        var interests = _interests is null ? null : _interests(before, cutoff);
        var values = new float[_schema.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var name = _schema.Names[i];
            values[i] = name switch
            {
                "impressions" => impressions,
                "viewable_impressions" => viewable,
                "visible_seconds" => (float)visibleSeconds,
                "clicks" => clicks,
                "ad_conversions" => adConversions,
                "click_through_rate" => impressions == 0 ? float.NaN : (float)clicks / impressions,
                "ad_cost_eur" => (float)cost,
                "distinct_domains" => domains.Count,
                "distinct_campaigns" => campaigns.Count,
                "max_campaign_frequency" => campaigns.Count == 0 ? 0 : campaigns.Values.Max(),
                "impressions_7d" => impressions7d,
                "sessions" => Journey.SessionsOf(before).Count,
                "pages" => pages,
                "product_views" => productViews,
                "cart_adds" => cartAdds,
                "goal_before" => goalBefore,
                "events_24h" => events24h,
                "days_since_last_event" => before.Count == 0 ? float.NaN : (float)(cutoff - before[^1].Timestamp).TotalDays,
                "days_since_first_event" => before.Count == 0 ? float.NaN : (float)(cutoff - before[0].Timestamp).TotalDays,
                "hours_since_last_impression" => lastImpression is { } last ? (float)(cutoff - last).TotalHours : float.NaN,
                "days_since_first_impression" => firstImpression is { } first ? (float)(cutoff - first).TotalDays : float.NaN,
                "is_known" => journey.UserId is null ? 0 : 1,
                _ when name.StartsWith(DomainPrefix, StringComparison.Ordinal) => domains.GetValueOrDefault(name[DomainPrefix.Length..]),
                _ when name.StartsWith(CampaignPrefix, StringComparison.Ordinal) => campaigns.GetValueOrDefault(name[CampaignPrefix.Length..]),
                _ => interests is not null && interests.TryGetValue(name, out var score) ? score : 0,
            };
        }

        return values;
    }

    private static string TextOf(List<JourneyStep> before, IEnumerable<string>? traitTokens)
    {
        var tokens = new List<string>();
        foreach (var step in before)
        {
            if (step.Kind is EventKind.Page or EventKind.Screen)
            {
                tokens.AddRange(step.Tokens);
                tokens.AddRange(UrlTokens.FromText(step.Title));
            }
            else if (step.Kind == EventKind.AdImpression && step.Domain is { } domain)
            {
                tokens.Add("site_" + domain.Replace('.', '_'));
            }
        }

        var text = tokens.Count > MaxTextTokens ? tokens.Skip(tokens.Count - MaxTextTokens) : tokens;
        return string.Join(' ', traitTokens is null ? text : text.Concat(traitTokens)).ToLower(CultureInfo.InvariantCulture);
    }
}
