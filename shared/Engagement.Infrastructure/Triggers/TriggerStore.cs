using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Triggers;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Triggers;

/// <summary>A saved trigger.</summary>
/// <param name="Definition">The definition.</param>
/// <param name="CreatedAt">When it was saved.</param>
/// <param name="UpdatedAt">When it last changed (disabled).</param>
public sealed record SavedTrigger(TriggerDefinition Definition, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>What saving a trigger did.</summary>
public enum TriggerSaveOutcome
{
    /// <summary>Saved.</summary>
    Created,
    /// <summary>The same definition was already saved under the id (a retry): nothing changed.</summary>
    Repeated,
    /// <summary>Another definition is saved under the id: nothing changed.</summary>
    Conflict,
}

/// <summary>
/// Trigger definitions in table <c>triggers</c>: PartitionKey = trigger id, RowKey <c>definition</c>; the definition as
/// JSON, whether it is enabled, and when it was saved and changed. No personal data. Ingestion reads them through
/// <see cref="TriggerCatalog"/>, a copy refreshed now and then, never per event.
/// </summary>
public sealed class TriggerStore(EngagementStorage storage, TimeProvider clock)
{
    private const string DefinitionRow = "definition";

    /// <summary>Saves a new trigger; the same definition again is <see cref="TriggerSaveOutcome.Repeated"/>.</summary>
    public async Task<(TriggerSaveOutcome Outcome, SavedTrigger Trigger)> CreateAsync(TriggerDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var now = clock.GetUtcNow();
        var saved = new SavedTrigger(definition, now, now);
        try
        {
            await storage.Triggers.AddEntityAsync(ToEntity(saved), cancellationToken);
            return (TriggerSaveOutcome.Created, saved);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await GetAsync(definition.Id, cancellationToken) ?? throw new InvalidOperationException($"Trigger {definition.Id} vanished while it was being saved.");
            return (Same(existing.Definition, definition) ? TriggerSaveOutcome.Repeated : TriggerSaveOutcome.Conflict, existing);
        }
    }

    /// <summary>A trigger; null when none has the id.</summary>
    public async Task<SavedTrigger?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!TriggerDefinition.IsValidId(id))
        {
            return null;
        }

        var row = await storage.Triggers.GetEntityIfExistsAsync<TableEntity>(id, DefinitionRow, cancellationToken: cancellationToken);
        return row.HasValue ? FromEntity(row.Value!) : null;
    }

    /// <summary>Every trigger, by id.</summary>
    public async Task<IReadOnlyList<SavedTrigger>> ListAsync(CancellationToken cancellationToken = default)
    {
        var all = new List<SavedTrigger>();
        await foreach (var row in storage.Triggers.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {DefinitionRow}"), cancellationToken: cancellationToken))
        {
            if (FromEntity(row) is { } trigger)
            {
                all.Add(trigger);
            }
        }

        return all.OrderBy(t => t.Definition.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Disables a trigger (idempotent); null when none has the id.</summary>
    public async Task<SavedTrigger?> DisableAsync(string id, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (!TriggerDefinition.IsValidId(id))
            {
                return null;
            }

            var row = await storage.Triggers.GetEntityIfExistsAsync<TableEntity>(id, DefinitionRow, cancellationToken: cancellationToken);
            if (!row.HasValue || FromEntity(row.Value!) is not { } saved)
            {
                return null;
            }

            if (!saved.Definition.Enabled)
            {
                return saved;
            }

            var disabled = saved with { Definition = saved.Definition with { Enabled = false }, UpdatedAt = clock.GetUtcNow() };
            try
            {
                await storage.Triggers.UpdateEntityAsync(ToEntity(disabled), row.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return disabled;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Changed meanwhile: read it again.
            }
        }

        throw new InvalidOperationException($"Trigger {id} kept changing while it was being disabled.");
    }

    private static bool Same(TriggerDefinition a, TriggerDefinition b) =>
        JsonSerializer.Serialize(a, WorkflowJson.Options) == JsonSerializer.Serialize(b, WorkflowJson.Options);

    private static TableEntity ToEntity(SavedTrigger trigger) => new(trigger.Definition.Id, DefinitionRow)
    {
        ["Json"] = JsonSerializer.Serialize(trigger.Definition, WorkflowJson.Options),
        ["Enabled"] = trigger.Definition.Enabled,
        ["CreatedAt"] = trigger.CreatedAt,
        ["UpdatedAt"] = trigger.UpdatedAt,
    };

    private static SavedTrigger? FromEntity(TableEntity row) =>
        row.GetString("Json") is { } json && JsonSerializer.Deserialize<TriggerDefinition>(json, WorkflowJson.Options) is { } definition
            ? new SavedTrigger(definition, row.GetDateTimeOffset("CreatedAt") ?? default, row.GetDateTimeOffset("UpdatedAt") ?? default)
            : null;
}

/// <summary>
/// The trigger definitions as ingestion and the scans see them: a copy read at most every
/// <see cref="TriggerOptions.RefreshEvery"/>, so matching events costs no storage read. A change made through this
/// process's <see cref="TriggerStore"/> is seen by other processes within that time.
/// </summary>
public sealed class TriggerCatalog(TriggerStore store, Microsoft.Extensions.Options.IOptions<TriggerOptions> options, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _snapshot;

    /// <summary>The enabled triggers.</summary>
    public async ValueTask<IReadOnlyList<TriggerDefinition>> EnabledAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = _snapshot;
        if (snapshot is not null && clock.GetUtcNow() - snapshot.ReadAt < options.Value.RefreshEvery)
        {
            return snapshot.Enabled;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            snapshot = _snapshot;
            if (snapshot is null || clock.GetUtcNow() - snapshot.ReadAt >= options.Value.RefreshEvery)
            {
                var all = await store.ListAsync(cancellationToken);
                snapshot = new Snapshot(clock.GetUtcNow(), all.Select(t => t.Definition).Where(d => d.Enabled).ToList());
                _snapshot = snapshot;
            }

            return snapshot.Enabled;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Forgets the copy, so the next call reads the definitions (after a change in this process).</summary>
    public void Forget() => _snapshot = null;

    /// <inheritdoc />
    public void Dispose() => _refresh.Dispose();

    private sealed record Snapshot(DateTimeOffset ReadAt, IReadOnlyList<TriggerDefinition> Enabled);
}
