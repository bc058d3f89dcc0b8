using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Events;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Ingestion;

/// <summary>What happened to the events of one partition.</summary>
/// <param name="Stored">New events written.</param>
/// <param name="Duplicates">Events already stored (redelivered or sent twice).</param>
/// <param name="Rejected">Events the table refused, with the reason, to be dead-lettered.</param>
internal sealed record PartitionOutcome(int Stored, int Duplicates, IReadOnlyList<(EngagementEvent Event, string Reason)> Rejected);

/// <summary>
/// Writes one identity's events together with its activity summary in the same table transaction, so either both
/// change or neither does: a counter can never count an event twice, and a half-failed batch converges on redelivery.
/// </summary>
public sealed partial class EventStore(EngagementStorage storage, IOptions<IngestionOptions> options, ILogger<EventStore> logger)
{
    // One transaction holds at most 100 entities and 4 MiB; one slot is the activity row.
    private const int MaxEventsPerTransaction = 99;
    private const int MaxTransactionChars = 1_500_000;
    private const int MaxAttempts = 12;

    private readonly LruCache<string, CachedActivity> _cache = new(options.Value.ActivityCacheSize);

    internal async Task<PartitionOutcome> WritePartitionAsync(string partitionKey, IReadOnlyList<EngagementEvent> events, CancellationToken cancellationToken = default)
    {
        int stored = 0, duplicates = 0;
        var rejected = new List<(EngagementEvent, string)>();
        var unique = events.DistinctBy(e => EventRows.RowKeyOf(e.MessageId)).ToList();
        duplicates += events.Count - unique.Count;

        // An identity not in the cache is most likely new (the cache holds the recently active ones), so its activity
        // row is added without reading first; when it does exist, the add fails and the row is read then.
        var activity = _cache.TryGet(partitionKey, out var cached) ? cached : CachedActivity.None;
        foreach (var chunk in Chunk(partitionKey, unique))
        {
            var pending = chunk;
            for (var attempt = 1; pending.Count > 0; attempt++)
            {
                if (attempt > MaxAttempts)
                {
                    throw new InvalidOperationException($"Partition {partitionKey} could not be written after {MaxAttempts} attempts.");
                }

                var summary = activity.Summary();
                foreach (var (ev, _) in pending)
                {
                    summary.Apply(ev);
                }

                var activityEntity = EventRows.ToEntity(partitionKey, summary);
                var actions = pending.Select(p => new TableTransactionAction(TableTransactionActionType.Add, p.Entity)).ToList();
                actions.Add(activity.ETag is { } etag
                    ? new TableTransactionAction(UpdateModeOf(activityEntity), activityEntity, etag)
                    : new TableTransactionAction(TableTransactionActionType.Add, activityEntity));
                try
                {
                    var response = await storage.Events.SubmitTransactionAsync(actions, cancellationToken);
                    var newEtag = response.Value[^1].Headers.ETag;
                    activity = new CachedActivity(newEtag, activityEntity.GetBinary(EventRows.CompressedSummary) ?? EventRows.CompressSummary(summary));
                    if (newEtag is null)
                    {
                        _cache.Remove(partitionKey);
                        activity = await LoadActivityAsync(partitionKey, cancellationToken);
                    }
                    else
                    {
                        _cache.Set(partitionKey, activity);
                    }

                    stored += pending.Count;
                    pending = [];
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 409)
                {
                    // Events already stored (a redelivery), or the activity row exists although it was not cached:
                    // drop the stored events, all found at once rather than one conflict at a time, and start again
                    // from the stored activity.
                    var existing = await ExistingRowKeysAsync(partitionKey, pending.Select(p => p.Entity.RowKey), cancellationToken);
                    duplicates += pending.Count(p => existing.Contains(p.Entity.RowKey));
                    pending = pending.Where(p => !existing.Contains(p.Entity.RowKey)).ToList();
                    activity = await LoadActivityAsync(partitionKey, cancellationToken);
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
                {
                    // Another writer changed the activity row, or it was erased: start again from what is stored.
                    LogActivityConflict(logger, partitionKey, ex.Status);
                    activity = await LoadActivityAsync(partitionKey, cancellationToken);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 400 && ex.FailedTransactionActionIndex is { } index && index < pending.Count)
                {
                    rejected.Add((pending[index].Event, $"The table refused the event: {ex.ErrorCode} {FirstLine(ex.Message)}"));
                    pending = pending.Where((_, i) => i != index).ToList();
                }
            }
        }

        return new PartitionOutcome(stored, duplicates, rejected);
    }

    /// <summary>The activity summary of one identity, or null when it has none.</summary>
    public async Task<ActivitySummary?> GetActivityAsync(string identityKey, CancellationToken cancellationToken = default)
    {
        var response = await storage.Events.GetEntityIfExistsAsync<TableEntity>(identityKey, EventRows.ActivityRowKey, cancellationToken: cancellationToken);
        return response.HasValue ? EventRows.ToSummary(response.Value!) : null;
    }

    /// <summary>
    /// When the latest event of each of the given identities happened (identities without events are absent), read a
    /// few partitions per query: for jobs that need the events of only some people of a page.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LatestEventTimesAsync(IReadOnlyCollection<string> identityKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identityKeys);
        var rows = await PartitionReads.ReadAsync(storage.Events, identityKeys, dense: null, $"RowKey gt '{EventRows.EventRowPrefix}'", cancellationToken);
        var latest = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (key, partition) in rows)
        {
            foreach (var ev in partition.Select(EventRows.ToEvent).OfType<EngagementEvent>())
            {
                latest[key] = latest.TryGetValue(key, out var seen) && seen >= ev.Timestamp ? seen : ev.Timestamp;
            }
        }

