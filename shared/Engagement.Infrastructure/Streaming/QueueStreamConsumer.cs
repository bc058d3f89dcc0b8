using Azure;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Streaming;

/// <summary>
/// The self-hosted stream consumer: takes up to 32 queue messages at a time, ingests them, and deletes them only once
/// stored, so a crash means redelivery, never loss. A message delivered too often is dead-lettered.
/// </summary>
public sealed partial class QueueStreamConsumer(
    EngagementStorage storage,
    StreamDelivery delivery,
    DeadLetterStore deadLetters,
    IOptions<IngestionOptions> options,
    ILogger<QueueStreamConsumer> logger)
{
    private static readonly TimeSpan VisibilityTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Handles one delivery; returns how many messages it settled (0 when the queue was empty).</summary>
    public async Task<int> PumpOnceAsync(CancellationToken cancellationToken = default)
    {
        var received = await storage.StreamQueue.ReceiveMessagesAsync(options.Value.QueueBatchSize, VisibilityTimeout, cancellationToken);
        var messages = received.Value;
        if (messages.Length == 0)
        {
            return 0;
        }

        var live = new List<Azure.Storage.Queues.Models.QueueMessage>();
        foreach (var message in messages)
        {
            if (message.DequeueCount > options.Value.MaxDeliveries)
            {
                LogPoison(logger, message.MessageId, message.DequeueCount);
                await deadLetters.WriteAsync("stream", $"Delivered {message.DequeueCount} times without being stored.", Convert.ToBase64String(message.Body.ToMemory().Span), null, "msg-" + message.MessageId, cancellationToken);
                await DeleteAsync(message, cancellationToken);
            }
            else
            {
                live.Add(message);
            }
        }

        if (live.Count > 0)
        {
            var result = await delivery.HandleAsync(live.Select(m => new StreamMessage(m.MessageId, m.Body)).ToList(), cancellationToken);
            foreach (var message in live)
            {
                await DeleteAsync(message, cancellationToken);
            }

            await delivery.DeleteClaimChecksAsync(result.ClaimChecks, cancellationToken);
        }

        return messages.Length;
    }

    /// <summary>Roughly how many messages wait in the stream.</summary>
    public async Task<int> BacklogAsync(CancellationToken cancellationToken = default)
    {
        var properties = await storage.StreamQueue.GetPropertiesAsync(cancellationToken);
        return properties.Value.ApproximateMessagesCount;
    }

    private async Task DeleteAsync(Azure.Storage.Queues.Models.QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await storage.StreamQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Its visibility ran out and another consumer took it; that consumer will find the events stored.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream message {MessageId} was delivered {Count} times; dead-lettered")]
    private static partial void LogPoison(ILogger logger, string messageId, long count);
}
