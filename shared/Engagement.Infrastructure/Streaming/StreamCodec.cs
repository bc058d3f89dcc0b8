using System.IO.Compression;
using System.Text.Json;
using Engagement.Core.Events;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Streaming;

/// <summary>
/// The wire form of stream messages, shared by the queue (self-hosted) and Event Hubs (Azure):
/// gzip-compressed JSON of a <see cref="StreamEnvelope"/>.
/// </summary>
public static class StreamCodec
{
    /// <summary>Compressed bytes of a batch inline.</summary>
    public static byte[] EncodeBatch(IngestionBatch batch) => Compress(new StreamEnvelope(batch, null));

    /// <summary>Compressed bytes of a claim-check reference.</summary>
    public static byte[] EncodeClaim(string blobName) => Compress(new StreamEnvelope(null, blobName));

    /// <summary>Reads an envelope; throws <see cref="InvalidDataException"/> when the bytes are not one.</summary>
    public static StreamEnvelope Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            using var input = new MemoryStream(bytes.ToArray(), writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            var envelope = JsonSerializer.Deserialize(gzip, EngagementJson.Default.StreamEnvelope)
                ?? throw new InvalidDataException("The stream message is empty.");
            CheckEvents(envelope.Batch);
            return envelope;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"The stream message cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a claim-checked batch blob; throws <see cref="InvalidDataException"/> when the blob does not hold one.</summary>
    public static IngestionBatch DecodeBatchBlob(Stream content)
    {
        try
        {
            using var gzip = new GZipStream(content, CompressionMode.Decompress, leaveOpen: true);
            var batch = JsonSerializer.Deserialize(gzip, EngagementJson.Default.StreamEnvelope)?.Batch
                ?? throw new InvalidDataException("The claim-check blob holds no batch.");
            CheckEvents(batch);
            return batch;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"The claim-check blob cannot be read: {ex.Message}", ex);
        }
    }

    // The serializer fills what the JSON has; a batch without its events is as unreadable as broken bytes.
    private static void CheckEvents(IngestionBatch? batch)
    {
        if (batch is not null && (batch.Events is null || batch.Events.Any(e => e is null)))
        {
            throw new InvalidDataException("The batch has no events list, or a null event in it.");
        }
    }

    private static byte[] Compress(StreamEnvelope envelope)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, envelope, EngagementJson.Default.StreamEnvelope);
        }

        return output.ToArray();
    }
}
