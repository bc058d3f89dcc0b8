using Engagement.Core.Journeys;

namespace Engagement.Ml;

/// <summary>Examples divided by time: the model learns from the older ones and is judged on the newest.</summary>
/// <param name="Train">Examples whose cut-off lies before the hold-out start (minus the label horizon).</param>
/// <param name="Holdout">Examples whose cut-off lies at or after the hold-out start.</param>
/// <param name="Dropped">Examples left out because their label window reaches into the hold-out period.</param>
public sealed record TrainHoldout(IReadOnlyList<JourneyExample> Train, IReadOnlyList<JourneyExample> Holdout, int Dropped);

/// <summary>The time-based split of training and hold-out examples.</summary>
public static class TimeSplit
{
    /// <summary>
    /// Splits by cut-off: <c>Cutoff &lt; holdoutFrom</c> trains, <c>Cutoff ≥ holdoutFrom</c> is held out; no example is
    /// in both. With a <paramref name="labelHorizon"/>, training examples whose label window
    /// [Cutoff, Cutoff + horizon) would reach into the hold-out period are dropped, so nothing the model learns from
    /// happened during the period it is judged on.
    /// </summary>
    /// <param name="examples">All examples, in any order.</param>
    /// <param name="holdoutFrom">Start of the hold-out period.</param>
    /// <param name="labelHorizon">How long after the cut-off the label looks; zero keeps every older example.</param>
    public static TrainHoldout Split(IEnumerable<JourneyExample> examples, DateTimeOffset holdoutFrom, TimeSpan labelHorizon = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(labelHorizon, TimeSpan.Zero);
        var train = new List<JourneyExample>();
        var holdout = new List<JourneyExample>();
        var dropped = 0;
        foreach (var example in examples)
        {
            if (example.Cutoff >= holdoutFrom)
            {
                holdout.Add(example);
            }
            else if (holdoutFrom - example.Cutoff >= labelHorizon)
            {
                train.Add(example);
            }
            else
            {
                dropped++;
            }
        }

        return new TrainHoldout(train, holdout, dropped);
    }
}
