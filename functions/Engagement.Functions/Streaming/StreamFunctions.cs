using Azure.Messaging.EventHubs;
using Engagement.Infrastructure.Streaming;
using Microsoft.Azure.Functions.Worker;

namespace Engagement.Functions.Streaming;

/// <summary>Ingestion: batches of tracking events from the <c>web-events</c> hub into the stores.</summary>
public sealed class StreamFunctions(StreamDelivery delivery)
{
    /// <remarks>
    /// Event Hubs moves its checkpoint on when the function returns, even after an exception, so nothing here may
    /// throw a batch away: <see cref="StreamDelivery.HandleOrDeadLetterAsync"/> retries, then dead-letters what it
    /// could not store. It throws only when even the dead-letter store fails; the function-level retry then runs the
    /// whole delivery again (writes are upserts, so that is harmless) before the checkpoint moves.
    /// </remarks>
    [Function("IngestWebEvents")]
    [FixedDelayRetry(5, "00:00:10")]
    public async Task IngestAsync(
        [EventHubTrigger(EventHubNames.WebEvents, Connection = EventHubNames.Connection, ConsumerGroup = EventHubNames.ConsumerGroup)] EventData[] events,
        CancellationToken cancellationToken)
    {
        // Typed rather than var: the calls into shared/ stay checked where the Event Hubs package is absent (tests).
        IReadOnlyList<StreamMessage> messages = StreamMessages.From(events);
        var result = await delivery.HandleOrDeadLetterAsync(messages, cancellationToken: cancellationToken);
        if (result is not null)
        {
            // Only once the events are stored; dead-lettered claim checks stay for replay until the lifecycle rule.
            await delivery.DeleteClaimChecksAsync(result.ClaimChecks, cancellationToken);
        }
    }
}