        return latest;
    }

    /// <summary>Forgets cached activity rows (after another process changed them, as tests and tools do).</summary>
    public void ForgetCache() => _cache.Clear();

    private async Task<CachedActivity> LoadActivityAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var response = await storage.Events.GetEntityIfExistsAsync<TableEntity>(partitionKey, EventRows.ActivityRowKey, cancellationToken: cancellationToken);
        var activity = response.HasValue
            ? new CachedActivity(response.Value!.ETag, response.Value!.GetBinary(EventRows.CompressedSummary) ?? EventRows.CompressSummary(EventRows.ToSummary(response.Value)))
            : CachedActivity.None;
        _cache.Set(partitionKey, activity);
        return activity;
    }

    private async Task<HashSet<string>> ExistingRowKeysAsync(string partitionKey, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in rowKeys.Chunk(20))
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}") + " and (" +
                string.Join(" or ", group.Select(rk => TableClient.CreateQueryFilter($"RowKey eq {rk}"))) + ")";
            await foreach (var entity in storage.Events.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                found.Add(entity.RowKey);
            }
        }

        return found;
    }

    private static IEnumerable<List<(EngagementEvent Event, TableEntity Entity)>> Chunk(string partitionKey, IEnumerable<EngagementEvent> events)
    {
        var chunk = new List<(EngagementEvent, TableEntity)>();
        var chars = 0;
        foreach (var ev in events.OrderBy(e => e.Timestamp))
        {
            var entity = EventRows.ToEntity(partitionKey, ev);
            var size = (ev.PropertiesJson?.Length ?? 0) + (ev.ContextJson?.Length ?? 0) + 1024;
            if (chunk.Count == MaxEventsPerTransaction || (chunk.Count > 0 && chars + size > MaxTransactionChars))
            {
                yield return chunk;
                chunk = [];
                chars = 0;
            }

            chunk.Add((ev, entity));
            chars += size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>
    /// An activity row that holds its summary compressed has the same properties in every version, so a merge writes
    /// exactly what a replace would. The table service does both as one write; Azurite, which stands in for it locally,
    /// replaces by removing and inserting the row, which re-indexes the whole table, while it merges in place. A summary
    /// too large to compress into one property is kept in chunks whose number varies, so that one is replaced.
    /// </summary>
    private static TableTransactionActionType UpdateModeOf(TableEntity activityEntity) =>
        activityEntity.ContainsKey(EventRows.CompressedSummary) ? TableTransactionActionType.UpdateMerge : TableTransactionActionType.UpdateReplace;

    private static string FirstLine(string text) => text.Split('\n', 2)[0];

    [LoggerMessage(Level = LogLevel.Debug, Message = "Activity row of {PartitionKey} changed underneath (HTTP {Status}); retrying")]
    private static partial void LogActivityConflict(ILogger logger, string partitionKey, int status);

    /// <summary>
    /// The last activity row this process wrote for an identity: its ETag and the summary, kept compressed (a fifth of
    /// its JSON) because the cache holds the summaries of every recently active identity.
    /// </summary>
    private sealed record CachedActivity(ETag? ETag, byte[]? Compressed)
    {
        public static CachedActivity None { get; } = new(null, null);

        public ActivitySummary Summary() => Compressed is null ? new ActivitySummary() : EventRows.DecompressSummary(Compressed);
    }
}
