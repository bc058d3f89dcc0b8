using Engagement.Core.Events;

namespace Engagement.Core.Triggers;

/// <summary>What an event means to a trigger.</summary>
public enum TriggerSignalKind
{
    /// <summary>Starts a run for the subject, or (abandoned cart, while a run waits) moves its wait.</summary>
    Start,
    /// <summary>The event the run waits for: a waiting run is cancelled and sends nothing.</summary>
    Awaited,
}

/// <summary>An event that concerns a trigger.</summary>
/// <param name="TriggerId">The trigger.</param>
/// <param name="Kind">Start or awaited.</param>
/// <param name="UserId">The subject: the known user the event is about.</param>
/// <param name="EventId">The event's message id (a redelivered event has the same).</param>
/// <param name="At">When it happened.</param>
public sealed record TriggerMatch(string TriggerId, TriggerSignalKind Kind, string UserId, string EventId, DateTimeOffset At);

/// <summary>
/// Which events start, restart or cancel a run, for whom. Only identified users are written to: an event without a
/// user id has nobody to address. Abandoned cart: its start event (a track call) starts or restarts, its awaited event
/// cancels; welcome: an identify with a user id starts (the runtime keeps it to one run per user ever). Birthday and
/// intent runs start from the daily scan and from published scores, not from events. Disabled triggers match nothing.
/// </summary>
public static class TriggerMatching
{
    /// <summary>The matches of one event against every trigger.</summary>
    public static IReadOnlyList<TriggerMatch> Match(IReadOnlyList<TriggerDefinition> triggers, EngagementEvent ev)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(ev);
        if (string.IsNullOrWhiteSpace(ev.UserId))
        {
            return [];
        }

        var matches = new List<TriggerMatch>();
        foreach (var trigger in triggers.Where(t => t.Enabled))
        {
            TriggerSignalKind? kind = trigger.Kind switch
            {
                TriggerKind.AbandonedCart when ev.Kind == EventKind.Track && trigger.AbandonedCart is { } cart =>
                    Same(ev.Name, cart.StartEvent) ? TriggerSignalKind.Start : Same(ev.Name, cart.AwaitedEvent) ? TriggerSignalKind.Awaited : null,
                TriggerKind.Welcome when ev.Kind == EventKind.Identify => TriggerSignalKind.Start,
                _ => null,
            };
            if (kind is { } matched)
            {
                matches.Add(new TriggerMatch(trigger.Id, matched, ev.UserId, ev.MessageId, ev.Timestamp));
            }
        }

        return matches;
    }

    /// <summary>Whether any trigger could match events of this kind at all (lets ingestion skip most events without work).</summary>
    public static bool Concerns(IReadOnlyList<TriggerDefinition> triggers, EventKind kind) =>
        kind is EventKind.Track or EventKind.Identify && triggers.Any(t => t.Enabled && (t.Kind == TriggerKind.AbandonedCart ? kind == EventKind.Track : t.Kind == TriggerKind.Welcome && kind == EventKind.Identify));

    /// <summary>
    /// Whether an abandoned cart that started at <paramref name="startAt"/> was already answered: the person's recent
    /// events hold the awaited event at or after it (an order stored before a late cart event reached the trigger).
    /// </summary>
    public static bool IsAnswered(TriggerDefinition trigger, IEnumerable<Profiles.RecentEvent> recent, DateTimeOffset startAt)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(recent);
        return trigger is { Kind: TriggerKind.AbandonedCart, AbandonedCart: { } cart }
            && recent.Any(e => e.Kind == EventKind.Track.ToWireName() && Same(e.Name, cart.AwaitedEvent) && e.Timestamp >= startAt);
    }

    private static bool Same(string? eventName, string expected) => string.Equals(eventName?.Trim(), expected, StringComparison.OrdinalIgnoreCase);
}
