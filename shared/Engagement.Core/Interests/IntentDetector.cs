using System.Globalization;

namespace Engagement.Core.Interests;

/// <summary>An intent that the recent signals of a profile show.</summary>
/// <param name="Intent">The rule's name (<c>travel-intent</c>).</param>
/// <param name="Description">The rule's description (<c>probably going to travel</c>).</param>
/// <param name="At">When the latest piece of distinct evidence happened.</param>
/// <param name="Confidence">Between 0 and 1: 0.75 with exactly the required evidence at full weight, more with more.</param>
/// <param name="Evidence">The strongest evidence, strongest first.</param>
public sealed record DetectedIntent(string Intent, string Description, DateTimeOffset At, double Confidence, IReadOnlyList<InterestEvidence> Evidence);

/// <summary>
/// Detects intents ("probably going to travel", "probably moving", "probably not satisfied") from a profile's signals.
/// Deterministic: the same signals and time give the same intents in any order.
/// </summary>
/// <param name="rules">The intent rules.</param>
public sealed class IntentDetector(IntentRules rules)
{
    /// <summary>How many evidence items a detected intent carries.</summary>
    public const int MaxEvidence = 5;

    private readonly IntentRules _rules = rules ?? throw new ArgumentNullException(nameof(rules));

    /// <summary>
    /// The intents whose rules hold at <paramref name="now"/>: at least <see cref="IntentRule.MinSignals"/> distinct
    /// pieces of evidence in the window that ends at <paramref name="now"/> (signals after it are ignored). Evidence is
    /// distinct when it comes from another event and shows other content: the URL and title of one page view, or a
    /// page reloaded, count once. Most confident first (ties by name).
    /// </summary>
    public IReadOnlyList<DetectedIntent> Detect(IEnumerable<InterestSignal> signals, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var rules = _rules.Rules;
        var hitsByRule = rules.Select(_ => new List<(string Event, SignalHits.Hit Hit)>()).ToArray();
        var earliest = now - rules.Select(r => r.Window).DefaultIfEmpty(TimeSpan.Zero).Max();
        var index = 0;
        foreach (var signal in SignalHits.Usable(signals, now).Where(s => s.At > earliest))
        {
            var eventKey = signal.EventId is { } id ? "e:" + id : "s:" + index.ToString(CultureInfo.InvariantCulture);
            index++;
            var text = SignalText.Read(signal);
            var matches = _rules.Index.Match(text);
            string? contentKey = null;
            for (var rule = 0; rule < matches.Length; rule++)
            {
                if (matches[rule] is { } match && signal.At > now - rules[rule].Window)
                {
                    contentKey ??= text.ContentKey(signal.Kind);
                    hitsByRule[rule].Add((eventKey, new SignalHits.Hit(signal, contentKey, match.Rule, signal.Weight * match.Rule.Weight)));
                }
            }
        }

        var detected = new List<DetectedIntent>();
        for (var i = 0; i < rules.Count; i++)
        {
            var distinct = Distinct(hitsByRule[i]);
            if (distinct.Count < rules[i].MinSignals)
            {
                continue;
            }

            var evidence = distinct.Sum(h => h.Contribution);
            var confidence = 1 - Math.Pow(2, -2 * evidence / rules[i].MinSignals);
            detected.Add(new DetectedIntent(rules[i].Name, rules[i].Description, distinct.Max(h => h.Signal.At), confidence, SignalHits.Strongest(distinct, MaxEvidence)));
        }

        return [.. detected.OrderByDescending(d => d.Confidence).ThenBy(d => d.Intent, StringComparer.Ordinal)];
    }

    // Events in time order; an event is new evidence when it shows content not seen before (its strongest such match
    // counts), and all it shows is then seen, so neither a page's title beside its URL nor a reload counts again.
    private static List<SignalHits.Hit> Distinct(List<(string Event, SignalHits.Hit Hit)> hits)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var distinct = new List<SignalHits.Hit>();
        var events = hits
            .GroupBy(h => h.Event, h => h.Hit, StringComparer.Ordinal)
            .OrderBy(g => g.Min(h => h.Signal.At))
            .ThenBy(g => g.Key, StringComparer.Ordinal);
        foreach (var eventHits in events)
        {
            var strongestNew = eventHits
                .Where(h => !seen.Contains(h.ContentKey))
                .OrderByDescending(h => h.Contribution)
                .ThenBy(h => h.ContentKey, StringComparer.Ordinal)
                .FirstOrDefault();
            if (strongestNew is not null)
            {
                distinct.Add(strongestNew);
            }

            seen.UnionWith(eventHits.Select(h => h.ContentKey));
        }

        return distinct;
    }
}
