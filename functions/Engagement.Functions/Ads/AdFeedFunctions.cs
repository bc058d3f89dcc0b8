using Azure.Messaging.EventHubs;
using Engagement.Functions.Streaming;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Ads;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Streaming;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Ads;

/// <summary>The ad-server feed: impressions, clicks and conversions (JSON lines) from the <c>ad-events</c> hub into ingestion.</summary>
public sealed class AdFeedFunctions(AdImporter importer, DeadLetterStore deadLetters, IOptions<AdFeedOptions> adFeed)
{
    /// <remarks>
    /// Bad records are dead-lettered by the importer and the rest still go in. A storage fault throws, and the
    /// function-level retry runs the delivery again (upserts: no duplicates). On the last attempt the checkpoint
    /// moves on whatever happens, so the messages are dead-lettered rather than lost.
    /// </remarks>
    [Function("IngestAdEvents")]
    [FixedDelayRetry(5, "00:00:10")]
    public async Task IngestAsync(
        [EventHubTrigger(EventHubNames.AdEvents, Connection = EventHubNames.Connection, ConsumerGroup = EventHubNames.ConsumerGroup)] EventData[] events,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        // Typed rather than var: the calls into shared/ stay checked where the Event Hubs package is absent (tests).
        IReadOnlyList<StreamMessage> messages = StreamMessages.From(events);
        var sourceId = adFeed.Value.SourceId;
        try
        {
            await importer.IngestMessagesAsync(messages, sourceId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && IsLastAttempt(context))
        {
            foreach (var message in messages)
            {
                await deadLetters.WriteAsync("ad-feed", $"Not stored after the last retry: {ex.Message}",
                    message.Body.ToString(), sourceId, "msg-" + message.Id, cancellationToken);
            }
        }
    }

    private static bool IsLastAttempt(FunctionContext context) =>
        context.RetryContext is not { } retry || retry.RetryCount >= retry.MaxRetryCount;
}
