using System.Globalization;
using Azure.Data.Tables;
using Engagement.Core.Campaigns;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>A campaign e-mail that went out to a contact, as frequency caps count it.</summary>
/// <param name="SubjectKey">The recipient's pseudonymous subject key.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Step">The step.</param>
/// <param name="At">When the relay took it.</param>
public sealed record FrequencySend(string SubjectKey, string CampaignId, string Step, DateTimeOffset At);

/// <summary>
/// Who got campaign e-mails in the last week, across campaigns (table <c>campaignfrequency</c>: PartitionKey = UTC day
/// <c>yyyyMMdd</c> "|" the first character of the subject key, RowKey = subject key "|" campaign "|" step). A day is
/// spread over 16 partitions (subject keys are hexadecimal) so that a big send does not write all its rows into one
/// partition, whose throughput the Table service limits; as the spread follows key order, a batch planned in key order
/// still writes to one or two. A whole audience is checked against it after one scan of the week's day ranges, never
/// a read per contact; a batch about to be sent reads only its own recipients' rows. Writes are upserts of a row named
/// by the send, so recording a send twice counts it once.
/// </summary>
public sealed class CampaignFrequencyStore(EngagementStorage storage)
{
    private const int TransactionSize = 100;
    // The Table service allows at most 15 comparisons in a filter: two for the days, then two per subject's key range.
    private const int SubjectsPerQuery = 6;

