using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.ConsentDrives;

/// <summary>A form display a drive caused.</summary>
/// <param name="DriveId">The drive.</param>
/// <param name="SubjectKey">Who saw it.</param>
/// <param name="Variant">Which variant.</param>
/// <param name="Placement">Where.</param>
/// <param name="At">When.</param>
public sealed record DriveDisplay(string DriveId, string SubjectKey, string Variant, FormPlacement Placement, DateTimeOffset At);

/// <summary>That a drive asked a contact over a channel.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="SubjectKey">Who.</param>
/// <param name="Wave">In which wave or list.</param>
/// <param name="At">When.</param>
public sealed record DriveAsk(DriveChannel Channel, string SubjectKey, int Wave, DateTimeOffset At);

/// <summary>
/// What consent drives do outside their state, in table <c>consentdrives</c>: the form allocation in force per drive
/// (partition <c>allocations</c>), and per drive (partition = drive id) who was asked over which channel, which
/// contacts each wave chose (so a re-run wave asks the very same people), and every form display with its variant.
/// Rows naming a subject carry <c>SubjectKey</c>, so erasure finds them.
/// </summary>
public sealed class ConsentDriveStore(EngagementStorage storage)
{
    private const string AllocationsPartition = "allocations";

    private TableClient Table => storage.ConsentDrives;

    /// <summary>Puts an allocation in force unless a newer one already is (a retried older command changes nothing).</summary>
    public async Task ApplyAllocationAsync(string driveId, FormAllocation allocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = await Table.GetEntityIfExistsAsync<TableEntity>(AllocationsPartition, driveId, cancellationToken: cancellationToken);
            var entity = new TableEntity(AllocationsPartition, driveId)
            {
                ["Number"] = allocation.Number,
                ["Allocation"] = JsonSerializer.Serialize(allocation, WorkflowJson.Options),
            };
            try
            {
                if (!current.HasValue)
                {
                    await Table.AddEntityAsync(entity, cancellationToken);
                }
                else if ((current.Value!.GetInt32("Number") ?? 0) < allocation.Number)
                {
                    await Table.UpdateEntityAsync(entity, current.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another allocation landed meanwhile: compare again.
            }
        }
    }

    /// <summary>Every drive's allocation in force.</summary>
    public async Task<IReadOnlyList<(string DriveId, FormAllocation Allocation)>> AllocationsAsync(CancellationToken cancellationToken = default)
    {
        var allocations = new List<(string, FormAllocation)>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AllocationsPartition}"), cancellationToken: cancellationToken))
        {
            allocations.Add((entity.RowKey, JsonSerializer.Deserialize<FormAllocation>(entity.GetString("Allocation"), WorkflowJson.Options)!));
        }

        return allocations;
    }

