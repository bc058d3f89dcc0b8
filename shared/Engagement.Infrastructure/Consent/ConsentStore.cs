using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Consent;

/// <summary>What recording a decision did.</summary>
/// <param name="Record">The record (the one already stored when the request was a repeat).</param>
/// <param name="Repeated">True when the request id had been recorded before: nothing was added.</param>
public sealed record ConsentAppendResult(ConsentRecord Record, bool Repeated);

/// <summary>A subject's ledger as read back.</summary>
/// <param name="History">Every record, oldest first.</param>
/// <param name="Status">The current status per purpose and channel.</param>
/// <param name="FirstBroken">The first record whose chain does not hold; null when the ledger is intact.</param>
public sealed record ConsentLedgerView(IReadOnlyList<ConsentRecord> History, IReadOnlyList<ConsentStatus> Status, long? FirstBroken);

/// <summary>
/// The consent ledger in Table storage: one partition per subject, one row per record, rows only ever added. The row
/// key is the inverted sequence, so the latest record is the first row; two writers appending at once both try to add
/// the same next row, one wins and the other re-reads and appends after it, so the chain never forks.
/// </summary>
public sealed class ConsentStore(EngagementStorage storage, TimeProvider clock)
{
    // Every lost race is another writer's record landing, so the ledger always moves on; one writer among many may
    // lose several in a row, and gives up only after far more races than writers would ever run at once.
    private const int MaxAttempts = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>Appends a decision. A repeated <paramref name="requestId"/> (a client retrying) returns the stored record.</summary>
    public async Task<ConsentAppendResult> AppendAsync(ConsentRequest request, string? requestId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (requestId is not null && await FindByRequestIdAsync(request.SubjectKey, requestId, cancellationToken) is { } existing)
        {
            return new ConsentAppendResult(existing, Repeated: true);
        }

        for (var attempt = 1; ; attempt++)
        {
            var last = await LatestAsync(request.SubjectKey, cancellationToken);
            var record = ConsentLedger.Append(last, request, clock.GetUtcNow());
            try
            {
                await storage.Consents.AddEntityAsync(ToEntity(record, requestId), cancellationToken);
                return new ConsentAppendResult(record, Repeated: false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && attempt < MaxAttempts)
            {
                // Another record took this sequence number: append after it, after a moment that grows with the
                // races lost and differs between writers, so those still racing do not meet again in step.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 4 * Math.Min(attempt, 10) + 1)), cancellationToken);
            }
        }
    }

    /// <summary>A subject's whole ledger with its status and chain check; null when nothing is recorded.</summary>
    public async Task<ConsentLedgerView?> ReadAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var history = new List<ConsentRecord>();
        await foreach (var entity in storage.Consents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}"), cancellationToken: cancellationToken))
        {
            history.Add(FromEntity(entity));
        }

        if (history.Count == 0)
        {
            return null;
        }

        history.Reverse();
        return new ConsentLedgerView(history, ConsentLedger.Status(history), ConsentLedger.FirstBroken(history));
    }

    /// <summary>
    /// Every subject's current status for one purpose, read in one pass over the ledger (for jobs that decide for a
    /// whole audience, such as publishing bid lists). Holds one status per subject and channel.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ConsentStatus>>> StatusesForAsync(string purpose, CancellationToken cancellationToken = default)
    {
        var records = new Dictionary<string, List<ConsentRecord>>(StringComparer.Ordinal);
        await foreach (var entity in storage.Consents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Purpose eq {purpose}"), cancellationToken: cancellationToken))
        {
            var record = FromEntity(entity);
            if (!records.TryGetValue(entity.PartitionKey, out var list))
            {
                records[entity.PartitionKey] = list = [];
            }

            list.Add(record);
        }

        return records.ToDictionary(r => r.Key, r => ConsentLedger.Status(r.Value), StringComparer.Ordinal);
    }

    /// <summary>
    /// The current statuses of a page of subjects (those with nothing recorded are left out), read a few partitions per
    /// query, for jobs that stream an audience and must not hold the whole ledger.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ConsentStatus>>> StatusesOfAsync(IEnumerable<string> subjectKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectKeys);
        var records = new Dictionary<string, List<ConsentRecord>>(StringComparer.Ordinal);
        foreach (var group in subjectKeys.Distinct(StringComparer.Ordinal).Chunk(20))
        {
            var filter = string.Join(" or ", group.Select(key => TableClient.CreateQueryFilter($"PartitionKey eq {key}")));
            await foreach (var entity in storage.Consents.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                if (!records.TryGetValue(entity.PartitionKey, out var list))
                {
                    records[entity.PartitionKey] = list = [];
                }

                list.Add(FromEntity(entity));
            }
        }

        return records.ToDictionary(r => r.Key, r => ConsentLedger.Status(r.Value), StringComparer.Ordinal);
    }

