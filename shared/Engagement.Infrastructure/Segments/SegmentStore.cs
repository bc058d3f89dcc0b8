using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Segments;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Segments;

/// <summary>A saved segment.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Version">1 when created, one more with each change.</param>
/// <param name="Json">The definition as saved (JSON).</param>
/// <param name="Definition">The definition.</param>
/// <param name="CreatedAt">When version 1 was saved.</param>
/// <param name="UpdatedAt">When this version was saved.</param>
public sealed record SavedSegment(string Id, int Version, string Json, SegmentDefinition Definition, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>The entity tag of this version, for <c>ETag</c> and <c>If-Match</c>.</summary>
    public string ETag => "\"v" + Version.ToString(CultureInfo.InvariantCulture) + "\"";
}

/// <summary>What saving a new segment did.</summary>
public enum SegmentSaveOutcome
{
    /// <summary>Saved as version 1.</summary>
    Created,
    /// <summary>The same definition was already saved under the id (a retry): nothing changed.</summary>
    Repeated,
    /// <summary>Another definition is saved under the id: nothing changed.</summary>
    Conflict,
}

/// <summary>What changing a segment did.</summary>
public enum SegmentUpdateOutcome
{
    /// <summary>Saved as the next version.</summary>
    Updated,
    /// <summary>No segment has the id.</summary>
    NotFound,
    /// <summary>The segment changed since the version the caller named.</summary>
    Stale,
}

/// <summary>
/// Segment definitions in Table storage: PartitionKey = segment id; the row <c>current</c> holds the latest version and
/// a row <c>v{version}</c> every version ever saved (never changed), written in the same transaction as the current one.
/// </summary>
public sealed class SegmentStore(EngagementStorage storage, TimeProvider clock)
{
    private const string CurrentRow = "current";

    /// <summary>Saves a new segment; a retry with the same definition is <see cref="SegmentSaveOutcome.Repeated"/>.</summary>
    public async Task<(SegmentSaveOutcome Outcome, SavedSegment Segment)> CreateAsync(string id, string json, SegmentDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(definition);
        var now = clock.GetUtcNow();
        var saved = new SavedSegment(id, 1, json, definition, now, now);
        try
        {
            await storage.Segments.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.Add, ToEntity(saved, CurrentRow)), new TableTransactionAction(TableTransactionActionType.Add, ToEntity(saved, VersionRow(1)))],
                cancellationToken);
            return (SegmentSaveOutcome.Created, saved);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            var existing = await GetAsync(id, cancellationToken);
            return existing is not null && existing.Json == json
                ? (SegmentSaveOutcome.Repeated, existing)
                : (SegmentSaveOutcome.Conflict, existing ?? saved);
        }
    }

    /// <summary>Saves a new version of a segment, when <paramref name="ifMatchVersion"/> (if given) is still the latest.</summary>
    public async Task<(SegmentUpdateOutcome Outcome, SavedSegment? Segment)> UpdateAsync(string id, string json, SegmentDefinition definition, int? ifMatchVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var response = await storage.Segments.GetEntityIfExistsAsync<TableEntity>(id, CurrentRow, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            return (SegmentUpdateOutcome.NotFound, null);
        }

        var current = FromEntity(response.Value!);
        if (ifMatchVersion is { } expected && expected != current.Version)
        {
            return (SegmentUpdateOutcome.Stale, current);
        }

        var next = current with { Version = current.Version + 1, Json = json, Definition = definition, UpdatedAt = clock.GetUtcNow() };
        try
        {
            // The table's own ETag guards against a writer that read the same version at the same moment.
            await storage.Segments.SubmitTransactionAsync(
                [new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(next, CurrentRow), response.Value!.ETag),
                 new TableTransactionAction(TableTransactionActionType.Add, ToEntity(next, VersionRow(next.Version)))],
                cancellationToken);
            return (SegmentUpdateOutcome.Updated, next);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
        {
            return (SegmentUpdateOutcome.Stale, await GetAsync(id, cancellationToken));
        }
    }

    /// <summary>The latest version of a segment, or null.</summary>
    public async Task<SavedSegment?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var response = await storage.Segments.GetEntityIfExistsAsync<TableEntity>(id, CurrentRow, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Every segment's latest definition by id (definitions are small and few; people are not read here).</summary>
    public async Task<IReadOnlyDictionary<string, SegmentDefinition>> AllAsync(CancellationToken cancellationToken = default)
    {
        var all = new Dictionary<string, SegmentDefinition>(StringComparer.Ordinal);
        await foreach (var entity in storage.Segments.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {CurrentRow}"), cancellationToken: cancellationToken))
        {
            var segment = FromEntity(entity);
            all[segment.Id] = segment.Definition;
        }

        return all;
    }

    private static string VersionRow(int version) => "v" + version.ToString("D6", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(SavedSegment segment, string rowKey) => new(segment.Id, rowKey)
    {
        ["Name"] = segment.Definition.Name,
        ["Version"] = segment.Version,
        ["Definition"] = segment.Json,
        ["CreatedAt"] = segment.CreatedAt,
        ["UpdatedAt"] = segment.UpdatedAt,
    };

    private static SavedSegment FromEntity(TableEntity entity)
    {
        var json = entity.GetString("Definition");
        var parsed = SegmentParser.Parse(json);
        // Only valid definitions are ever saved; a row that no longer parses is a fault, not an expected outcome.
        var definition = parsed.Definition ?? throw new InvalidOperationException($"Segment {entity.PartitionKey} holds an invalid definition: {string.Join("; ", parsed.Errors)}");
        return new SavedSegment(entity.PartitionKey, entity.GetInt32("Version") ?? 1, json, definition,
            entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue, entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue);
    }
}
