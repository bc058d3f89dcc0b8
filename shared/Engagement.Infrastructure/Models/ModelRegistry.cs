using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Engagement.Infrastructure.Storage;
using Engagement.Ml;
using Microsoft.Extensions.Logging;

namespace Engagement.Infrastructure.Models;

/// <summary>Which version of a goal's model is in use, and which were before it (newest first).</summary>
/// <param name="Version">The champion version.</param>
/// <param name="PromotedAt">When it became champion.</param>
/// <param name="Reason">Why (the training run's decision, or who promoted it by hand).</param>
/// <param name="Previous">Earlier champions, newest first: what a rollback returns to.</param>
public sealed record ChampionPointer(string Version, DateTimeOffset PromotedAt, string Reason, IReadOnlyList<string> Previous);

/// <summary>A stored model version.</summary>
/// <param name="Goal">Its goal.</param>
/// <param name="Version">Its version.</param>
/// <param name="Trainer">The trainer that made it.</param>
/// <param name="Auc">AUC on its training run's hold-out.</param>
/// <param name="TopDecileLift">Top-decile lift on that hold-out.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="IsChampion">Whether it is the champion now.</param>
public sealed record ModelVersionInfo(string Goal, string Version, string Trainer, double Auc, double TopDecileLift, DateTimeOffset CreatedAt, bool IsChampion);

/// <summary>What a training run stores beside a model.</summary>
/// <param name="Trainer">The trainer that made the model.</param>
/// <param name="Metrics">Its evaluation on the hold-out.</param>
/// <param name="ReportMarkdown">The run report.</param>
/// <param name="Charts">Chart images by file name (e.g. <c>lift.png</c>).</param>
public sealed record ModelArtifacts(string Trainer, ModelEvaluation Metrics, string ReportMarkdown, IReadOnlyDictionary<string, byte[]> Charts);

/// <summary>The outcome of promoting or rolling back.</summary>
/// <param name="Succeeded">Whether the champion changed.</param>
/// <param name="Message">What happened, for a person.</param>
public sealed record ChampionChange(bool Succeeded, string Message);

/// <summary>
/// Models in Blob storage: <c>models/{goal}/{version}/model.zip</c> with <c>metrics.json</c>, <c>report.md</c> and
/// charts, and per goal a champion pointer <c>models/{goal}/champion.json</c>. The pointer changes with an ETag
/// condition, and only to a version whose model loads, so a corrupt blob never becomes the model in use.
/// </summary>
public sealed partial class ModelRegistry(EngagementStorage storage, TimeProvider clock, ILogger<ModelRegistry> logger)
{
    private const string ChampionBlob = "champion.json";
    private const int MaxHistory = 20;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (ETag ETag, string Version, TrainedModel Model)> _loaded = [];