    /// <summary>Records a display.</summary>
    public Task RecordDisplayAsync(DriveDisplay display, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(display);
        return Table.UpsertEntityAsync(new TableEntity(display.DriveId, $"display|{display.SubjectKey}|{display.At.UtcTicks:D20}|{display.Variant}")
        {
            ["SubjectKey"] = display.SubjectKey,
            ["Variant"] = display.Variant,
            ["Placement"] = display.Placement.ToString(),
            ["At"] = display.At,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>One subject's displays in a drive.</summary>
    public Task<IReadOnlyList<DriveDisplay>> DisplaysOfAsync(string driveId, string subjectKey, CancellationToken cancellationToken = default) =>
        DisplaysAsync(driveId, $"display|{subjectKey}|", cancellationToken);

    /// <summary>Every display of a drive.</summary>
    public Task<IReadOnlyList<DriveDisplay>> DisplaysAsync(string driveId, CancellationToken cancellationToken = default) =>
        DisplaysAsync(driveId, "display|", cancellationToken);

    /// <summary>Records that a contact was asked (once per drive, channel and contact).</summary>
    public async Task RecordAskedAsync(string driveId, DriveAsk ask, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ask);
        try
        {
            await Table.AddEntityAsync(new TableEntity(driveId, $"asked|{ask.Channel}|{ask.SubjectKey}")
            {
                ["SubjectKey"] = ask.SubjectKey,
                ["Channel"] = ask.Channel.ToString(),
                ["Wave"] = ask.Wave,
                ["At"] = ask.At,
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Asked before (a re-run of the same wave).
        }
    }

    /// <summary>
    /// Claims the right to ask a contact over a channel for a command, before asking: true when this command holds the
    /// claim (new, or its own from an earlier run), false when another command of the drive asked them already (a wave
    /// and the reactivation choosing the same person at the same time ask them once).
    /// </summary>
    public async Task<bool> TryClaimAskAsync(string driveId, DriveAsk ask, string commandId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var rowKey = $"asked|{ask.Channel}|{ask.SubjectKey}";
        try
        {
            await Table.AddEntityAsync(new TableEntity(driveId, rowKey)
            {
                ["SubjectKey"] = ask.SubjectKey,
                ["Channel"] = ask.Channel.ToString(),
                ["Wave"] = ask.Wave,
                ["At"] = ask.At,
                ["CommandId"] = commandId,
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var held = await Table.GetEntityIfExistsAsync<TableEntity>(driveId, rowKey, select: ["CommandId"], cancellationToken: cancellationToken);
            return held.HasValue && held.Value!.GetString("CommandId") == commandId;
        }
    }

    /// <summary>Gives up a claim whose contact could not be asked after all (no address, refused).</summary>
    public async Task ReleaseAskAsync(string driveId, DriveChannel channel, string subjectKey, CancellationToken cancellationToken = default) =>
        await Table.DeleteEntityAsync(driveId, $"asked|{channel}|{subjectKey}", ETag.All, cancellationToken);

    /// <summary>Everyone a drive asked, per channel.</summary>
    public async Task<IReadOnlyDictionary<DriveChannel, IReadOnlyDictionary<string, DriveAsk>>> AskedAsync(string driveId, CancellationToken cancellationToken = default)
    {
        var asked = new Dictionary<DriveChannel, Dictionary<string, DriveAsk>>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {driveId} and RowKey ge {"asked|"} and RowKey lt {"asked}"}"), cancellationToken: cancellationToken))
        {
            var ask = new DriveAsk(Enum.Parse<DriveChannel>(entity.GetString("Channel")), entity.GetString("SubjectKey"), entity.GetInt32("Wave") ?? 0, entity.GetDateTimeOffset("At") ?? default);
            if (!asked.TryGetValue(ask.Channel, out var channel))
            {
                asked[ask.Channel] = channel = new Dictionary<string, DriveAsk>(StringComparer.Ordinal);
            }

            channel[ask.SubjectKey] = ask;
        }

        return asked.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, DriveAsk>)p.Value);
    }

    /// <summary>
    /// The contacts a wave chose: the stored choice when the wave ran before, else <paramref name="choose"/>'s, stored
    /// first so that a re-run asks exactly the same contacts.
    /// </summary>
    public async Task<WaveChoice> ChooseWaveAsync(string driveId, string commandId, Func<Task<WaveChoice>> choose, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(choose);
        var rowKey = $"wave|{commandId}";
        if (await Table.GetEntityIfExistsAsync<TableEntity>(driveId, rowKey, cancellationToken: cancellationToken) is { HasValue: true } stored)
        {
            return Read(stored.Value!);
        }

        var choice = await choose();
        var entity = new TableEntity(driveId, rowKey) { ["NextCursor"] = choice.NextCursor, ["Skipped"] = choice.Skipped };
        ChunkedJson.Write(entity, "Subjects", JsonSerializer.Serialize(choice.Subjects, WorkflowJson.Options));
        try
        {
            await Table.AddEntityAsync(entity, cancellationToken);
            return choice;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return Read((await Table.GetEntityAsync<TableEntity>(driveId, rowKey, cancellationToken: cancellationToken)).Value);
        }

        static WaveChoice Read(TableEntity entity) => new(
            JsonSerializer.Deserialize<List<string>>(ChunkedJson.Read(entity, "Subjects") ?? "[]", WorkflowJson.Options) ?? [],
            entity.GetInt32("Skipped") ?? 0,
            entity.GetString("NextCursor"));
    }

    /// <summary>Removes a subject from every drive: displays, asks, and the waves that chose them.</summary>
    public async Task<int> EraseAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(entity);
        }

        await TableRows.DeleteAsync(Table, rows, cancellationToken);
        await foreach (var wave in Table.QueryAsync<TableEntity>("RowKey ge 'wave|' and RowKey lt 'wave}'", cancellationToken: cancellationToken))
        {
            var subjects = JsonSerializer.Deserialize<List<string>>(ChunkedJson.Read(wave, "Subjects") ?? "[]", WorkflowJson.Options) ?? [];
            if (subjects.Remove(subjectKey))
            {
                var rewritten = new TableEntity(wave.PartitionKey, wave.RowKey) { ["NextCursor"] = wave.GetString("NextCursor"), ["Skipped"] = wave.GetInt32("Skipped") };
                ChunkedJson.Write(rewritten, "Subjects", JsonSerializer.Serialize(subjects, WorkflowJson.Options));
                await Table.UpdateEntityAsync(rewritten, ETag.All, TableUpdateMode.Replace, cancellationToken);
                rows.Add(wave);
            }
        }

        return rows.Count;
    }

    /// <summary>Rewrites the call-centre and store lists without the subject; answers how many lines went.</summary>
    public async Task<int> EraseFromListsAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var removed = 0;
        await foreach (var item in storage.ConsentLists.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var blob = storage.ConsentLists.GetBlobClient(item.Name);
            var content = (await blob.DownloadContentAsync(cancellationToken)).Value;
            var lines = content.Content.ToString().Split('\n');
            var kept = lines.Where(l => !l.StartsWith(subjectKey + ",", StringComparison.Ordinal)).ToList();
            if (kept.Count == lines.Length)
            {
                continue;
            }

            try
            {
                await blob.UploadAsync(new BinaryData(string.Join('\n', kept)), new Azure.Storage.Blobs.Models.BlobUploadOptions
                {
                    Conditions = new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = content.Details.ETag },
                    HttpHeaders = new Azure.Storage.Blobs.Models.BlobHttpHeaders { ContentType = "text/csv; charset=utf-8" },
                }, cancellationToken);
                removed += lines.Length - kept.Count;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Written meanwhile (a list is written once, so this is a re-run): the next erasure pass finds it again.
                removed += await EraseFromListsAsync(subjectKey, cancellationToken);
                return removed;
            }
        }

        return removed;
    }

