using System.ComponentModel.DataAnnotations;
using Engagement.Core.Journeys;

namespace Engagement.Infrastructure.Models;

/// <summary>A goal as configured (<c>Models:Goals:N:…</c>).</summary>
public sealed class GoalOptions
{
    /// <summary>The goal's name (letters, digits, '-'): its models' folder in the registry.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Click, Conversion or VisibleSeconds.</summary>
    public GoalKind Kind { get; set; } = GoalKind.Conversion;

    /// <summary>For a conversion: the track event that counts (empty: ad-server conversion records).</summary>
    public string? EventName { get; set; }

    /// <summary>For a conversion event: only these products count.</summary>
    public List<string> Products { get; set; } = [];

    /// <summary>For a visible-seconds goal: the least that counts.</summary>
    public double MinVisibleSeconds { get; set; }

    /// <summary>The product family the goal stands for in next-best-offer lists, if any.</summary>
    public string? ProductFamily { get; set; }

    /// <summary>The goal definition.</summary>
    public GoalDefinition ToDefinition() => new()
    {
        Name = Name,
        Kind = Kind,
        EventName = string.IsNullOrWhiteSpace(EventName) ? null : EventName,
        Products = Products,
        MinVisibleSeconds = MinVisibleSeconds,
        ProductFamily = string.IsNullOrWhiteSpace(ProductFamily) ? null : ProductFamily,
    };
}

/// <summary>A targeting platform that receives bid lists, and the file format it reads.</summary>
public sealed class PlatformOptions
{
    /// <summary>The platform's name: its folder under <c>bidlists/</c>.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Field delimiter.</summary>
    public string Delimiter { get; set; } = ";";

    /// <summary>Whether the files start with a header line.</summary>
    public bool Header { get; set; }

    /// <summary>Which id the user list carries: UserId, AnonymousId or ProfileKey.</summary>
    public string IdKind { get; set; } = "UserId";

    /// <summary>Decimal places of bids.</summary>
    public int Decimals { get; set; } = 2;
}

/// <summary>How goal models are trained, chosen, and turned into lists.</summary>
public sealed class ModelOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Models";

    /// <summary>The goals to learn. Empty: one goal, <c>order</c> = the <c>Order Completed</c> event.</summary>
    public List<GoalOptions> Goals { get; set; } = [];

    /// <summary>The goal whose champion sets the bids (default: the first goal).</summary>
    public string? BidGoal { get; set; }

    /// <summary>How far after a cut-off the goal counts for the label (and how far ahead scores predict).</summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How many days of history training reads.</summary>
    [Range(2, 400)]
    public int TrainingDays { get; set; } = 28;

    /// <summary>How many of the newest cut-off days form the hold-out.</summary>
    [Range(1, 30)]
    public int HoldoutDays { get; set; } = 1;

    /// <summary>People active within this many days are scored.</summary>
    [Range(1, 400)]
    public int ScoringDays { get; set; } = 7;

    /// <summary>A new model replaces the champion only if its AUC on the same hold-out is higher by at least this.</summary>
    [Range(0, 1)]
    public double MinAucGain { get; set; } = 0.005;

    /// <summary>Trainers compared on every run: LightGbm, FastTree, LogisticRegression.</summary>
    public List<string> Trainers { get; set; } = [];

    /// <summary>Seed of training (same data and seed: same model).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>The bid for someone exactly at the base rate.</summary>
    [Range(0.0001, 1000)]
    public double BaseBid { get; set; } = 1.0;

    /// <summary>The lowest non-zero bid.</summary>
    [Range(0, 1000)]
    public double BidFloor { get; set; } = 0.1;

    /// <summary>The highest bid.</summary>
    [Range(0.0001, 1000)]
    public double BidCap { get; set; } = 5.0;

    /// <summary>Domains with a smaller audience in the scoring window get the base bid: their rate says too little.</summary>
    [Range(1, 1_000_000)]
    public int DomainMinAudience { get; set; } = 30;

    /// <summary>
    /// The lawful basis for ad personalisation assumed for someone with nothing recorded: Denied (no bid) or Granted.
    /// A profile trait <c>adPersonalisation</c> (true/false) records a person's own answer and wins.
    /// </summary>
    public string AdPersonalisationDefault { get; set; } = "Denied";

    /// <summary>Targeting platforms and their formats. Empty: one platform, <c>default</c>, with <c>user_id;bid</c>.</summary>
    public List<PlatformOptions> Platforms { get; set; } = [];

    /// <summary>The goals in effect.</summary>
    public IReadOnlyList<GoalDefinition> EffectiveGoals() =>
        Goals.Count > 0
            ? Goals.Select(g => g.ToDefinition()).ToList()
            : [new GoalDefinition { Name = "order", Kind = GoalKind.Conversion, EventName = "Order Completed" }];

    /// <summary>The platforms in effect.</summary>
    public IReadOnlyList<PlatformOptions> EffectivePlatforms() => Platforms.Count > 0 ? Platforms : [new PlatformOptions { Name = "default" }];

    /// <summary>What is wrong with the settings, if anything.</summary>
    public IEnumerable<string> Problems()
    {
        var goals = EffectiveGoals();
        foreach (var error in goals.SelectMany(g => g.Validate()))
        {
            yield return error;
        }

        foreach (var duplicate in goals.GroupBy(g => g.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            yield return $"goal '{duplicate.Key}' is configured twice";
        }

        if (BidGoal is not null && goals.All(g => g.Name != BidGoal))
        {
            yield return $"Models:BidGoal '{BidGoal}' is not one of the goals";
        }

        foreach (var trainer in Trainers.Where(t => !Enum.TryParse<Ml.TrainerKind>(t, ignoreCase: true, out var kind) || !Enum.IsDefined(kind)))
        {
            yield return $"Models:Trainers: '{trainer}' is not a trainer (LightGbm, FastTree, LogisticRegression)";
        }

        if (BidFloor > BidCap)
        {
            yield return "Models:BidFloor must not exceed Models:BidCap";
        }

        if (Horizon <= TimeSpan.Zero || Horizon > TimeSpan.FromDays(60))
        {
            yield return "Models:Horizon must be between 0 and 60 days";
        }

        if (AdPersonalisationDefault is not ("Denied" or "Granted"))
        {
            yield return "Models:AdPersonalisationDefault must be Denied or Granted";
        }

        foreach (var platform in EffectivePlatforms())
        {
            if (string.IsNullOrWhiteSpace(platform.Name) || !platform.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                yield return $"platform '{platform.Name}' needs a name of letters, digits, '-' or '_'";
            }

            if (platform.Delimiter.Length != 1)
            {
                yield return $"platform '{platform.Name}': Delimiter must be one character";
            }

            if (platform.IdKind is not ("UserId" or "AnonymousId" or "ProfileKey"))
            {
                yield return $"platform '{platform.Name}': IdKind must be UserId, AnonymousId or ProfileKey";
            }
        }
    }
}

/// <summary>Fails start-up with every problem of the <c>Models</c> settings named.</summary>
internal sealed class ModelOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ModelOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var problems = options.Problems().ToList();
        return problems.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems);
    }
}