    /// <summary>A new version name: the time it was made, sortable.</summary>
    public string NewVersion() => clock.GetUtcNow().ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Stores a model and its artifacts under a new version.</summary>
    public async Task SaveAsync(string goal, string version, TrainedModel model, ModelArtifacts artifacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(artifacts);
        var folder = $"{goal}/{version}/";
        using (var buffer = new MemoryStream())
        {
            model.Save(buffer);
            buffer.Position = 0;
            await storage.Models.GetBlobClient(folder + "model.zip").UploadAsync(buffer, overwrite: true, cancellationToken);
        }

        var info = new StoredMetrics(artifacts.Trainer, clock.GetUtcNow(), artifacts.Metrics);
        await UploadTextAsync(folder + "metrics.json", JsonSerializer.Serialize(info, Json), "application/json", cancellationToken);
        await UploadTextAsync(folder + "report.md", artifacts.ReportMarkdown, "text/markdown; charset=utf-8", cancellationToken);
        foreach (var (name, bytes) in artifacts.Charts)
        {
            await storage.Models.GetBlobClient(folder + name).UploadAsync(new BinaryData(bytes), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "image/png" } }, cancellationToken);
        }
    }

    /// <summary>The champion pointer of a goal, or null when it has none.</summary>
    public async Task<ChampionPointer?> GetChampionPointerAsync(string goal, CancellationToken cancellationToken = default) =>
        (await ReadPointerAsync(goal, cancellationToken)).Pointer;

    /// <summary>
    /// The champion model of a goal, loaded once and kept until the pointer changes. When the champion's blob does not
    /// load, the previous champion that does is used and an error logged. Null when there is none.
    /// </summary>
    public async Task<(string Version, TrainedModel Model)?> GetChampionAsync(string goal, CancellationToken cancellationToken = default)
    {
        var (pointer, etag) = await ReadPointerAsync(goal, cancellationToken);
        if (pointer is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (_loaded.TryGetValue(goal, out var cached) && cached.ETag == etag)
            {
                return (cached.Version, cached.Model);
            }
        }

        foreach (var version in new[] { pointer.Version }.Concat(pointer.Previous))
        {
            var model = await TryLoadAsync(goal, version, cancellationToken);
            if (model is null)
            {
                continue;
            }

            lock (_gate)
            {
                _loaded[goal] = (etag!.Value, version, model);
            }

            return (version, model);
        }

        return null;
    }

    /// <summary>A stored model, or null (with an error logged) when it is missing or does not load.</summary>
    public async Task<TrainedModel?> TryLoadAsync(string goal, string version, CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await storage.Models.GetBlobClient($"{goal}/{version}/model.zip").DownloadContentAsync(cancellationToken);
            using var stream = content.Value.Content.ToStream();
            return TrainedModel.Load(stream);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            LogUnloadable(logger, goal, version, "no model.zip");
            return null;
        }
        catch (InvalidDataException ex)
        {
            LogUnloadable(logger, goal, version, ex.Message);
            return null;
        }
    }

    /// <summary>The stored metrics of a version, or null.</summary>
    public async Task<ModelEvaluation?> GetMetricsAsync(string goal, string version, CancellationToken cancellationToken = default) =>
        (await ReadMetricsAsync(goal, version, cancellationToken))?.Metrics;

    /// <summary>Every stored version, newest first, per goal (all goals when <paramref name="goal"/> is null).</summary>
    public async Task<IReadOnlyList<ModelVersionInfo>> ListAsync(string? goal = null, CancellationToken cancellationToken = default)
    {
        var versions = new List<ModelVersionInfo>();
        if (!await storage.Models.ExistsAsync(cancellationToken))
        {
            return versions;
        }

        var champions = new Dictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var blob in storage.Models.GetBlobsAsync(BlobTraits.None, BlobStates.None, goal is null ? null : goal + "/", cancellationToken))
        {
            var parts = blob.Name.Split('/');
            if (parts.Length != 3 || parts[2] != "metrics.json")
            {
                continue;
            }

            if (!champions.TryGetValue(parts[0], out var champion))
            {
                champion = (await GetChampionPointerAsync(parts[0], cancellationToken))?.Version;
                champions[parts[0]] = champion;
            }

            if (await ReadMetricsAsync(parts[0], parts[1], cancellationToken) is { } stored)
            {
                versions.Add(new ModelVersionInfo(parts[0], parts[1], stored.Trainer, stored.Metrics.Auc, stored.Metrics.TopDecileLift, stored.CreatedAt, parts[1] == champion));
            }
        }

        return versions.OrderBy(v => v.Goal, StringComparer.Ordinal).ThenByDescending(v => v.Version, StringComparer.Ordinal).ToList();
    }

    /// <summary>Makes a version the champion, if its model loads.</summary>
    public async Task<ChampionChange> PromoteAsync(string goal, string version, string reason, CancellationToken cancellationToken = default)
    {
        if (await TryLoadAsync(goal, version, cancellationToken) is null)
        {
            return new ChampionChange(false, $"Model {goal}/{version} is missing or does not load; the champion is unchanged.");
        }

        return await ChangePointerAsync(goal, current =>
        {
            if (current?.Version == version)
            {
                return (current, $"{goal}/{version} already is the champion.");
            }

            var previous = current is null ? [] : new[] { current.Version }.Concat(current.Previous.Where(v => v != version)).Take(MaxHistory).ToList();
            return (new ChampionPointer(version, clock.GetUtcNow(), reason, previous), $"{goal}/{version} is now the champion{(current is null ? string.Empty : $" (was {current.Version})")}.");
        }, cancellationToken);
    }

    /// <summary>Returns to the previous champion whose model loads.</summary>
    public async Task<ChampionChange> RollbackAsync(string goal, string reason, CancellationToken cancellationToken = default)
    {
        var pointer = await GetChampionPointerAsync(goal, cancellationToken);
        if (pointer is null)
        {
            return new ChampionChange(false, $"Goal {goal} has no champion to roll back.");
        }

        for (var i = 0; i < pointer.Previous.Count; i++)
        {
            var candidate = pointer.Previous[i];
            if (await TryLoadAsync(goal, candidate, cancellationToken) is null)
            {
                continue;
            }

            var rest = pointer.Previous.Skip(i + 1).ToList();
            return await ChangePointerAsync(goal, current =>
                current?.Version != pointer.Version
                    ? (null, $"The champion of {goal} changed meanwhile (now {current?.Version}); nothing rolled back.")
                    : (new ChampionPointer(candidate, clock.GetUtcNow(), reason, rest), $"{goal} rolled back from {pointer.Version} to {candidate}."),
                cancellationToken);
        }

        return new ChampionChange(false, $"Goal {goal} has no earlier champion that loads; {pointer.Version} stays.");
    }

    private async Task<ChampionChange> ChangePointerAsync(string goal, Func<ChampionPointer?, (ChampionPointer? Next, string Message)> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (current, etag) = await ReadPointerAsync(goal, cancellationToken);
            var (next, message) = change(current);
            if (next is null || next == current)
            {
                return new ChampionChange(false, message);
            }

            try
            {
                var conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : new BlobRequestConditions { IfNoneMatch = ETag.All };
                await storage.Models.GetBlobClient($"{goal}/{ChampionBlob}").UploadAsync(
                    BinaryData.FromString(JsonSerializer.Serialize(next, Json)),
                    new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                    cancellationToken);
                LogChampion(logger, goal, next.Version, next.Reason);
                return new ChampionChange(true, message);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 5)
            {
                // Changed by another process since it was read: decide again on what is stored now.
            }
        }
    }

    private async Task<(ChampionPointer? Pointer, ETag? ETag)> ReadPointerAsync(string goal, CancellationToken cancellationToken)
    {
        try
        {
            var content = await storage.Models.GetBlobClient($"{goal}/{ChampionBlob}").DownloadContentAsync(cancellationToken);
            return (JsonSerializer.Deserialize<ChampionPointer>(content.Value.Content.ToString(), Json), content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, null);
        }
    }

    private async Task<StoredMetrics?> ReadMetricsAsync(string goal, string version, CancellationToken cancellationToken)
    {
        try
        {
            var content = await storage.Models.GetBlobClient($"{goal}/{version}/metrics.json").DownloadContentAsync(cancellationToken);
            return JsonSerializer.Deserialize<StoredMetrics>(content.Value.Content.ToString(), Json);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (JsonException ex)
        {
            LogUnloadable(logger, goal, version, "metrics.json: " + ex.Message);
            return null;
        }
    }

    private async Task UploadTextAsync(string name, string text, string contentType, CancellationToken cancellationToken) =>
        await storage.Models.GetBlobClient(name).UploadAsync(BinaryData.FromString(text), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {Goal}/{Version} cannot be used: {Problem}")]
    private static partial void LogUnloadable(ILogger logger, string goal, string version, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Champion of {Goal} is now {Version}: {Reason}")]
    private static partial void LogChampion(ILogger logger, string goal, string version, string reason);

    private sealed record StoredMetrics(string Trainer, DateTimeOffset CreatedAt, ModelEvaluation Metrics);
}
