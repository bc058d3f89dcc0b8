namespace Engagement.Core.Segments;

/// <summary>
/// How segments refer to each other: the references a definition makes, the ones that name no segment, and cycles
/// (a segment that, through others, includes itself could never be decided).
/// </summary>
public static class SegmentGraph
{
    /// <summary>The ids of the segments a condition refers to, each with the JSON path of the reference, in order.</summary>
    public static IReadOnlyList<(string SegmentId, string Path)> References(SegmentCondition condition, string path = "$.rule")
    {
        ArgumentNullException.ThrowIfNull(condition);
        var found = new List<(string, string)>();
        Walk(condition, path, found);
        return found;
    }

    /// <summary>Whether a condition (not counting referenced segments) has a leaf of type <typeparamref name="T"/>.</summary>
    public static bool Uses<T>(SegmentCondition condition) where T : SegmentCondition => condition switch
    {
        T => true,
        AllOf all => all.Conditions.Any(Uses<T>),
        AnyOf any => any.Conditions.Any(Uses<T>),
        NotOf not => Uses<T>(not.Condition),
        _ => false,
    };

    /// <summary>
    /// Whether deciding a condition looks at a person's events: an event condition, or an interest or goal score (both
    /// computed from the events), here or in a segment it refers to (unknown segments decide nothing).
    /// </summary>
    public static bool ReadsEvents(SegmentCondition condition, IReadOnlyDictionary<string, SegmentDefinition> segments)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(segments);
        return ReadsEvents(condition, segments, new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>
    /// The part of a rule that holds for every member and is decided without events: the rule itself when it reads
    /// none; when it is an all-of, those of its conditions that read none; null when nothing can be decided without
    /// events. Whoever fails this part is no member whatever their events, so only those who pass need their events read.
    /// </summary>
    public static SegmentCondition? EventFreePart(SegmentCondition rule, IReadOnlyDictionary<string, SegmentDefinition> segments)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(segments);
        if (!ReadsEvents(rule, segments))
        {
            return rule;
        }

        if (rule is not AllOf all)
        {
            return null;
        }

        var free = all.Conditions.Select(c => EventFreePart(c, segments)).OfType<SegmentCondition>().ToList();
        return free.Count switch
        {
            0 => null,
            1 => free[0],
            _ => new AllOf(free),
        };
    }

    private static bool ReadsEvents(SegmentCondition condition, IReadOnlyDictionary<string, SegmentDefinition> segments, HashSet<string> seen) => condition switch
    {
        EventCondition or InterestCondition or ScoreCondition => true,
        AllOf all => all.Conditions.Any(c => ReadsEvents(c, segments, seen)),
        AnyOf any => any.Conditions.Any(c => ReadsEvents(c, segments, seen)),
        NotOf not => ReadsEvents(not.Condition, segments, seen),
        MembershipCondition member => seen.Add(member.SegmentId) && segments.TryGetValue(member.SegmentId, out var other) && ReadsEvents(other.Rule, segments, seen),
        _ => false,
    };

    /// <summary>
    /// What is wrong with saving <paramref name="definition"/> as <paramref name="id"/> beside the saved
    /// <paramref name="others"/>: references to unknown segments and cycles, each naming the path of the reference.
    /// </summary>
    public static IReadOnlyList<string> Check(string id, SegmentDefinition definition, IReadOnlyDictionary<string, SegmentDefinition> others)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(others);
        var errors = new List<string>();
        foreach (var (target, path) in References(definition.Rule))
        {
            if (target == id)
            {
                errors.Add($"{path}.id: \"{target}\" is this segment itself");
            }
            else if (!others.ContainsKey(target))
            {
                errors.Add($"{path}.id: no segment \"{target}\"");
            }
            else if (CycleFrom(target, id, definition, others) is { } cycle)
            {
                errors.Add($"{path}.id: \"{target}\" leads back to this segment ({string.Join(" → ", [id, .. cycle])})");
            }
        }

        return errors;
    }

    /// <summary>The chain of ids from <paramref name="start"/> back to <paramref name="id"/>, if one exists.</summary>
    private static List<string>? CycleFrom(string start, string id, SegmentDefinition definition, IReadOnlyDictionary<string, SegmentDefinition> others)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(string Node, List<string> Chain)>();
        stack.Push((start, [start]));
        while (stack.Count > 0)
        {
            var (node, chain) = stack.Pop();
            if (node == id)
            {
                return chain;
            }

            if (!visited.Add(node))
            {
                continue;
            }

            var rule = node == id ? definition.Rule : others.GetValueOrDefault(node)?.Rule;
            if (rule is null)
            {
                continue;
            }

            foreach (var (next, _) in References(rule))
            {
                stack.Push((next, [.. chain, next]));
            }
        }

        return null;
    }

    private static void Walk(SegmentCondition condition, string path, List<(string, string)> found)
    {
        switch (condition)
        {
            case AllOf all:
                for (var i = 0; i < all.Conditions.Count; i++)
                {
                    Walk(all.Conditions[i], $"{path}.all[{i}]", found);
                }

                break;
            case AnyOf any:
                for (var i = 0; i < any.Conditions.Count; i++)
                {
                    Walk(any.Conditions[i], $"{path}.any[{i}]", found);
                }

                break;
            case NotOf not:
                Walk(not.Condition, $"{path}.not", found);
                break;
            case MembershipCondition member:
                found.Add((member.SegmentId, $"{path}.segment"));
                break;
        }
    }
}
