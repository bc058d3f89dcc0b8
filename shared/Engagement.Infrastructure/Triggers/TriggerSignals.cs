using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Core.Triggers;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Triggers;

/// <summary>
/// Something that concerns a trigger and one person: start (or restart) a run, or the awaited event. The person is
/// named by the pseudonymous subject key only: the queue carries no id, address or event content.
/// </summary>
/// <param name="TriggerId">The trigger.</param>
/// <param name="Kind">Start or awaited.</param>
/// <param name="SubjectKey">The person.</param>
/// <param name="EventId">What it came from (an event's message id, or the scan's own id), so a repeat is recognised.</param>
/// <param name="At">When it happened (birthday and intent: when the e-mail is due).</param>
public sealed record TriggerSignal(
    [property: JsonPropertyName("t")] string TriggerId,
    [property: JsonPropertyName("k")] TriggerSignalKind Kind,
    [property: JsonPropertyName("s")] string SubjectKey,
    [property: JsonPropertyName("e")] string EventId,
    [property: JsonPropertyName("a")] DateTimeOffset At);

/// <summary>
/// The <c>trigger-signals</c> queue (<see cref="TriggerOptions.SignalQueueName"/>): signals travel in messages of up to
/// <see cref="PerMessage"/>, so a delivery of many matching events costs a few queue writes.
/// </summary>
public sealed class TriggerSignalSender(EngagementStorage storage)
{
    /// <summary>Signals per queue message: well inside the 64 KB limit.</summary>
    public const int PerMessage = 200;

    /// <summary>Puts signals on the queue.</summary>
    public async Task SendAsync(IReadOnlyCollection<TriggerSignal> signals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signals);
        foreach (var chunk in signals.Chunk(PerMessage))
        {
            await storage.TriggerSignals.SendMessageAsync(Encode(chunk), cancellationToken);
        }
    }

    /// <summary>A message's text.</summary>
    public static string Encode(IReadOnlyList<TriggerSignal> signals) => JsonSerializer.Serialize(signals, WorkflowJson.Options);

    /// <summary>The signals of a message's text; null when it is not one.</summary>
    public static IReadOnlyList<TriggerSignal>? Decode(string text)
    {
        try
        {
            var signals = JsonSerializer.Deserialize<List<TriggerSignal>>(text, WorkflowJson.Options);
            return signals is not null && signals.All(s => s is { TriggerId: not null, SubjectKey: not null, EventId: not null }) ? signals : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// The ingestion hook: after a delivery is stored, its events that start or answer a trigger for an identified user
/// become signals on the queue. Cheap on purpose: the definitions come from <see cref="TriggerCatalog"/>'s copy, most
/// deliveries have no matching event and cost nothing more, and a matching one costs one queue write per
/// <see cref="TriggerSignalSender.PerMessage"/> signals, never a storage read per event.
/// </summary>
public sealed class IngestionTriggerSignals(TriggerCatalog catalog, TriggerSignalSender queue, Pseudonymizer pseudonymizer)
{
    /// <summary>Signals the matching events of a stored delivery; answers how many signals went out.</summary>
    public async Task<int> SignalAsync(IReadOnlyList<EngagementEvent> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var triggers = await catalog.EnabledAsync(cancellationToken);
        if (triggers.Count == 0)
        {
            return 0;
        }

        var signals = new List<TriggerSignal>();
        foreach (var ev in batch)
        {
            if (ev.UserId is null || !TriggerMatching.Concerns(triggers, ev.Kind))
            {
                continue;
            }

            foreach (var match in TriggerMatching.Match(triggers, ev))
            {
                signals.Add(new TriggerSignal(match.TriggerId, match.Kind, pseudonymizer.KeyOf(IdentityRef.User(match.UserId)).Value, match.EventId, match.At));
            }
        }

        if (signals.Count > 0)
        {
            await queue.SendAsync(signals, cancellationToken);
        }

        return signals.Count;
    }
}
