namespace Engagement.Core.Interests;

/// <summary>
/// The keyword rules of several owners (interest categories, intent rules) indexed by word, stem, first word of a
/// phrase and domain, so matching a signal costs a few look-ups per word whatever the number of rules.
/// </summary>
internal sealed class KeywordIndex
{
    private readonly int _owners;
    private readonly Dictionary<string, List<Entry>> _words = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Entry>> _prefixes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Entry>> _phrases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Entry>> _domains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Entry>>.AlternateLookup<ReadOnlySpan<char>> _prefixLookup;

    /// <param name="rulesByOwner">Each owner's rules; rules must be valid (see <see cref="KeywordRule.Problem"/>).</param>
    public KeywordIndex(IReadOnlyList<IReadOnlyList<KeywordRule>> rulesByOwner)
    {
        _owners = rulesByOwner.Count;
        for (var owner = 0; owner < rulesByOwner.Count; owner++)
        {
            var rules = rulesByOwner[owner];
            for (var order = 0; order < rules.Count; order++)
            {
                var rule = rules[order];
                var tokens = rule.FoldedTokens();
                var map = rule.Match switch
                {
                    KeywordMatch.Word => _words,
                    KeywordMatch.Prefix => _prefixes,
                    KeywordMatch.Phrase => _phrases,
                    _ => _domains,
                };
                Add(map, tokens[0], new Entry(owner, order, rule, [.. tokens]));
            }
        }

        _prefixLookup = _prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// For each owner, the rule that matches <paramref name="text"/> with the greatest weight (on a tie the most
    /// specific, then the first declared), or null when none matches.
    /// </summary>
    public Entry?[] Match(SignalText text)
    {
        var best = new Entry?[_owners];
        var tokens = text.Tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            Consider(_words, token, best);
            for (var length = KeywordRule.MinPrefixLength; length <= token.Length; length++)
            {
                if (_prefixLookup.TryGetValue(token.AsSpan(0, length), out var entries))
                {
                    Keep(entries, best);
                }
            }

            if (_phrases.TryGetValue(token, out var phrases))
            {
                foreach (var phrase in phrases)
                {
                    if (FollowsAt(tokens, i, phrase.Tokens))
                    {
                        Keep(phrase, best);
                    }
                }
            }
        }

        if (text.Host is { } host)
        {
            // The host itself, then each parent domain: "cestovani.idnes.cz", "idnes.cz".
            for (var suffix = host; suffix.Contains('.', StringComparison.Ordinal); suffix = suffix[(suffix.IndexOf('.', StringComparison.Ordinal) + 1)..])
            {
                Consider(_domains, suffix, best);
            }
        }

        return best;
    }

    private static void Add(Dictionary<string, List<Entry>> map, string key, Entry entry)
    {
        if (!map.TryGetValue(key, out var entries))
        {
            entries = [];
            map[key] = entries;
        }

        entries.Add(entry);
    }

    private static void Consider(Dictionary<string, List<Entry>> map, string key, Entry?[] best)
    {
        if (map.TryGetValue(key, out var entries))
        {
            Keep(entries, best);
        }
    }

    private static void Keep(List<Entry> entries, Entry?[] best)
    {
        foreach (var entry in entries)
        {
            Keep(entry, best);
        }
    }

    private static void Keep(Entry entry, Entry?[] best)
    {
        if (best[entry.Owner] is not { } current || Stronger(entry, current))
        {
            best[entry.Owner] = entry;
        }
    }

    // Greater weight wins; on equal weight the more specific rule (a domain, then a phrase, a word, a stem) makes the
    // better evidence, and after that the one declared first.
    private static bool Stronger(Entry entry, Entry current)
    {
        if (entry.Rule.Weight != current.Rule.Weight)
        {
            return entry.Rule.Weight > current.Rule.Weight;
        }

        var specificity = Specificity(entry.Rule.Match).CompareTo(Specificity(current.Rule.Match));
        return specificity != 0 ? specificity > 0 : entry.Order < current.Order;
    }

    private static int Specificity(KeywordMatch match) => match switch
    {
        KeywordMatch.Domain => 3,
        KeywordMatch.Phrase => 2,
        KeywordMatch.Word => 1,
        _ => 0,
    };

    private static bool FollowsAt(IReadOnlyList<string> tokens, int start, string[] phrase)
    {
        if (start + phrase.Length > tokens.Count)
        {
            return false;
        }

        for (var j = 1; j < phrase.Length; j++)
        {
            if (!string.Equals(tokens[start + j], phrase[j], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One indexed rule.</summary>
    /// <param name="Owner">Index of the category or intent rule it belongs to.</param>
    /// <param name="Order">Its position among its owner's rules.</param>
    /// <param name="Rule">The rule.</param>
    /// <param name="Tokens">Its folded words (or host).</param>
    internal sealed record Entry(int Owner, int Order, KeywordRule Rule, string[] Tokens);
}
