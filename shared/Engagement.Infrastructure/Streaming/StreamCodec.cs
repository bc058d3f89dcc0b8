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
            return JsonSerializer.Deserialize(gzip, EngagementJson.Default.StreamEnvelope)
                ?? throw new InvalidDataException("The stream message is empty.");
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new InvalidDataException($"The stream message cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a claim-checked batch blob.</summary>
    public static IngestionBatch DecodeBatchBlob(Stream content)
    {
        var envelope = JsonSerializer.Deserialize(new GZipStream(content, CompressionMode.Decompress), EngagementJson.Default.StreamEnvelope);
        return envelope?.Batch ?? throw new InvalidDataException("The claim-check blob holds no batch.");
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
