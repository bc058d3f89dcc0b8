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
/// Who got campaign e-mails in the last week, across campaigns (table <c>campaignfrequency</c>, one partition per UTC
/// day, RowKey = subject key "|" campaign "|" step). A whole audience is checked against it after one scan of the 8 day
/// partitions a week touches, never a read per contact; a batch about to be sent reads only its own recipients' rows.
/// Writes are upserts of a row named by the send, so recording a send twice counts it once.
/// </summary>
public sealed class CampaignFrequencyStore(EngagementStorage storage)
{
    private const int TransactionSize = 100;
    // The Table service allows at most 15 comparisons in a filter: two for the days, then two per subject's key range.
    private const int SubjectsPerQuery = 6;

    /// <summary>Records sends, one entity-group transaction per day and 100 sends.</summary>
    public async Task RecordAsync(IEnumerable<FrequencySend> sends, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sends);
        foreach (var day in sends.GroupBy(s => DayKey(s.At)))
        {
            foreach (var chunk in day.DistinctBy(s => RowKey(s)).Chunk(TransactionSize))
            {
                await storage.CampaignFrequency.SubmitTransactionAsync(
                    chunk.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(day.Key, RowKey(s))
                    {
                        ["SubjectKey"] = s.SubjectKey,
                        ["CampaignId"] = s.CampaignId,
                        ["Step"] = s.Step,
                        ["At"] = s.At,
                    })), cancellationToken);
            }
        }
    }

    /// <summary>Every send of the last week (as of <paramref name="now"/>), in one scan of the day partitions it touches.</summary>
    public async Task<FrequencyHistory> ReadWeekAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var history = new FrequencyHistory();
        foreach (var day in FrequencyCap.DaysToRead(now))
        {
            await foreach (var row in storage.CampaignFrequency.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {DayKey(day)}"), select: ["SubjectKey", "CampaignId", "Step", "At"], cancellationToken: cancellationToken))
            {
                history.Add(SendOf(row));
            }
        }

        return history;
    }

    /// <summary>
    /// The last week's sends of the given subjects only (a batch about to be sent): one query per few subjects over the
    /// whole week's day partitions at once.
    /// </summary>
    public async Task<FrequencyHistory> ReadWeekOfAsync(IEnumerable<string> subjectKeys, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectKeys);
        var days = FrequencyCap.DaysToRead(now);
        var (first, last) = (DayKey(days[0]), DayKey(days[^1]));
        var found = await Task.WhenAll(subjectKeys.Distinct(StringComparer.Ordinal).Chunk(SubjectsPerQuery).Select(async group =>
        {
            var ranges = string.Join(" or ", group.Select(key => "(" + TableClient.CreateQueryFilter($"RowKey ge {key + "|"} and RowKey lt {key + "}"}") + ")"));
            var filter = TableClient.CreateQueryFilter($"PartitionKey ge {first} and PartitionKey le {last}") + " and (" + ranges + ")";
            var sends = new List<FrequencySend>();
            await foreach (var row in storage.CampaignFrequency.QueryAsync<TableEntity>(filter, select: ["SubjectKey", "CampaignId", "Step", "At"], cancellationToken: cancellationToken))
            {
                sends.Add(SendOf(row));
            }

            return sends;
        }));
        var history = new FrequencyHistory();
        foreach (var send in found.SelectMany(f => f))
        {
            history.Add(send);
        }

        return history;
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

        if (!list.Contains((send.At.UtcTicks, id)))
        {
            list.Add((send.At.UtcTicks, id));
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
