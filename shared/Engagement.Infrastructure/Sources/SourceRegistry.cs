using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Sources;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Sources;

/// <summary>The outcome of adding a source.</summary>
/// <param name="Source">The source, when added.</param>
/// <param name="WriteKey">Its write key, shown once: only the hash is stored.</param>
/// <param name="Error">Why it was not added.</param>
public sealed record SourceAddResult(TrackingSource? Source, string? WriteKey, string? Error);

/// <summary>The configured tracking sources. Keys are stored as hashes and checked against a short-lived cache.</summary>
public sealed class SourceRegistry(EngagementStorage storage, TimeProvider time)
{
    private const string SourcePartition = "source";
    private const string KeyPartition = "key";
    private static readonly TimeSpan KnownKeyTtl = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan UnknownKeyTtl = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (string? Source, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>Adds a source with a new random key, or with <paramref name="key"/> when given.</summary>
    public async Task<SourceAddResult> AddAsync(string name, string? key = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!WriteKeys.IsValidSourceName(name))
        {
            return new SourceAddResult(null, null, $"\"{name}\" is not a valid source name: use 2–40 of a–z, 0–9 and '-', starting with a letter.");
        }

        if (key is not null && !WriteKeys.IsAcceptableCustomKey(key))
        {
            return new SourceAddResult(null, null, "A write key must be 16–200 printable characters without spaces or ':'.");
        }

        key ??= WriteKeys.Generate();
        var source = new TrackingSource(name, WriteKeys.Hash(key), time.GetUtcNow());
        try
        {
            await storage.Sources.AddEntityAsync(new TableEntity(SourcePartition, name) { ["KeyHash"] = source.KeyHash, ["CreatedAt"] = source.CreatedAt }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return new SourceAddResult(null, null, $"A source named \"{name}\" exists already.");
        }

        await storage.Sources.UpsertEntityAsync(new TableEntity(KeyPartition, source.KeyHash) { ["Source"] = name }, TableUpdateMode.Replace, cancellationToken);
        _cache.TryRemove(source.KeyHash, out _);
        return new SourceAddResult(source, key, null);
    }

    /// <summary>All sources.</summary>
    public async Task<IReadOnlyList<TrackingSource>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<TrackingSource>();
        await foreach (var entity in storage.Sources.QueryAsync<TableEntity>(e => e.PartitionKey == SourcePartition, cancellationToken: cancellationToken))
        {
            result.Add(new TrackingSource(entity.RowKey, entity.GetString("KeyHash"), entity.GetDateTimeOffset("CreatedAt") ?? default));
        }

        return result;
    }

    /// <summary>The name of the source a write key belongs to, or null for an unknown key.</summary>
    public async Task<string?> AuthenticateAsync(string writeKey, CancellationToken cancellationToken = default)
    {
        var hash = WriteKeys.Hash(writeKey);
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            return cached.Source;
        }

        var entity = await storage.Sources.GetEntityIfExistsAsync<TableEntity>(KeyPartition, hash, cancellationToken: cancellationToken);
        var source = entity.HasValue ? entity.Value!.GetString("Source") : null;
        _cache[hash] = (source, now + (source is null ? UnknownKeyTtl : KnownKeyTtl));
        return source;
    }
}
