using Engagement.Core.Events;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;

namespace Engagement.Infrastructure.Streaming;

/// <summary>One message as the stream delivered it.</summary>
/// <param name="Id">The stream's id of the message (queue message id, Event Hubs sequence number).</param>
/// <param name="Body">Its bytes.</param>
public sealed record StreamMessage(string Id, BinaryData Body);

/// <summary>What a delivery held.</summary>
/// <param name="Ingestion">What ingestion did with the events.</param>
/// <param name="UnreadableMessages">Messages that could not be read and were dead-lettered.</param>
/// <param name="ClaimChecks">Claim-check blobs read, to delete once the delivery is settled.</param>
public sealed record DeliveryResult(IngestionResult Ingestion, int UnreadableMessages, IReadOnlyList<string> ClaimChecks);

/// <summary>
/// Turns a delivery of stream messages into an ingestion call: reads inline batches and claim checks, dead-letters
/// messages that cannot be read (without blocking the rest), and ingests every event of the delivery together.
/// Both hosts call it: the Event Hubs trigger in Azure, the queue consumer self-hosted.
/// </summary>
public sealed partial class StreamDelivery(EngagementStorage storage, IngestionHandler ingestion, DeadLetterStore deadLetters, ILogger<StreamDelivery> logger)
{
    /// <summary>Ingests a delivery; throws on infrastructure faults so the delivery is retried.</summary>
    public async Task<DeliveryResult> HandleAsync(IReadOnlyList<StreamMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var events = new List<EngagementEvent>();
        var claims = new List<string>();
        var unreadable = 0;
        foreach (var message in messages)
        {
            IngestionBatch? batch = null;
            string? problem = null;
            try
            {
                var envelope = StreamCodec.Decode(message.Body.ToMemory().Span);
                if (envelope.Claim is { } claim)
                {
                    var blob = storage.StreamPayloads.GetBlobClient(claim);
                    var exists = await blob.ExistsAsync(cancellationToken);
                    if (!exists.Value)
                    {
                        problem = $"The claim-check blob {claim} does not exist.";
                    }
                    else
                    {
                        var content = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
                        await using var stream = content.Value.Content;
                        batch = StreamCodec.DecodeBatchBlob(stream);
                        claims.Add(claim);
                    }
                }
                else
                {
                    batch = envelope.Batch ?? throw new InvalidDataException("The stream message holds neither a batch nor a claim check.");
                }
            }
            catch (InvalidDataException ex)
            {
                problem = ex.Message;
            }

            if (problem is not null)
            {
                unreadable++;
                LogUnreadable(logger, message.Id, problem);
                await deadLetters.WriteAsync("stream", problem, Convert.ToBase64String(message.Body.ToMemory().Span), null, "msg-" + message.Id, cancellationToken);
                continue;
            }

            events.AddRange(batch!.Events);
        }

        var result = events.Count == 0 ? new IngestionResult(0, 0, 0, 0) : await ingestion.HandleAsync(events, cancellationToken);
        return new DeliveryResult(result, unreadable, claims);
    }

    /// <summary>
    /// For streams that move on whatever the handler does (Event Hubs checkpoints even after an exception):
    /// tries a few times, then dead-letters the messages with the reason instead of losing them.
    /// </summary>
    public async Task<DeliveryResult?> HandleOrDeadLetterAsync(IReadOnlyList<StreamMessage> messages, int attempts = 3, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await HandleAsync(messages, cancellationToken);
            }
            catch (Exception ex) when (attempt < attempts && ex is not OperationCanceledException)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Pow(2, attempt)), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogGaveUp(logger, messages.Count, attempts, ex);
                foreach (var message in messages)
                {
                    await deadLetters.WriteAsync("stream", $"Not stored after {attempts} attempts: {ex.Message}", Convert.ToBase64String(message.Body.ToMemory().Span), null, "msg-" + message.Id, cancellationToken);
                }

                return null;
            }
        }
    }

    /// <summary>Deletes claim-check blobs of a settled delivery.</summary>
    public async Task DeleteClaimChecksAsync(IEnumerable<string> claims, CancellationToken cancellationToken = default)
    {
        foreach (var claim in claims)
        {
            await storage.StreamPayloads.DeleteBlobIfExistsAsync(claim, cancellationToken: cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream message {MessageId} is unreadable and was dead-lettered: {Problem}")]
    private static partial void LogUnreadable(ILogger logger, string messageId, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up on {Count} stream messages after {Attempts} attempts; dead-lettered")]
    private static partial void LogGaveUp(ILogger logger, int count, int attempts, Exception exception);
}
