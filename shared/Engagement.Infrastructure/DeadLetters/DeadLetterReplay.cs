using System.Text.Json;
using Engagement.Core.Events;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;

namespace Engagement.Infrastructure.DeadLetters;

/// <summary>What a replay did.</summary>
/// <param name="Replayed">Dead letters put back on the stream (and removed).</param>
/// <param name="Kept">Dead letters left in place: invalid input that would be refused again, or unreadable.</param>
public sealed record ReplayReport(int Replayed, int Kept);

/// <summary>
/// Puts dead letters that failed for a passing reason (storage trouble, a delivery given up on) back on the stream.
/// Ingestion is idempotent, so replaying something that was in fact stored changes nothing.
/// </summary>
public sealed class DeadLetterReplay(EngagementStorage storage, DeadLetterStore deadLetters, IEventStreamProducer stream)
{
    /// <summary>Replays every replayable dead letter.</summary>
    public async Task<ReplayReport> ReplayAsync(CancellationToken cancellationToken = default)
    {
        int replayed = 0, kept = 0;
        var names = new List<(string Name, DeadLetter Letter)>();
        await foreach (var item in deadLetters.ListAsync(cancellationToken))
        {
            names.Add(item);
        }

        foreach (var (name, letter) in names)
        {
            var batch = await ToBatchAsync(letter, cancellationToken);
            if (batch is null)
            {
                kept++;
                continue;
            }

            await stream.AppendAsync(batch, cancellationToken);
            await storage.DeadLetters.DeleteBlobIfExistsAsync(name, cancellationToken: cancellationToken);
            replayed++;
        }

        return new ReplayReport(replayed, kept);
    }

    private async Task<IngestionBatch?> ToBatchAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        try
        {
            switch (letter.Stage)
            {
                case "ingestion":
                    var ev = JsonSerializer.Deserialize(letter.Payload, EngagementJson.Default.EngagementEvent);
                    return ev is null ? null : new IngestionBatch(Guid.NewGuid().ToString("N"), ev.SourceId, [ev]);
                case "stream":
                    var envelope = StreamCodec.Decode(Convert.FromBase64String(letter.Payload));
                    if (envelope.Batch is not null)
                    {
                        return envelope.Batch;
                    }

                    var blob = storage.StreamPayloads.GetBlobClient(envelope.Claim);
                    if (!(await blob.ExistsAsync(cancellationToken)).Value)
                    {
                        return null;
                    }

                    var content = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken);
                    await using (var payload = content.Value.Content)
                    {
                        return StreamCodec.DecodeBatchBlob(payload);
                    }

                default:
                    // Tracking and import dead letters are invalid input: replaying them would fail the same way.
                    return null;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException)
        {
            return null;
        }
    }
}
