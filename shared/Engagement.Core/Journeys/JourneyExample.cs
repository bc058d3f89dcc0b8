namespace Engagement.Core.Journeys;

/// <summary>
/// The names of a model's numeric features, in the order their values appear in every <see cref="JourneyExample"/>.
/// Fixed per training run and stored with the model, so scoring builds the same vector.
/// </summary>
/// <param name="Names">Feature names, e.g. <c>impressions</c>, <c>interest_travel</c>.</param>
public sealed record FeatureSchema(IReadOnlyList<string> Names)
{
    /// <summary>Number of numeric features.</summary>
    public int Count => Names.Count;
}

/// <summary>
/// One row for training, evaluation or scoring: what a person's journey looked like up to <paramref name="Cutoff"/>
/// and, for training and evaluation, whether the goal happened after it (within the horizon).
/// </summary>
/// <param name="ProfileKey">The profile (pseudonymous key) the row describes.</param>
/// <param name="UserId">The known user id, if any (lists for the CRM need it).</param>
/// <param name="Cutoff">Features use only what happened before this instant; the label only what happened after.</param>
/// <param name="Features">Values in <see cref="FeatureSchema"/> order; NaN where unknown.</param>
/// <param name="Text">URL path and title tokens seen before the cut-off, space-separated, for learned text features.</param>
/// <param name="Label">Whether the goal was reached after the cut-off (false for scoring rows).</param>
public sealed record JourneyExample(string ProfileKey, string? UserId, DateTimeOffset Cutoff, float[] Features, string Text, bool Label);
