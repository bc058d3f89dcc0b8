namespace Engagement.Core.Profiles;

/// <summary>What the platform makes of a person: interests, intents, goal scores and the next best offer.</summary>
/// <param name="AsOf">When it was computed.</param>
/// <param name="Interests">Interests, strongest first, with the evidence behind each.</param>
/// <param name="Intents">Intents detected in their windows (e.g. probably going to travel).</param>
/// <param name="Scores">Each goal's champion score.</param>
/// <param name="NextBestOffer">The product family to offer, for a known customer when family models exist.</param>
public sealed record ProfileInsights(
    DateTimeOffset AsOf,
    IReadOnlyList<InterestInsight> Interests,
    IReadOnlyList<IntentInsight> Intents,
    IReadOnlyList<GoalScore> Scores,
    OfferInsight? NextBestOffer);

/// <summary>An interest and its evidence.</summary>
/// <param name="Id">Taxonomy id, e.g. <c>travel</c>.</param>
/// <param name="Name">Display name.</param>
/// <param name="Score">0–1.</param>
/// <param name="Evidence">What produced it: kind, text and the keyword that matched.</param>
public sealed record InterestInsight(string Id, string Name, double Score, IReadOnlyList<string> Evidence);

/// <summary>An intent detected from recent behaviour.</summary>
/// <param name="Intent">Its name, e.g. <c>travel-intent</c>.</param>
/// <param name="Description">What it means.</param>
/// <param name="At">Time of the latest evidence.</param>
/// <param name="Confidence">0–1.</param>
public sealed record IntentInsight(string Intent, string Description, DateTimeOffset At, double Confidence);

/// <summary>A goal model's prediction for the person.</summary>
/// <param name="Goal">The goal.</param>
/// <param name="ModelVersion">The champion version that scored.</param>
/// <param name="Probability">Predicted probability of reaching the goal within the horizon.</param>
/// <param name="Lift">Probability relative to the model's base rate.</param>
public sealed record GoalScore(string Goal, string ModelVersion, double Probability, double Lift);

/// <summary>The next best offer.</summary>
/// <param name="Family">Product family.</param>
/// <param name="Propensity">Predicted probability.</param>
/// <param name="Lift">Relative to the family's base rate.</param>
/// <param name="Evidence">Interests and recent pages behind it.</param>
public sealed record OfferInsight(string Family, double Propensity, double Lift, IReadOnlyList<string> Evidence);
