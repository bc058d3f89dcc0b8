using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Campaigns;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>One recipient of a campaign's audience snapshot.</summary>
/// <param name="SubjectKey">The pseudonymous subject key.</param>
/// <param name="Cell">The cell (<see cref="CampaignCells"/>).</param>
/// <param name="Variant">The cell's variant; null for the holdout.</param>
/// <param name="Email">The address the audience was resolved with.</param>
/// <param name="Name">The name for the To header, if known.</param>
/// <param name="TimeZone">The recipient's IANA time zone, if known.</param>
public sealed record SnapshotRecipient(string SubjectKey, string Cell, string? Variant, string Email, string? Name, string? TimeZone);

/// <summary>One recipient of a step's plan.</summary>
/// <param name="SubjectKey">The pseudonymous subject key.</param>
/// <param name="Variant">The variant they get.</param>
/// <param name="Email">Their address.</param>
/// <param name="Name">Their name, if known.</param>
public sealed record PlannedRecipient(string SubjectKey, string Variant, string Email, string? Name);

/// <summary>A campaign as listed: its definition and when it was created.</summary>
/// <param name="Id">The campaign id (its workflow instance id).</param>
/// <param name="Name">The marketer's name for it.</param>
/// <param name="SegmentId">Its segment.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Definition">The definition it was started with.</param>
public sealed record CampaignEntry(string Id, string Name, string SegmentId, DateTimeOffset CreatedAt, CampaignDefinition Definition);

/// <summary>
/// What a campaign run keeps besides its workflow state: the campaign list with each definition and final report
/// (table <c>campaigns</c>), and per campaign the audience snapshot and each step's plan (table <c>campaignruns</c>),
/// so the decider's state holds counts and cursors only. Snapshot rows: PartitionKey = campaign id, RowKey
/// <c>r|{subject key}</c>; plan rows: PartitionKey = campaign id "|" step, RowKey = slot instant "|" position in the
/// slot (nine digits), so a batch of a slot is one range read. A snapshot or plan counts only once its marker row holds
/// the answer; a run that stopped midway is wiped and made again.
/// </summary>
public sealed class CampaignRunStore(EngagementStorage storage)
{
    private const string ListPartition = "campaign";
    private const string RecipientPrefix = "r|";
    private const string AudienceMarker = "resolved";
    private const string PlanMarkerPrefix = "planned|";
    private const int TransactionSize = 100;

