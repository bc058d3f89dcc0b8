namespace Engagement.Core.Interests;

/// <summary>A piece of evidence behind an interest or intent: which signal matched which keyword, and how much it counted.</summary>
/// <param name="Kind">What the signal's text is.</param>
/// <param name="Text">The signal's text (URL, title, domain…), shortened to <see cref="MaxTextLength"/> characters.</param>
/// <param name="Keyword">The keyword, stem, phrase or domain that matched, as configured.</param>
/// <param name="At">When the signal happened (the latest time, when the same text was seen more than once).</param>
/// <param name="Contribution">How much it added: signal weight × keyword weight × recency decay, summed over repeats.</param>
public sealed record InterestEvidence(InterestSignalKind Kind, string Text, string Keyword, DateTimeOffset At, double Contribution)
{
    /// <summary>Longest text kept in evidence.</summary>
    public const int MaxTextLength = 200;

    internal static string Shorten(string text) => text.Length <= MaxTextLength ? text : text[..MaxTextLength];
}

/// <summary>How strongly a profile shows one interest, and why.</summary>
/// <param name="Id">The category id.</param>
/// <param name="Name">The category's display name.</param>
/// <param name="Score">Between 0 and 1: grows with the amount of recent evidence and saturates.</param>
/// <param name="Evidence">The strongest evidence, strongest first.</param>
public sealed record InterestScore(string Id, string Name, double Score, IReadOnlyList<InterestEvidence> Evidence);

/// <summary>How <see cref="InterestScorer"/> weighs evidence.</summary>
public sealed record InterestScorerOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Interests";

    /// <summary>Evidence this old counts half as much as evidence from now. Default 14 days.</summary>
    public TimeSpan HalfLife { get; init; } = TimeSpan.FromDays(14);

    /// <summary>How many evidence items each interest keeps. Default 5.</summary>
    public int MaxEvidence { get; init; } = 5;

    /// <summary>Interests scoring below this are left out. Default 0.05.</summary>
    public double MinScore { get; init; } = 0.05;

    /// <summary>
    /// The amount of decayed evidence that gives a score of 0.5 (the score is 1 − 2^(−evidence / this)). Default 2:
    /// one fresh page view scores 0.29, two 0.5, four 0.75.
    /// </summary>
    public double HalfScoreEvidence { get; init; } = 2;

    /// <summary>The defaults.</summary>
    public static InterestScorerOptions Default { get; } = new();

    /// <summary>What is wrong with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HalfLife <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:{nameof(HalfLife)} must be positive (got {HalfLife}).");
        }

        if (MaxEvidence < 1)
        {
            errors.Add($"{SectionName}:{nameof(MaxEvidence)} must be at least 1 (got {MaxEvidence}).");
        }

        if (!(MinScore is >= 0 and < 1))
        {
            errors.Add($"{SectionName}:{nameof(MinScore)} must be at least 0 and below 1 (got {MinScore}).");
        }

        if (!double.IsFinite(HalfScoreEvidence) || HalfScoreEvidence <= 0)
        {
            errors.Add($"{SectionName}:{nameof(HalfScoreEvidence)} must be a number greater than 0 (got {HalfScoreEvidence}).");
        }

        return errors;
    }
}