    /// <summary>Records sends, one entity-group transaction per partition and 100 sends, the partitions side by side.</summary>
    public async Task RecordAsync(IEnumerable<FrequencySend> sends, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sends);
        var transactions = sends
            .Where(s => !string.IsNullOrEmpty(s.SubjectKey))
            .GroupBy(s => PartitionOf(s.At, s.SubjectKey))
            .SelectMany(partition => partition.DistinctBy(s => RowKey(s)).Chunk(TransactionSize).Select(chunk => (partition.Key, chunk)));
        await Task.WhenAll(transactions.Select(async t =>
        {
            var rows = t.chunk.Select(s => new TableEntity(t.Key, RowKey(s))
            {
                ["SubjectKey"] = s.SubjectKey,
                ["CampaignId"] = s.CampaignId,
                ["Step"] = s.Step,
                ["At"] = s.At,
            }).ToList();
            try
            {
                // A send is recorded once, so its row is new: added without first asking whether it exists.
                await storage.CampaignFrequency.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // Recorded before (a send retried after its sender stopped): the same row again, counted once.
                await storage.CampaignFrequency.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), cancellationToken);
            }
        }));
    }

    /// <summary>Every send of the last week (as of <paramref name="now"/>), in one scan of the day partitions it touches.</summary>
    public async Task<FrequencyHistory> ReadWeekAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var history = new FrequencyHistory();
        foreach (var day in FrequencyCap.DaysToRead(now))
        {
            await foreach (var row in storage.CampaignFrequency.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey ge {DayKey(day)} and PartitionKey lt {DayKey(day) + "}"}"), select: ["SubjectKey", "CampaignId", "Step", "At"], cancellationToken: cancellationToken))
            {
                history.Add(SendOf(row));
            }
        }

        return history;
    }

    /// <summary>
    /// The last week's sends of the given subjects only (a batch about to be sent, planned in key order): one query over
    /// the week's day partitions for the row keys from the first subject to the last; where that range proves sparse (a
    /// page of it holds fewer of the subjects than a named query would), a query per few subjects instead.
    /// </summary>
    public async Task<FrequencyHistory> ReadWeekOfAsync(IEnumerable<string> subjectKeys, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectKeys);
        var keys = subjectKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var history = new FrequencyHistory();
        if (keys.Count == 0)
        {
            return history;
        }

        var days = FrequencyCap.DaysToRead(now);
        var week = TableClient.CreateQueryFilter($"PartitionKey ge {DayKey(days[0])} and PartitionKey lt {DayKey(days[^1]) + "}"}");
        var wanted = keys.ToHashSet(StringComparer.Ordinal);
        var sends = keys.Count < 2 ? null : await RangeOfAsync(week, keys, wanted, cancellationToken);
        sends ??= (await Task.WhenAll(keys.Chunk(SubjectsPerQuery).Select(group =>
            ReadAllAsync(week + " and (" + string.Join(" or ", group.Select(key => "(" + SubjectRows([key]) + ")")) + ")", cancellationToken)))).SelectMany(s => s).ToList();
        foreach (var send in sends.Where(s => wanted.Contains(s.SubjectKey)))
        {
            history.Add(send);
        }

        return history;
    }

    // The week's rows from the first subject to the last, or null (nothing kept) when a page of it holds too few of them
    // to be worth reading further.
    private async Task<List<FrequencySend>?> RangeOfAsync(string week, List<string> sortedKeys, HashSet<string> wanted, CancellationToken cancellationToken)
    {
        var sends = new List<FrequencySend>();
        var filter = week + " and " + SubjectRows(sortedKeys);
        await foreach (var page in storage.CampaignFrequency.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["SubjectKey", "CampaignId", "Step", "At"], cancellationToken: cancellationToken).AsPages())
        {
            var read = page.Values.Select(SendOf).ToList();
            sends.AddRange(read);
            if (page.ContinuationToken is not null && read.Count > 0 && read.Select(s => s.SubjectKey).Distinct(StringComparer.Ordinal).Count(wanted.Contains) < SubjectsPerQuery)
            {
                return null;
            }
        }

        return sends;
    }

    private async Task<List<FrequencySend>> ReadAllAsync(string filter, CancellationToken cancellationToken)
    {
        var sends = new List<FrequencySend>();
        await foreach (var row in storage.CampaignFrequency.QueryAsync<TableEntity>(filter, select: ["SubjectKey", "CampaignId", "Step", "At"], cancellationToken: cancellationToken))
        {
            sends.Add(SendOf(row));
        }

        return sends;
    }

    // The row keys from the first subject's to the last subject's (a row key is the subject key, "|" and the send; as "|"
    // sorts after every character of a key, a key that begins another sorts its rows after it, so the bounds are the
    // least and greatest of each key's own bounds, not the first and last key's).
    private static string SubjectRows(IReadOnlyCollection<string> keys)
    {
        var from = keys.Select(key => key + "|").Min(StringComparer.Ordinal);
        var to = keys.Select(key => key + "}").Max(StringComparer.Ordinal);
        return TableClient.CreateQueryFilter($"RowKey ge {from} and RowKey lt {to}");
    }

    /// <summary>Deletes the day partitions older than <paramref name="keepDays"/> days before <paramref name="now"/>; returns rows deleted.</summary>
    public async Task<long> DeleteOlderThanAsync(DateTimeOffset now, int keepDays, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepDays, 8);
        var before = DayKey(DateOnly.FromDateTime(now.UtcDateTime).AddDays(-keepDays));
        var rows = await storage.CampaignFrequency.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey lt {before}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        return await TableRows.DeleteAsync(storage.CampaignFrequency, rows, cancellationToken);
    }

    /// <summary>Every send counted for the subject, for an export.</summary>
    public async Task<IReadOnlyList<FrequencySend>> ExportAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        var sends = new List<FrequencySend>();
        await foreach (var row in storage.CampaignFrequency.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), cancellationToken: cancellationToken))
        {
            sends.Add(SendOf(row));
        }

        return sends.OrderBy(s => s.At).ToList();
    }

    /// <summary>Deletes every send counted for the subject; returns how many rows went.</summary>
    public async Task<int> EraseAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        var rows = await storage.CampaignFrequency.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        return (int)await TableRows.DeleteAsync(storage.CampaignFrequency, rows, cancellationToken);
    }

    private static FrequencySend SendOf(TableEntity row) => new(
        row.GetString("SubjectKey") ?? string.Empty,
        row.GetString("CampaignId") ?? string.Empty,
        row.GetString("Step") ?? string.Empty,
        row.GetDateTimeOffset("At") ?? default);

    private static string RowKey(FrequencySend send) => $"{send.SubjectKey}|{send.CampaignId}|{send.Step}";

    private static string DayKey(DateTimeOffset at) => DayKey(DateOnly.FromDateTime(at.UtcDateTime));

    // "|" sorts after every character of a day, so a day's partitions lie between the day and the day followed by "}".
    private static string PartitionOf(DateTimeOffset at, string subjectKey) => DayKey(at) + "|" + subjectKey[0];

    private static string DayKey(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Sends of the last week per contact, held compactly (a time and a small index per send), to check a frequency cap
/// for each contact of an audience in memory.
/// </summary>
public sealed class FrequencyHistory
{
    private readonly Dictionary<string, List<(long Ticks, int Send)>> _bySubject = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _sendIds = new(StringComparer.Ordinal);

    /// <summary>Contacts with at least one send.</summary>
    public int Subjects => _bySubject.Count;

    /// <summary>Adds a send.</summary>
    public void Add(FrequencySend send)
    {
        ArgumentNullException.ThrowIfNull(send);
        var id = SendId(send.CampaignId, send.Step, add: true);
        if (!_bySubject.TryGetValue(send.SubjectKey, out var list))
        {
            _bySubject[send.SubjectKey] = list = new List<(long, int)>(1);
        }

        // A campaign step sends a contact one message: a send recorded twice (again after its sender stopped, under
        // another day when the two times straddle midnight) counts once, at its earliest time.
        var at = list.FindIndex(s => s.Send == id);
        if (at < 0)
        {
            list.Add((send.At.UtcTicks, id));
        }
        else if (send.At.UtcTicks < list[at].Ticks)
        {
            list[at] = (send.At.UtcTicks, id);
        }
    }

    /// <summary>
    /// Whether <paramref name="cap"/> lets one more message of this campaign step reach the subject at <paramref name="now"/>.
    /// A send of the same step does not count against itself (a resend after a takeover is the same message).
    /// </summary>
    public bool Allows(FrequencyCap cap, string subjectKey, string campaignId, string step, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cap);
        if (!_bySubject.TryGetValue(subjectKey, out var sends))
        {
            return true;
        }

        var self = SendId(campaignId, step, add: false);
        return cap.Allows(sends.Where(s => s.Send != self).Select(s => new DateTimeOffset(s.Ticks, TimeSpan.Zero)), now);
    }

    private int SendId(string campaignId, string step, bool add)
    {
        var key = campaignId + "|" + step;
        if (_sendIds.TryGetValue(key, out var id))
        {
            return id;
        }

        if (!add)
        {
            return -1;
        }

        id = _sendIds.Count;
        _sendIds[key] = id;
        return id;
    }
}
