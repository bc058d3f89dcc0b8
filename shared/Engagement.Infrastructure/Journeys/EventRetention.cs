using System.ComponentModel.DataAnnotations;
using Azure;
using Azure.Data.Tables;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Scheduling;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Journeys;

/// <summary>How long events are kept.</summary>
public sealed class RetentionOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Retention";

    /// <summary>Events older than this many days (by when they happened) are deleted.</summary>
    [Range(1, 3650)]
    public int EventDays { get; set; } = 395;
}

/// <summary>What a retention run removed.</summary>
/// <param name="Events">Event rows deleted.</param>
/// <param name="Identities">Identities whose activity was recomputed (or removed with their last event).</param>
public sealed record RetentionResult(long Events, long Identities);

/// <summary>
/// Deletes events older than <see cref="RetentionOptions.EventDays"/> and recomputes the activity of each identity it
/// touched from what remains, so counters and recent events never describe deleted events.
/// </summary>
public sealed partial class EventRetention(EngagementStorage storage, JourneyStore journeys, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<EventRetention> logger) : IScheduledJob
{
    /// <inheritdoc />
    public string Name => nameof(Schedules.PurgeOldEvents);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken = default) => await PurgeAsync(cancellationToken);

    /// <summary>Purges now.</summary>
    public async Task<RetentionResult> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var before = clock.GetUtcNow().AddDays(-options.Value.EventDays);
        var filter = TableClient.CreateQueryFilter($"OccurredAt lt {before}") + $" and RowKey gt '{EventRows.EventRowPrefix}'";
        var old = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        long events = 0, identities = 0;
        await foreach (var row in storage.Events.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (!old.TryGetValue(row.PartitionKey, out var rows))
            {
                old[row.PartitionKey] = rows = [];
            }

            rows.Add(row);
            if (old.Count >= 1_000)
            {
                (events, identities) = (events + await PurgeAsync(old, cancellationToken), identities + old.Count);
                old.Clear();
            }
        }

        (events, identities) = (events + await PurgeAsync(old, cancellationToken), identities + old.Count);
        LogPurged(logger, events, identities, before);
        return new RetentionResult(events, identities);
    }

    private async Task<long> PurgeAsync(Dictionary<string, List<TableEntity>> old, CancellationToken cancellationToken)
    {
        long deleted = 0;
        foreach (var (partitionKey, rows) in old)
        {
            deleted += await TableRows.DeleteAsync(storage.Events, rows, cancellationToken);
            await journeys.RebuildPartitionAsync(partitionKey, cancellationToken);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention deleted {Events} events older than {Before} of {Identities} identities")]
    private static partial void LogPurged(ILogger logger, long events, long identities, DateTimeOffset before);
}
