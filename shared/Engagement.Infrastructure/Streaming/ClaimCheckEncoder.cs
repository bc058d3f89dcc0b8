using Azure.Storage.Blobs.Models;
using Engagement.Core.Events;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Streaming;

/// <summary>
/// Encodes a batch for a stream whose messages have a size limit: inline when it fits, else stored as a claim-check
/// blob in the <c>stream</c> container with a reference on the stream. Used by every stream producer.
/// </summary>
public sealed class ClaimCheckEncoder(EngagementStorage storage, TimeProvider time)
{
    /// <summary>The bytes to put on the stream for <paramref name="batch"/>, given the stream's largest message.</summary>
    public async Task<byte[]> EncodeAsync(IngestionBatch batch, int maxInlineBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var payload = StreamCodec.EncodeBatch(batch);
        if (payload.Length <= maxInlineBytes)
        {
            return payload;
        }

        // Settled deliveries delete their claim checks; a scheduled cleanup (and in Azure a lifecycle rule) removes leftovers.
        var blobName = $"{time.GetUtcNow():yyyy-MM-dd}/{batch.BatchId}.json.gz";
        await storage.StreamPayloads.GetBlobClient(blobName).UploadAsync(new BinaryData(payload), new BlobUploadOptions(), cancellationToken);
        return StreamCodec.EncodeClaim(blobName);
    }
}
