using Azure.Storage.Blobs.Models;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;

namespace Engagement.Infrastructure.Scheduling;

/// <summary>
/// Deletes claim-check payloads older than a week. A delivery deletes its payload once settled; one left behind
/// belongs to a delivery that ended between deleting its message and its payload, and its events are stored.
/// </summary>
public sealed partial class StreamPayloadCleanup(EngagementStorage storage, TimeProvider time, ILogger<StreamPayloadCleanup> logger) : IScheduledJob
{
    private static readonly TimeSpan Age = TimeSpan.FromDays(7);

    /// <inheritdoc />
    public string Name => nameof(Schedules.CleanupStreamPayloads);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - Age;
        var deleted = 0;
        await foreach (var blob in storage.StreamPayloads.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: null, cancellationToken))
        {
            if (blob.Properties.CreatedOn is { } created && created < cutoff)
            {
                await storage.StreamPayloads.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                deleted++;
            }
        }

        LogCleaned(logger, deleted, cutoff);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} claim-check payloads created before {Cutoff}")]
    private static partial void LogCleaned(ILogger logger, int count, DateTimeOffset cutoff);
}