    /// <summary>What drives hold about a subject: their form displays and asks.</summary>
    public async Task<IReadOnlyList<string>> ExportAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var rows = new List<string>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), cancellationToken: cancellationToken))
        {
            rows.Add(entity.RowKey.StartsWith("display|", StringComparison.Ordinal)
                ? $"drive {entity.PartitionKey}: form {entity.GetString("Variant")} shown {entity.GetDateTimeOffset("At"):O}"
                : $"drive {entity.PartitionKey}: asked over {entity.GetString("Channel")} in wave {entity.GetInt32("Wave")} at {entity.GetDateTimeOffset("At"):O}");
        }

        return rows;
    }

    private async Task<IReadOnlyList<DriveDisplay>> DisplaysAsync(string driveId, string prefix, CancellationToken cancellationToken)
    {
        var displays = new List<DriveDisplay>();
        var end = prefix[..^1] + (char)(prefix[^1] + 1);
        await foreach (var entity in Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {driveId} and RowKey ge {prefix} and RowKey lt {end}"), cancellationToken: cancellationToken))
        {
            displays.Add(new DriveDisplay(driveId, entity.GetString("SubjectKey"), entity.GetString("Variant"),
                Enum.Parse<FormPlacement>(entity.GetString("Placement")), entity.GetDateTimeOffset("At") ?? default));
        }

        return displays;
    }
}

/// <summary>The contacts a wave asks, and where the next wave's scan goes on.</summary>
/// <param name="Subjects">The subject keys chosen.</param>
/// <param name="Skipped">Contacts passed over (the contact policy said no).</param>
/// <param name="NextCursor">Where the scan stopped; null at the end.</param>
public sealed record WaveChoice(IReadOnlyList<string> Subjects, int Skipped, string? NextCursor);
