using Engagement.Core.Events;

namespace Engagement.Core.Journeys;

/// <summary>What counts as reaching a goal.</summary>
public enum GoalKind
{
    /// <summary>An ad click.</summary>
    Click,
    /// <summary>A conversion: a named track event (such as <c>Order Completed</c>), or an ad-server conversion record when no event is named.</summary>
    Conversion,
    /// <summary>An ad impression visible for at least a number of seconds.</summary>
    VisibleSeconds,
}

/// <summary>A goal the models learn to predict, e.g. "orders a travel product" or "sees an ad for 10 s".</summary>
public sealed record GoalDefinition
{
    /// <summary>The goal's name: a model's name in the registry (letters, digits and '-').</summary>
    public required string Name { get; init; }

    /// <summary>What counts.</summary>
    public required GoalKind Kind { get; init; }

    /// <summary>For a conversion: the track event that counts; null for ad-server conversion records.</summary>
    public string? EventName { get; init; }

    /// <summary>For a conversion event: only these products count (empty: any).</summary>
    public IReadOnlyList<string> Products { get; init; } = [];

    /// <summary>For visible seconds: the least that counts.</summary>
    public double MinVisibleSeconds { get; init; }

    /// <summary>The product family the goal stands for in next-best-offer lists, if any.</summary>
    public string? ProductFamily { get; init; }

    /// <summary>Whether a step reaches the goal.</summary>
    public bool IsReachedBy(JourneyStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return Kind switch
        {
            GoalKind.Click => step.Kind == EventKind.AdClick,
            GoalKind.VisibleSeconds => step.Kind == EventKind.AdImpression && step.VisibleSeconds >= MinVisibleSeconds,
            GoalKind.Conversion when EventName is null => step.Kind == EventKind.AdConversion,
            GoalKind.Conversion => step.Kind == EventKind.Track
                && string.Equals(step.Name, EventName, StringComparison.Ordinal)
                && (Products.Count == 0 || (step.Product is { } product && Products.Contains(product, StringComparer.Ordinal))),
            _ => false,
        };
    }

    /// <summary>What is wrong with the definition, if anything (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 60 || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            errors.Add($"goal name '{Name}' must be 1–60 letters, digits or '-'");
        }

        if (Kind == GoalKind.VisibleSeconds && !(MinVisibleSeconds > 0))
        {
            errors.Add($"goal '{Name}': MinVisibleSeconds must be greater than 0 for a visible-seconds goal");
        }

        if (Kind != GoalKind.Conversion && (EventName is not null || Products.Count > 0))
        {
            errors.Add($"goal '{Name}': EventName and Products apply only to a conversion goal");
        }

        if (EventName is null && Products.Count > 0)
        {
            errors.Add($"goal '{Name}': Products need the EventName whose product they filter");
        }

        return errors;
    }
}
