using Engagement.Core.Events;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Streaming;

/// <summary>The self-hosted stream: a Storage queue, with a claim-check blob for batches over a queue message's size.</summary>
public sealed class QueueEventStreamProducer(EngagementStorage storage, ClaimCheckEncoder encoder) : IEventStreamProducer
{
    // A queue message holds 64 KiB of Base64 text: 48 KiB of payload.
    internal const int MaxInlineBytes = 45 * 1024;

    /// <inheritdoc />
    public async Task AppendAsync(IngestionBatch batch, CancellationToken cancellationToken = default)
    {
        var payload = await encoder.EncodeAsync(batch, MaxInlineBytes, cancellationToken);
        await storage.StreamQueue.SendMessageAsync(new BinaryData(payload), cancellationToken: cancellationToken);
    }
}
