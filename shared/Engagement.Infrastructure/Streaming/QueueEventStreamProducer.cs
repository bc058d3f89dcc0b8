using Azure.Storage.Blobs.Models;
using Engagement.Core.Events;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Streaming;

/// <summary>The self-hosted stream: a Storage queue, with a claim-check blob for batches over a queue message's size.</summary>
public sealed class QueueEventStreamProducer(EngagementStorage storage, TimeProvider time) : IEventStreamProducer
{
    // A queue message holds 64 KiB of Base64 text: 48 KiB of payload.
    internal const int MaxInlineBytes = 45 * 1024;

    /// <inheritdoc />
    public async Task AppendAsync(IngestionBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var payload = StreamCodec.EncodeBatch(batch);
        if (payload.Length > MaxInlineBytes)
        {
            var blobName = $"{time.GetUtcNow():yyyy-MM-dd}/{batch.BatchId}.json.gz";
            await storage.StreamPayloads.GetBlobClient(blobName).UploadAsync(
                new BinaryData(payload), new BlobUploadOptions(), cancellationToken);
            payload = StreamCodec.EncodeClaim(blobName);
        }

        await storage.StreamQueue.SendMessageAsync(new BinaryData(payload), cancellationToken: cancellationToken);
    }
}