    /// <summary>
    /// The current statuses of a page of subjects (those with nothing recorded are left out): the subjects inside
    /// <paramref name="dense"/> with one range query, the others a few partitions per query.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ConsentStatus>>> StatusesOfAsync(IReadOnlyCollection<string> subjectKeys, PartitionRange? dense, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectKeys);
        var rows = await PartitionReads.ReadAsync(storage.Consents, subjectKeys, dense, rowFilter: null, cancellationToken);
        return rows.ToDictionary(r => r.Key, r => ConsentLedger.Status(r.Value.Select(FromEntity).ToList()), StringComparer.Ordinal);
    }

    /// <summary>Every record of the given purposes, per subject, oldest first, in one pass over the ledger.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<ConsentRecord>>> HistoriesForAsync(IReadOnlyCollection<string> purposes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(purposes);
        var records = new Dictionary<string, List<ConsentRecord>>(StringComparer.Ordinal);
        foreach (var purpose in purposes.Distinct(StringComparer.Ordinal))
        {
            await foreach (var entity in storage.Consents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Purpose eq {purpose}"), cancellationToken: cancellationToken))
            {
                if (!records.TryGetValue(entity.PartitionKey, out var list))
                {
                    records[entity.PartitionKey] = list = [];
                }

                list.Add(FromEntity(entity));
            }
        }

        return records.ToDictionary(r => r.Key, r => (IReadOnlyList<ConsentRecord>)r.Value.OrderBy(c => c.Sequence).ToList(), StringComparer.Ordinal);
    }

    private async Task<ConsentRecord?> LatestAsync(string subjectKey, CancellationToken cancellationToken)
    {
        await foreach (var entity in storage.Consents.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}"), maxPerPage: 1, cancellationToken: cancellationToken))
        {
            return FromEntity(entity);
        }

        return null;
    }

    private async Task<ConsentRecord?> FindByRequestIdAsync(string subjectKey, string requestId, CancellationToken cancellationToken)
    {
        await foreach (var entity in storage.Consents.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey} and RequestId eq {requestId}"), cancellationToken: cancellationToken))
        {
            return FromEntity(entity);
        }

        return null;
    }

    private static TableEntity ToEntity(ConsentRecord record, string? requestId) => new(record.Request.SubjectKey, RowKeyOf(record.Sequence))
    {
        ["Sequence"] = record.Sequence,
        ["Purpose"] = record.Request.Purpose,
        ["Decision"] = record.Request.Decision.ToString(),
        ["Hash"] = record.Hash,
        ["RequestId"] = requestId,
        ["Record"] = JsonSerializer.Serialize(record, Json),
    };

    private static ConsentRecord FromEntity(TableEntity entity) =>
        JsonSerializer.Deserialize<ConsentRecord>(entity.GetString("Record"), Json)
        ?? throw new InvalidDataException($"Consent row {entity.PartitionKey}/{entity.RowKey} holds no record.");

    private static string RowKeyOf(long sequence) => (long.MaxValue - sequence).ToString("D19", CultureInfo.InvariantCulture);
}
