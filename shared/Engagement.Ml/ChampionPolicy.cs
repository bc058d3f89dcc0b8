using System.Globalization;

namespace Engagement.Ml;

/// <summary>Whether a newly trained model replaces the champion, and why, in words for the run report.</summary>
/// <param name="Promote">True: the candidate becomes champion. False: the champion (if any) stays.</param>
/// <param name="Reason">The comparison behind the decision.</param>
public sealed record ChampionDecision(bool Promote, string Reason);

/// <summary>The rule by which a candidate model becomes champion.</summary>
public static class ChampionPolicy
{
    /// <summary>
    /// Promotes the candidate when there is no champion, or when its AUC beats the champion's on the same hold-out
    /// by at least <paramref name="minAucGain"/>; a candidate no better than <paramref name="minimumAuc"/> is never
    /// promoted. The caller evaluates the champion on the candidate's hold-out (score it with
    /// <see cref="TrainedModel.Score"/>) and passes null when there is no champion or it cannot score the new rows.
    /// </summary>
    /// <param name="candidate">The new model's evaluation.</param>
    /// <param name="champion">The champion's evaluation on the same hold-out, or null.</param>
    /// <param name="minAucGain">Required AUC improvement, e.g. 0.005; small gains are noise and churn the bid lists.</param>
    /// <param name="minimumAuc">AUC a candidate must exceed to be promoted at all (0.5 is random ranking).</param>
    /// <exception cref="ArgumentException">The two evaluations are not of the same hold-out rows.</exception>
    public static ChampionDecision Decide(ModelEvaluation candidate, ModelEvaluation? champion, double minAucGain, double minimumAuc = 0.5)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentOutOfRangeException.ThrowIfNegative(minAucGain);
        if (champion is not null && (champion.Count != candidate.Count || champion.Positives != candidate.Positives))
        {
            throw new ArgumentException(
                $"The champion was evaluated on {champion.Count:N0} rows with {champion.Positives:N0} positives, the candidate on {candidate.Count:N0} with {candidate.Positives:N0}: " +
                "evaluate the champion on the candidate's hold-out before comparing.",
                nameof(champion));
        }

        var c = CultureInfo.InvariantCulture;
        if (double.IsNaN(candidate.Auc) || candidate.Auc <= minimumAuc)
        {
            var consequence = champion is null ? "No model is published until one does." : "The champion stays.";
            return new ChampionDecision(false, string.Create(c,
                $"Not promoted: the candidate's hold-out AUC {candidate.Auc:F3} is not above {minimumAuc:F3}, so it ranks people no better than chance. {consequence}"));
        }

        if (champion is null)
        {
            return new ChampionDecision(true, string.Create(c,
                $"Promoted: there is no champion yet; the candidate reaches AUC {candidate.Auc:F3} and top-decile lift {candidate.TopDecileLift:F2}× on {candidate.Count:N0} hold-out rows."));
        }

        var gain = candidate.Auc - champion.Auc;
        return gain >= minAucGain
            ? new ChampionDecision(true, string.Create(c,
                $"Promoted: on the same {candidate.Count:N0} hold-out rows the candidate's AUC {candidate.Auc:F3} beats the champion's {champion.Auc:F3} by {gain:+0.000;-0.000} " +
                $"(at least {minAucGain:F3} required); top-decile lift {candidate.TopDecileLift:F2}× against {champion.TopDecileLift:F2}×."))
            : new ChampionDecision(false, string.Create(c,
                $"Champion kept: on the same {candidate.Count:N0} hold-out rows the candidate's AUC {candidate.Auc:F3} against the champion's {champion.Auc:F3} is a gain of {gain:+0.000;-0.000}, " +
                $"less than the {minAucGain:F3} required; top-decile lift {candidate.TopDecileLift:F2}× against {champion.TopDecileLift:F2}×."));
    }
}
