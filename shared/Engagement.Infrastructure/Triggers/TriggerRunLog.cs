using Azure;
using Azure.Data.Tables;
using Engagement.Core.Triggers;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Triggers;

/// <summary>Where a run of a triggered e-mail stands, as the trigger's counts see it.</summary>
public enum TriggerRunStatus
{
    /// <summary>Started and not finished.</summary>
    Waiting,
    /// <summary>The e-mail went out.</summary>
    Sent,
    /// <summary>The awaited event came first, or the run was cancelled.</summary>
    Cancelled,
    /// <summary>Left out at the moment of sending (no consent, suppressed, no address, trigger disabled…).</summary>
    Excluded,
    /// <summary>The send failed for good.</summary>
    Failed,
}

/// <summary>A person's current run of a trigger: the index that keeps it to one run at a time.</summary>
/// <param name="RunId">The run's workflow instance id.</param>
/// <param name="Step">The run's step.</param>
/// <param name="StartedAt">When the event that started it happened.</param>
/// <param name="LatestStartAt">The time of the latest start event taken into it (abandoned cart: it moved the wait).</param>
/// <param name="MadeAt">When it was made the current run.</param>
/// <param name="ETag">For a conditional replace.</param>
public sealed record CurrentRun(string RunId, string Step, DateTimeOffset StartedAt, DateTimeOffset LatestStartAt, DateTimeOffset MadeAt, ETag ETag);

/// <summary>One run, as exported for its subject.</summary>
/// <param name="TriggerId">The trigger.</param>
/// <param name="RunId">The run.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="StartedAt">When the event that started it happened.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="Reason">Why it was excluded, failed or cancelled.</param>
public sealed record TriggerRunRecordView(string TriggerId, string RunId, TriggerRunStatus Status, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? Reason);

/// <summary>How many runs of a trigger stand where.</summary>
/// <param name="Waiting">Started and not finished.</param>
/// <param name="Sent">Sent.</param>
/// <param name="Cancelled">Cancelled.</param>
/// <param name="Excluded">Excluded.</param>
/// <param name="Failed">Failed.</param>
public sealed record TriggerRunCounts(int Waiting, int Sent, int Cancelled, int Excluded, int Failed);

/// <summary>
/// Table <c>triggerruns</c>: PartitionKey = trigger id. Row <c>current|{subject key}</c>: the person's latest run (the
/// index from trigger and person to the run, so a start event finds a waiting run to move, and an awaited event the
/// run to cancel); rows <c>run|{step}|{subject key}</c>: every run with its status, for the trigger's counts. People
/// are named only by the pseudonymous subject key; exported and erased with the subject.
/// </summary>
public sealed class TriggerRunLog(EngagementStorage storage, TimeProvider clock)
{
    /// <summary>A person's current run; null when they never had one.</summary>
    public async Task<CurrentRun?> CurrentAsync(string triggerId, string subjectKey, CancellationToken cancellationToken = default)
    {
        var row = await storage.TriggerRuns.GetEntityIfExistsAsync<TableEntity>(triggerId, CurrentKey(subjectKey), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("RunId") is not { } runId)
        {
            return null;
        }

        var started = row.Value.GetDateTimeOffset("StartedAt") ?? default;
        return new CurrentRun(runId, row.Value.GetString("Step") ?? string.Empty, started, row.Value.GetDateTimeOffset("LatestStartAt") ?? started, row.Value.GetDateTimeOffset("MadeAt") ?? default, row.Value.ETag);
    }

    /// <summary>Notes a later start event taken into the current run, so a redelivery of it after the run ended starts nothing.</summary>
    public async Task NoteStartAsync(string triggerId, string subjectKey, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await CurrentAsync(triggerId, subjectKey, cancellationToken) is not { } current || current.LatestStartAt >= at)
            {
                return;
            }

