using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Workflows;

/// <summary>An instance as stored, with the ETag it was read with.</summary>
internal sealed record StoredWorkflow(WorkflowSnapshot Snapshot, ETag ETag);

/// <summary>
/// The self-hosted runtime's instances in Table storage: partition = instance id; row <c>instance</c> holds the state,
/// rows <c>h{inverted turn}</c> the decisions, newest first. A decision and its history row go in one transaction,
/// guarded by the instance row's ETag, so two workers can never both decide on the same state.
/// </summary>
internal sealed class WorkflowStore(EngagementStorage storage)
{
    private const string InstanceRow = "instance";

    public async Task<StoredWorkflow?> ReadAsync(string id, CancellationToken cancellationToken)
    {
        var response = await storage.Workflows.GetEntityIfExistsAsync<TableEntity>(id, InstanceRow, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Adds a new instance with its first decision; false when the id exists.</summary>
    public async Task<bool> CreateAsync(WorkflowSnapshot instance, WorkflowDecisionEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Workflows.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.Add, ToEntity(instance)), new TableTransactionAction(TableTransactionActionType.Add, HistoryEntity(instance.Id, entry))],
                cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Replaces an instance read with <paramref name="etag"/>, adding a decision; false when it changed meanwhile.</summary>
    public async Task<bool> TryCommitAsync(WorkflowSnapshot instance, ETag etag, WorkflowDecisionEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Workflows.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(instance), etag), new TableTransactionAction(TableTransactionActionType.Add, HistoryEntity(instance.Id, entry))],
                cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 409 or 404)
        {
            // 412: another decision came first; 409: its history row too; 404: erased. The caller re-reads.
            return false;
        }
    }

    public async Task<IReadOnlyList<WorkflowDecisionEntry>> HistoryAsync(string id, int latest, CancellationToken cancellationToken)
    {
        var entries = new List<WorkflowDecisionEntry>();
        await foreach (var entity in storage.Workflows.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {id} and RowKey ge 'h' and RowKey lt 'i'"), maxPerPage: latest, cancellationToken: cancellationToken))
        {
            entries.Add(JsonSerializer.Deserialize<WorkflowDecisionEntry>(entity.GetString("Entry"), WorkflowJson.Options)!);
            if (entries.Count == latest)
            {
                break;
            }
        }

        entries.Reverse();
        return entries;
    }

    /// <summary>Every instance that still has work: running, or finished with final commands pending.</summary>
    public async IAsyncEnumerable<WorkflowSnapshot> UnfinishedAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = $"RowKey eq '{InstanceRow}' and (Status eq '{WorkflowStatus.Running}' or PendingCount gt 0)";
        await foreach (var entity in storage.Workflows.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return FromEntity(entity).Snapshot;
        }
    }

    private static TableEntity ToEntity(WorkflowSnapshot instance)
    {
        var entity = new TableEntity(instance.Id, InstanceRow)
        {
            ["Type"] = instance.Type,
            ["Status"] = instance.Status.ToString(),
            ["WakeAt"] = instance.WakeAt,
            ["Turn"] = instance.Turn,
            ["CreatedAt"] = instance.CreatedAt,
            ["UpdatedAt"] = instance.UpdatedAt,
            ["PendingCount"] = instance.Pending.Count,
            ["RecentEvents"] = JsonSerializer.Serialize(instance.RecentEvents, WorkflowJson.Options),
        };
        ChunkedJson.Write(entity, "State", instance.State.GetRawText());
        ChunkedJson.Write(entity, "Pending", JsonSerializer.Serialize(instance.Pending, WorkflowJson.Options));
        return entity;
    }

    private static StoredWorkflow FromEntity(TableEntity entity) => new(new WorkflowSnapshot(
        entity.PartitionKey,
        entity.GetString("Type"),
        Enum.Parse<WorkflowStatus>(entity.GetString("Status")),
        JsonDocument.Parse(ChunkedJson.Read(entity, "State") ?? "null").RootElement.Clone(),
        JsonSerializer.Deserialize<List<WorkflowCommand>>(ChunkedJson.Read(entity, "Pending") ?? "[]", WorkflowJson.Options) ?? [],
        entity.GetDateTimeOffset("WakeAt"),
        entity.GetInt32("Turn") ?? 0,
        entity.GetDateTimeOffset("CreatedAt") ?? default,
        entity.GetDateTimeOffset("UpdatedAt") ?? default,
        JsonSerializer.Deserialize<List<string>>(entity.GetString("RecentEvents") ?? "[]", WorkflowJson.Options) ?? []),
        entity.ETag);

    private static TableEntity HistoryEntity(string id, WorkflowDecisionEntry entry) =>
        new(id, "h" + (int.MaxValue - entry.Turn).ToString("D10", CultureInfo.InvariantCulture))
        {
            ["Turn"] = entry.Turn,
            ["Entry"] = JsonSerializer.Serialize(entry, WorkflowJson.Options),
        };
}
