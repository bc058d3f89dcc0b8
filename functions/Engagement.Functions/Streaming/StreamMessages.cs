using Azure.Messaging.EventHubs;
using Engagement.Infrastructure.Streaming;

namespace Engagement.Functions.Streaming;

/// <summary>Event Hubs events as the stream messages our handlers take.</summary>
internal static class StreamMessages
{
    /// <summary>
    /// One <see cref="StreamMessage"/> per event. The id is the sequence number with the enqueued time: sequence
    /// numbers repeat across partitions, and the id names dead letters, so it must be unique and the same on redelivery.
    /// </summary>
    public static IReadOnlyList<StreamMessage> From(EventData[] events) =>
        events.Select(e => new StreamMessage($"{e.SequenceNumber}-{e.EnqueuedTime.ToUnixTimeMilliseconds()}", e.EventBody)).ToList();
}