            try
            {
                await storage.TriggerRuns.UpdateEntityAsync(new TableEntity(triggerId, CurrentKey(subjectKey)) { ["LatestStartAt"] = at }, current.ETag, TableUpdateMode.Merge, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Changed meanwhile: look again.
            }
        }
    }

    /// <summary>
    /// Makes a run the person's current one, conditionally on the index as it was read (<paramref name="previous"/>;
    /// null: only when there was none), and records it as waiting. False when someone else changed the index first.
    /// </summary>
    public async Task<bool> TryMakeCurrentAsync(TriggeredEmailInput run, string runId, CurrentRun? previous, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var current = new TableEntity(run.TriggerId, CurrentKey(run.SubjectKey))
        {
            ["SubjectKey"] = run.SubjectKey,
            ["RunId"] = runId,
            ["Step"] = run.Step,
            ["StartedAt"] = run.StartedBy,
            ["LatestStartAt"] = run.StartedBy,
            ["MadeAt"] = clock.GetUtcNow(),
        };
        try
        {
            if (previous is null)
            {
                await storage.TriggerRuns.AddEntityAsync(current, cancellationToken);
            }
            else
            {
                await storage.TriggerRuns.UpdateEntityAsync(current, previous.ETag, TableUpdateMode.Replace, cancellationToken);
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
        {
            return false;
        }

        await AddRunAsync(run, runId, cancellationToken);
        return true;
    }

    /// <summary>Records a run as waiting unless it is recorded already (a retried signal, or a run that finished first).</summary>
    public async Task AddRunAsync(TriggeredEmailInput run, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await storage.TriggerRuns.AddEntityAsync(new TableEntity(run.TriggerId, RunKey(run.Step, run.SubjectKey))
            {
                ["SubjectKey"] = run.SubjectKey,
                ["RunId"] = runId,
                ["Status"] = nameof(TriggerRunStatus.Waiting),
                ["StartedAt"] = run.StartedBy,
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Recorded before; a finished run keeps its outcome.
        }
    }

    /// <summary>Records how a run ended (idempotent).</summary>
    public async Task RecordOutcomeAsync(TriggerRunRecord record, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var status = record.Outcome switch
        {
            TriggerRunOutcome.Sent => TriggerRunStatus.Sent,
            TriggerRunOutcome.Excluded => TriggerRunStatus.Excluded,
            TriggerRunOutcome.Failed => TriggerRunStatus.Failed,
            _ => TriggerRunStatus.Cancelled,
        };
        var row = new TableEntity(record.TriggerId, RunKey(record.Step, record.SubjectKey))
        {
            ["SubjectKey"] = record.SubjectKey,
            ["RunId"] = runId,
            ["Status"] = status.ToString(),
            ["EndedAt"] = clock.GetUtcNow(),
        };
        if (record.Reason is not null)
        {
            row["Reason"] = record.Reason.Length > 1000 ? record.Reason[..1000] : record.Reason;
        }

        await storage.TriggerRuns.UpsertEntityAsync(row, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>How many runs of a trigger stand where.</summary>
    public async Task<TriggerRunCounts> CountsAsync(string triggerId, CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<TriggerRunStatus, int>();
        await foreach (var row in storage.TriggerRuns.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {triggerId} and RowKey gt {"run|"} and RowKey lt {"run}"}"), select: ["Status"], cancellationToken: cancellationToken))
        {
            var status = Enum.TryParse<TriggerRunStatus>(row.GetString("Status"), out var parsed) ? parsed : TriggerRunStatus.Waiting;
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }

        return new TriggerRunCounts(
            counts.GetValueOrDefault(TriggerRunStatus.Waiting), counts.GetValueOrDefault(TriggerRunStatus.Sent), counts.GetValueOrDefault(TriggerRunStatus.Cancelled),
            counts.GetValueOrDefault(TriggerRunStatus.Excluded), counts.GetValueOrDefault(TriggerRunStatus.Failed));
    }

    /// <summary>Every run of the subject, for an export.</summary>
    public async Task<IReadOnlyList<TriggerRunRecordView>> ExportAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var runs = new List<TriggerRunRecordView>();
        await foreach (var row in OfSubjectAsync(subjectKey, null, cancellationToken))
        {
            if (row.RowKey.StartsWith("run|", StringComparison.Ordinal))
            {
                runs.Add(new TriggerRunRecordView(
                    row.PartitionKey, row.GetString("RunId") ?? string.Empty,
                    Enum.TryParse<TriggerRunStatus>(row.GetString("Status"), out var status) ? status : TriggerRunStatus.Waiting,
                    row.GetDateTimeOffset("StartedAt") ?? default, row.GetDateTimeOffset("EndedAt"), row.GetString("Reason")));
            }
        }

        return runs.OrderBy(r => r.StartedAt).ToList();
    }

    /// <summary>Deletes every row naming the subject; returns how many went and the ids of the runs they named.</summary>
    public async Task<(int Rows, IReadOnlyList<string> RunIds)> EraseAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        var runIds = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in OfSubjectAsync(subjectKey, ["PartitionKey", "RowKey", "RunId"], cancellationToken))
        {
            rows.Add(row);
            if (row.GetString("RunId") is { Length: > 0 } runId)
            {
                runIds.Add(runId);
            }
        }

        return ((int)await TableRows.DeleteAsync(storage.TriggerRuns, rows, cancellationToken), runIds.ToList());
    }

    private AsyncPageable<TableEntity> OfSubjectAsync(string subjectKey, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        return storage.TriggerRuns.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), select: select, cancellationToken: cancellationToken);
    }

    private static string CurrentKey(string subjectKey) => "current|" + subjectKey;

    private static string RunKey(string step, string subjectKey) => $"run|{step}|{subjectKey}";
}
