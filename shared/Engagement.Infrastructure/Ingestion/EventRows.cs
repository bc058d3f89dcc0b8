using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Engagement.Core.Events;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Ingestion;

/// <summary>How events and activity summaries map to table rows.</summary>
internal static class EventRows
{
    public const string ActivityRowKey = "activity";
    public const string EventRowPrefix = "ev";

    // One binary property holds at most 64 KiB.
    private const int MaxBinaryBytes = 64_000;
    public const string CompressedSummary = "SummaryBr";

    /// <summary>
    /// The row key of an event: its message id, so a redelivered event meets its own row. Ids with characters a
    /// row key cannot hold are hashed.
    /// </summary>
    public static string RowKeyOf(string messageId)
    {
        var safe = messageId.Length <= 200 && messageId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '~');
        return safe
            ? EventRowPrefix + "_" + messageId
            : EventRowPrefix + "h_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)));
    }

    public static TableEntity ToEntity(string partitionKey, EngagementEvent ev)
    {
        var entity = new TableEntity(partitionKey, RowKeyOf(ev.MessageId))
        {
            ["Kind"] = ev.Kind.ToWireName(),
            ["MessageId"] = ev.MessageId,
            ["SourceId"] = ev.SourceId,
            ["OccurredAt"] = ev.Timestamp,
            ["ReceivedAt"] = ev.ReceivedAt,
            ["Identified"] = ev.UserId is not null,
        };
        Set(entity, "Name", ev.Name);
        Set(entity, "GroupId", ev.GroupId);
        Set(entity, "Properties", ev.PropertiesJson);
        Set(entity, "Context", ev.ContextJson);
        // Trait values are personal data kept only in the profile; the event row records which traits changed.
        Set(entity, "TraitNames", TraitNames(ev.TraitsJson));
        if (ev.Page is { } page)
        {
            Set(entity, "Url", page.Url);
            Set(entity, "Path", page.Path);
            Set(entity, "Host", page.Host);
            Set(entity, "Title", page.Title);
            Set(entity, "Referrer", page.Referrer);
            Set(entity, "Tokens", page.Tokens.Count == 0 ? null : string.Join(' ', page.Tokens));
        }

        if (ev.Ad is { } ad)
        {
            entity["Domain"] = ad.Domain;
            entity["Campaign"] = ad.Campaign;
            Set(entity, "Placement", ad.Placement);
            Set(entity, "Creative", ad.Creative);
            entity["VisibleSeconds"] = ad.VisibleSeconds;
            entity["CostEur"] = (double)ad.CostEur;
        }

        return entity;
    }

    public static TableEntity ToEntity(string partitionKey, ActivitySummary summary)
    {
        var entity = new TableEntity(partitionKey, ActivityRowKey)
        {
            ["EventCount"] = summary.EventCount,
            ["FirstSeen"] = summary.FirstSeen,
            ["LastSeen"] = summary.LastSeen,
        };

        // The summary travels with every transaction of its identity, so it is sent compressed: most of it is
        // repetitive (recent events, pages), and it shrinks to a fraction, which the table service parses faster.
        var compressed = CompressSummary(summary);
        if (compressed.Length <= MaxBinaryBytes)
        {
            entity[CompressedSummary] = compressed;
        }
        else
        {
            ChunkedJson.Write(entity, "Summary", JsonSerializer.Serialize(summary, EngagementJson.Default.ActivitySummary));
        }

        return entity;
    }

    /// <summary>A summary as Brotli-compressed JSON: how activity rows store it and how the write cache keeps it.</summary>
    public static byte[] CompressSummary(ActivitySummary summary) =>
        Compress(JsonSerializer.SerializeToUtf8Bytes(summary, EngagementJson.Default.ActivitySummary));

    /// <summary>The summary back from <see cref="CompressSummary"/>.</summary>
    public static ActivitySummary DecompressSummary(byte[] compressed)
    {
        using var input = new MemoryStream(compressed);
        using var brotli = new BrotliStream(input, CompressionMode.Decompress);
        return JsonSerializer.Deserialize(brotli, EngagementJson.Default.ActivitySummary) ?? new ActivitySummary();
    }

    /// <summary>The summary's JSON as stored in an activity row (compressed or in chunks); null when it holds none.</summary>
    public static string? SummaryJsonOf(TableEntity entity)
    {
        if (entity.GetBinary(CompressedSummary) is { } compressed)
        {
            using var input = new MemoryStream(compressed);
            using var brotli = new BrotliStream(input, CompressionMode.Decompress);
            using var reader = new StreamReader(brotli, Encoding.UTF8);
            return reader.ReadToEnd();
        }

        return ChunkedJson.Read(entity, "Summary");
    }

    /// <summary>
    /// The event a row holds, as far as rows keep it: ids are not stored (the partition key stands for the identity)
    /// and traits only by name. Null for a row that is not an event.
    /// </summary>
    public static EngagementEvent? ToEvent(TableEntity entity)
    {
        if (!entity.RowKey.StartsWith(EventRowPrefix, StringComparison.Ordinal) || !EventKindNames.TryParse(entity.GetString("Kind"), out var kind))
        {
            return null;
        }

        var timestamp = entity.GetDateTimeOffset("OccurredAt") ?? entity.Timestamp ?? DateTimeOffset.MinValue;
        return new EngagementEvent
        {
            MessageId = entity.GetString("MessageId") ?? entity.RowKey,
            Kind = kind,
            SourceId = entity.GetString("SourceId") ?? string.Empty,
            Name = entity.GetString("Name"),
            GroupId = entity.GetString("GroupId"),
            Timestamp = timestamp,
            ReceivedAt = entity.GetDateTimeOffset("ReceivedAt") ?? timestamp,
            PropertiesJson = entity.GetString("Properties"),
            ContextJson = entity.GetString("Context"),
            Page = entity.ContainsKey("Url") || entity.ContainsKey("Path") || entity.ContainsKey("Title")
                ? new PageView
                {
                    Url = entity.GetString("Url"),
                    Path = entity.GetString("Path"),
                    Host = entity.GetString("Host"),
                    Title = entity.GetString("Title"),
                    Referrer = entity.GetString("Referrer"),
                    Tokens = entity.GetString("Tokens")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
                }
                : null,
            Ad = entity.GetString("Domain") is { } domain
                ? new AdExposure
                {
                    Domain = domain,
                    Campaign = entity.GetString("Campaign") ?? string.Empty,
                    Placement = entity.GetString("Placement"),
                    Creative = entity.GetString("Creative"),
                    VisibleSeconds = entity.GetDouble("VisibleSeconds") ?? 0,
                    CostEur = (decimal)(entity.GetDouble("CostEur") ?? 0),
                }
                : null,
        };
    }

    public static ActivitySummary ToSummary(TableEntity entity) =>
        SummaryJsonOf(entity) is { } json
            ? JsonSerializer.Deserialize(json, EngagementJson.Default.ActivitySummary) ?? new ActivitySummary()
            : new ActivitySummary();

    private static byte[] Compress(byte[] json)
    {
        using var output = new MemoryStream(json.Length / 4);
        using (var brotli = new BrotliStream(output, CompressionLevel.Fastest))
        {
            brotli.Write(json);
        }

        return output.ToArray();
    }

    private static string? TraitNames(string? traitsJson)
    {
        if (traitsJson is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(traitsJson);
        return document.RootElement.ValueKind == JsonValueKind.Object
            ? string.Join(',', document.RootElement.EnumerateObject().Select(p => p.Name))
            : null;
    }

    private static void Set(TableEntity entity, string name, string? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }
}
