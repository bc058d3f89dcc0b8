using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.DeadLetters;

/// <summary>Keeps what could not be accepted or stored, with the reason: nothing is dropped silently.</summary>
public sealed class DeadLetterStore(EngagementStorage storage, TimeProvider time)
{
    /// <summary>Writes a dead letter to <c>deadletter/{date}/{stage}/{id}.json</c>. A stable <paramref name="id"/> makes a retry overwrite rather than duplicate.</summary>
    public async Task<string> WriteAsync(string stage, string reason, string payload, string? sourceId, string? id = null, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var name = $"{now:yyyy-MM-dd}/{stage}/{Safe(id) ?? Guid.NewGuid().ToString("N")}.json";
        var letter = new DeadLetter(reason, stage, sourceId, now, payload);
        await storage.DeadLetters.GetBlobClient(name).UploadAsync(
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(letter, EngagementJson.Default.DeadLetter)),
            overwrite: true,
            cancellationToken);
        return name;
    }

    /// <summary>Lists dead letters, newest day first.</summary>
    public async IAsyncEnumerable<(string Name, DeadLetter Letter)> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in storage.DeadLetters.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken))
        {
            var content = await storage.DeadLetters.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken);
            var letter = content.Value.Content.ToObjectFromJson(EngagementJson.Default.DeadLetter);
            if (letter is not null)
            {
                yield return (item.Name, letter);
            }
        }
    }

    /// <summary>Counts dead letters per stage.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CountByStageAsync(CancellationToken cancellationToken = default)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        await foreach (var item in storage.DeadLetters.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken))
        {
            var parts = item.Name.Split('/');
            var stage = parts.Length > 1 ? parts[1] : "unknown";
            counts[stage] = counts.GetValueOrDefault(stage) + 1;
        }

        return counts;
    }

    private static string? Safe(string? id) =>
        id is null ? null : new string(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(120).ToArray());
}