    /// <summary>Adds a campaign to the list; false when the id is taken.</summary>
    public async Task<bool> TryAddAsync(string id, CampaignDefinition definition, DateTimeOffset createdAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var row = new TableEntity(ListPartition, id)
        {
            ["Name"] = definition.Name,
            ["SegmentId"] = definition.SegmentId,
            ["CreatedAt"] = createdAt,
        };
        ChunkedJson.Write(row, "Definition", WorkflowJson.Write(definition).GetRawText());
        try
        {
            await storage.Campaigns.AddEntityAsync(row, cancellationToken);
            return true;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>A campaign of the list, or null.</summary>
    public async Task<CampaignEntry?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await storage.Campaigns.GetEntityIfExistsAsync<TableEntity>(ListPartition, id, cancellationToken: cancellationToken);
        return row.HasValue ? EntryOf(row.Value!) : null;
    }

    /// <summary>Campaigns, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<CampaignEntry>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        var entries = new List<CampaignEntry>();
        await foreach (var row in storage.Campaigns.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ListPartition}"), cancellationToken: cancellationToken))
        {
            if (EntryOf(row) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries.OrderByDescending(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal).Take(limit).ToList();
    }

    /// <summary>Keeps a campaign's final report.</summary>
    public async Task KeepReportAsync(string id, CampaignReport report, CancellationToken cancellationToken = default)
    {
        var row = new TableEntity(ListPartition, id);
        ChunkedJson.Write(row, "Report", WorkflowJson.Write(report).GetRawText());
        await storage.Campaigns.UpsertEntityAsync(row, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>A campaign's final report, once kept.</summary>
    public async Task<CampaignReport?> ReportAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await storage.Campaigns.GetEntityIfExistsAsync<TableEntity>(ListPartition, id, cancellationToken: cancellationToken);
        return row.HasValue && ChunkedJson.Read(row.Value!, "Report") is { } json ? JsonSerializer.Deserialize<CampaignReport>(json, WorkflowJson.Options) : null;
    }

    /// <summary>The kept answer of the audience resolution, or null when it has not finished.</summary>
    public Task<AudienceResolved?> ResolvedAsync(string campaignId, CancellationToken cancellationToken = default) =>
        MarkerAsync<AudienceResolved>(campaignId, AudienceMarker, cancellationToken);

    /// <summary>Drops what an unfinished audience resolution wrote.</summary>
    public Task ClearSnapshotAsync(string campaignId, CancellationToken cancellationToken = default) =>
        DeleteRangeAsync(campaignId, RecipientPrefix, cancellationToken);

    /// <summary>Adds a page of recipients to the snapshot (idempotent).</summary>
    public async Task AddToSnapshotAsync(string campaignId, IReadOnlyList<SnapshotRecipient> recipients, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in recipients.DistinctBy(r => r.SubjectKey, StringComparer.Ordinal).Chunk(TransactionSize))
        {
            await storage.CampaignRuns.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(campaignId, RecipientPrefix + r.SubjectKey)
            {
                ["SubjectKey"] = r.SubjectKey,
                ["Cell"] = r.Cell,
                ["Variant"] = r.Variant,
                ["Email"] = r.Email,
                ["Name"] = r.Name,
                ["TimeZone"] = r.TimeZone,
            })), cancellationToken);
        }
    }

    /// <summary>Marks the snapshot complete with its answer.</summary>
    public Task FinishSnapshotAsync(string campaignId, AudienceResolved resolved, CancellationToken cancellationToken = default) =>
        WriteMarkerAsync(campaignId, AudienceMarker, resolved, cancellationToken);

    /// <summary>The snapshot, streamed in subject-key order.</summary>
    public async IAsyncEnumerable<SnapshotRecipient> SnapshotAsync(string campaignId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in Range(campaignId, RecipientPrefix, cancellationToken))
        {
            yield return new SnapshotRecipient(
                row.GetString("SubjectKey") ?? row.RowKey[RecipientPrefix.Length..],
                row.GetString("Cell") ?? string.Empty,
                row.GetString("Variant"),
                row.GetString("Email") ?? string.Empty,
                row.GetString("Name"),
                row.GetString("TimeZone"));
        }
    }

    /// <summary>The kept answer of a step's plan, or null when it has not finished.</summary>
    public Task<StepPlanned?> PlannedAsync(string campaignId, string step, CancellationToken cancellationToken = default) =>
        MarkerAsync<StepPlanned>(campaignId, PlanMarkerPrefix + step, cancellationToken);

    /// <summary>Drops what an unfinished plan of a step wrote.</summary>
    public async Task ClearPlanAsync(string campaignId, string step, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in storage.CampaignRuns.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {PlanPartition(campaignId, step)}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        await TableRows.DeleteAsync(storage.CampaignRuns, rows, cancellationToken);
    }

    /// <summary>Adds planned recipients, each at its slot and position (idempotent).</summary>
    public async Task AddToPlanAsync(string campaignId, string step, IReadOnlyList<(DateTimeOffset Slot, long Position, PlannedRecipient Recipient)> planned, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in planned.Chunk(TransactionSize))
        {
            await storage.CampaignRuns.SubmitTransactionAsync(chunk.Select(p => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(PlanPartition(campaignId, step), PlanRowKey(p.Slot, p.Position))
            {
                ["SubjectKey"] = p.Recipient.SubjectKey,
                ["Variant"] = p.Recipient.Variant,
                ["Email"] = p.Recipient.Email,
                ["Name"] = p.Recipient.Name,
            })), cancellationToken);
        }
    }

    /// <summary>Marks a step's plan complete with its answer.</summary>
    public Task FinishPlanAsync(string campaignId, string step, StepPlanned planned, CancellationToken cancellationToken = default) =>
        WriteMarkerAsync(campaignId, PlanMarkerPrefix + step, planned, cancellationToken);

    /// <summary>Recipients <paramref name="skip"/> to <paramref name="skip"/> + <paramref name="take"/> − 1 of a slot of a step's plan.</summary>
    public async Task<IReadOnlyList<PlannedRecipient>> SlotAsync(string campaignId, string step, DateTimeOffset slot, long skip, int take, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {PlanPartition(campaignId, step)} and RowKey ge {PlanRowKey(slot, skip)} and RowKey lt {PlanRowKey(slot, skip + take)}");
        var recipients = new List<PlannedRecipient>();
        await foreach (var row in storage.CampaignRuns.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            recipients.Add(new PlannedRecipient(row.GetString("SubjectKey") ?? string.Empty, row.GetString("Variant") ?? string.Empty, row.GetString("Email") ?? string.Empty, row.GetString("Name")));
        }

        return recipients;
    }

    /// <summary>How many snapshot and plan rows name the subject, by campaign, for an export.</summary>
    public async Task<IReadOnlyList<string>> ExportAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        await foreach (var row in OfSubjectAsync(subjectKey, ["PartitionKey", "RowKey", "Cell", "Variant", "Email"], cancellationToken))
        {
            lines.Add(row.RowKey.StartsWith(RecipientPrefix, StringComparison.Ordinal)
                ? $"campaign {row.PartitionKey}: in the audience, cell {row.GetString("Cell")}, address {row.GetString("Email")}"
                : $"campaign step {row.PartitionKey.Replace('|', ' ')}: planned for {row.RowKey.Split('|')[0]}, variant {row.GetString("Variant")}, address {row.GetString("Email")}");
        }

        return lines;
    }

    /// <summary>Deletes every snapshot and plan row naming the subject; returns how many went.</summary>
    public async Task<int> EraseAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in OfSubjectAsync(subjectKey, ["PartitionKey", "RowKey"], cancellationToken))
        {
            rows.Add(row);
        }

        return (int)await TableRows.DeleteAsync(storage.CampaignRuns, rows, cancellationToken);
    }

    private AsyncPageable<TableEntity> OfSubjectAsync(string subjectKey, IEnumerable<string> select, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        return storage.CampaignRuns.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), select: select, cancellationToken: cancellationToken);
    }

    private AsyncPageable<TableEntity> Range(string partitionKey, string prefix, CancellationToken cancellationToken) =>
        storage.CampaignRuns.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {prefix} and RowKey lt {prefix[..^1] + (char)(prefix[^1] + 1)}"),
            cancellationToken: cancellationToken);

    private async Task DeleteRangeAsync(string partitionKey, string prefix, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Range(partitionKey, prefix, cancellationToken))
        {
            rows.Add(row);
        }

        await TableRows.DeleteAsync(storage.CampaignRuns, rows, cancellationToken);
    }

    private async Task<T?> MarkerAsync<T>(string campaignId, string rowKey, CancellationToken cancellationToken)
        where T : class
    {
        var row = await storage.CampaignRuns.GetEntityIfExistsAsync<TableEntity>(campaignId, rowKey, cancellationToken: cancellationToken);
        return row.HasValue && ChunkedJson.Read(row.Value!, "Answer") is { } json ? JsonSerializer.Deserialize<T>(json, WorkflowJson.Options) : null;
    }

    private async Task WriteMarkerAsync<T>(string campaignId, string rowKey, T answer, CancellationToken cancellationToken)
    {
        var row = new TableEntity(campaignId, rowKey);
        ChunkedJson.Write(row, "Answer", WorkflowJson.Write(answer).GetRawText());
        await storage.CampaignRuns.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    private static CampaignEntry? EntryOf(TableEntity row) =>
        ChunkedJson.Read(row, "Definition") is { } json && JsonSerializer.Deserialize<CampaignDefinition>(json, WorkflowJson.Options) is { } definition
            ? new CampaignEntry(row.RowKey, row.GetString("Name") ?? definition.Name, row.GetString("SegmentId") ?? definition.SegmentId, row.GetDateTimeOffset("CreatedAt") ?? default, definition)
            : null;

    private static string PlanPartition(string campaignId, string step) => $"{campaignId}|{step}";

    private static string PlanRowKey(DateTimeOffset slot, long position) => $"{slot.UtcDateTime:yyyyMMddTHHmmssfffZ}|{position:D9}";
}
