using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Templates;

/// <summary>The outcome of saving a template.</summary>
public enum TemplateSaveOutcome
{
    /// <summary>A new template (version 1) was stored.</summary>
    Created,

    /// <summary>A new version of an existing template was stored.</summary>
    Updated,

    /// <summary>The same template was stored before under this id (a retried save): nothing was written.</summary>
    Repeated,

    /// <summary>The id holds a different template (create), or the template changed since the version the caller read (update).</summary>
    Conflict,

    /// <summary>There is no template with the id (update).</summary>
    NotFound,
}

/// <summary>Campaign templates in the <c>templates</c> table, one row per version.</summary>
public sealed class TemplateStore(EngagementStorage storage, TimeProvider clock)
{
    /// <summary>Stores a new template as version 1 under <paramref name="id"/>; a retry with the same content changes nothing.</summary>
    public async Task<(TemplateSaveOutcome Outcome, StoredTemplate Stored)> CreateAsync(string id, CampaignTemplate template, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(template);
        var entity = ToEntity(id, 1, template, clock.GetUtcNow());
        try
        {
            var response = await storage.Templates.AddEntityAsync(entity, cancellationToken);
            return (TemplateSaveOutcome.Created, new StoredTemplate(id, 1, template, entity.GetDateTimeOffset("SavedAt")!.Value, response.Headers.ETag?.ToString() ?? string.Empty));
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await GetAsync(id, cancellationToken)
                ?? throw new InvalidOperationException($"Template {id} exists and cannot be read.", ex);
            return (existing.Template == template ? TemplateSaveOutcome.Repeated : TemplateSaveOutcome.Conflict, existing);
        }
    }

    /// <summary>
    /// Stores a new version of a template, if its latest version is still the one whose ETag the caller read. A retry
    /// of an update that went through (same content, the ETag it read now stale) changes nothing.
    /// </summary>
    public async Task<(TemplateSaveOutcome Outcome, StoredTemplate? Stored)> UpdateAsync(string id, CampaignTemplate template, string ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(ifMatch);
        if (await GetAsync(id, cancellationToken) is not { } latest)
        {
            return (TemplateSaveOutcome.NotFound, null);
        }

        if (latest.Template == template)
        {
            return (TemplateSaveOutcome.Repeated, latest);
        }

        if (!string.Equals(latest.ETag, ifMatch, StringComparison.Ordinal))
        {
            return (TemplateSaveOutcome.Conflict, latest);
        }

        var entity = ToEntity(id, latest.Version + 1, template, clock.GetUtcNow());
        try
        {
            var response = await storage.Templates.AddEntityAsync(entity, cancellationToken);
            return (TemplateSaveOutcome.Updated, new StoredTemplate(id, latest.Version + 1, template, entity.GetDateTimeOffset("SavedAt")!.Value, response.Headers.ETag?.ToString() ?? string.Empty));
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Another update took this version number first: the caller's version is no longer the latest.
            return (TemplateSaveOutcome.Conflict, await GetAsync(id, cancellationToken));
        }
    }

    /// <summary>The latest version of a template, or null when there is none.</summary>
    public async Task<StoredTemplate?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id}");
        await foreach (var entity in storage.Templates.QueryAsync<TableEntity>(filter, maxPerPage: 1, cancellationToken: cancellationToken))
        {
            return FromEntity(entity);
        }

        return null;
    }

    private static string RowKeyOf(int version) => (int.MaxValue - version).ToString("D10", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(string id, int version, CampaignTemplate template, DateTimeOffset savedAt) => new(id, RowKeyOf(version))
    {
        ["Version"] = version,
        ["Name"] = template.Name,
        ["Subject"] = template.Subject,
        ["Preheader"] = template.Preheader,
        ["Html"] = template.Html,
        ["TextBody"] = template.Text,
        ["SavedAt"] = savedAt,
    };

    private static StoredTemplate FromEntity(TableEntity entity) => new(
        entity.PartitionKey,
        entity.GetInt32("Version") ?? 1,
        new CampaignTemplate(
            entity.GetString("Name") ?? string.Empty,
            entity.GetString("Subject") ?? string.Empty,
            entity.GetString("Preheader") ?? string.Empty,
            entity.GetString("Html") ?? string.Empty,
            entity.GetString("TextBody") ?? string.Empty),
        entity.GetDateTimeOffset("SavedAt") ?? entity.Timestamp ?? DateTimeOffset.MinValue,
        entity.ETag.ToString());
}
