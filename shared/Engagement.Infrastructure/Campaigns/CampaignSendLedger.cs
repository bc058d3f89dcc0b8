using Azure;
using Azure.Data.Tables;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>Where one recipient × step of a campaign stands.</summary>
public enum SendStatus
{
    /// <summary>Claimed by a sender that has not said how it went (sending now, or stopped while sending).</summary>
    Claimed,
    /// <summary>Taken by the relay.</summary>
    Sent,
    /// <summary>Refused for good (a permanent SMTP reply, an address the relay will never take); not retried.</summary>
    Failed,
    /// <summary>Left out before sending, with the reason (no lawful basis, suppressed, frequency cap, …).</summary>
    Excluded,
}

/// <summary>A message a sender intends to send.</summary>
/// <param name="SubjectKey">The recipient's pseudonymous subject key.</param>
/// <param name="Variant">The variant the recipient gets.</param>
/// <param name="MessageId">The message's Message-ID (<see cref="Core.Campaigns.CampaignMessageId"/>).</param>
public sealed record PlannedSend(string SubjectKey, string Variant, string MessageId);

/// <summary>A send this sender now holds and must send.</summary>
/// <param name="Send">What to send.</param>
/// <param name="Resend">
/// A claim taken over from a sender that stopped without saying how it went: the relay may already have the message,
/// which goes out again under the same Message-ID so receivers can tell it is the same message.
/// </param>
/// <param name="FirstClaimedAt">When the send was first claimed (kept through takeovers): when it may first have gone out.</param>
public sealed record SendClaim(PlannedSend Send, bool Resend, DateTimeOffset FirstClaimedAt = default);

/// <summary>A recorded send, as read back.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Step">The step.</param>
/// <param name="SubjectKey">The recipient.</param>
/// <param name="Variant">The variant.</param>
/// <param name="MessageId">The Message-ID.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="At">When it was claimed, sent, failed or excluded (the latest of these).</param>
/// <param name="Detail">Why it failed or was excluded.</param>
public sealed record SendRecord(string CampaignId, string Step, string SubjectKey, string Variant, string MessageId, SendStatus Status, DateTimeOffset At, string? Detail);

/// <summary>How many sends of a step and variant stand where.</summary>
/// <param name="Step">The step.</param>
/// <param name="Variant">The variant ("" for exclusions made before a variant was chosen).</param>
/// <param name="Claimed">Claimed and not yet confirmed.</param>
/// <param name="Sent">Taken by the relay.</param>
/// <param name="Failed">Refused for good.</param>
/// <param name="Excluded">Left out, by reason.</param>
public sealed record SendCounts(string Step, string Variant, int Claimed, int Sent, int Failed, IReadOnlyDictionary<string, int> Excluded);

/// <summary>
/// The record that makes every recipient × step of a campaign go out once. A sender claims a batch of sends (one
/// entity-group transaction per 100 of a partition) before it hands them to the relay and marks them sent after; a
/// second sender, or the same one after a redelivery, finds the claims and skips them. A claim older than its lease
/// belongs to a sender that stopped midway and is taken over, and the message goes out again under the same Message-ID.
/// Table <c>campaignsends</c>: PartitionKey = campaign id "|" the first character of the subject key, RowKey = step "|"
/// subject key; every row also holds its <c>CampaignId</c>. Subject keys are hexadecimal pseudonyms, so a campaign
/// spreads over 16 partitions, each holding a run of consecutive keys: one partition's throughput (and, on Azurite, its
/// cost per insert, which grows with the rows it holds) no longer caps a campaign. A campaign is read with one range
/// query over its partitions, which campaign ids (letters, digits, '-' and '_', all below '|') keep apart from every
/// other campaign's, even one whose id begins with this one's.
/// </summary>
public sealed class CampaignSendLedger(EngagementStorage storage, TimeProvider clock)
{
    private const int TransactionSize = 100;

    /// <summary>
    /// Claims the sends of a batch that nobody has sent, failed, excluded or (within <paramref name="lease"/>) claimed;
    /// returns those this caller must now send, in the order of <paramref name="sends"/>. A claim
    /// <paramref name="claimant"/> itself left behind (it stopped midway and runs again) is taken back at once.
    /// </summary>
    public async Task<IReadOnlyList<SendClaim>> ClaimAsync(string campaignId, string step, IReadOnlyList<PlannedSend> sends, TimeSpan lease, string? claimant = null, CancellationToken cancellationToken = default)
    {
        RequireCampaignId(campaignId);
        if (!Core.Campaigns.CampaignMessageId.IsPart(step))
        {
            throw new ArgumentException($"The step '{step}' may hold letters, digits, '-' and '_' only.", nameof(step));
        }

        ArgumentNullException.ThrowIfNull(sends);
        var distinct = sends.DistinctBy(s => s.SubjectKey).ToList();
        var held = await ByPartitionAsync(campaignId, distinct, s => s.SubjectKey, async chunk =>
        {
            var now = clock.GetUtcNow();
            return await TryClaimAllAsync(campaignId, step, chunk, now, claimant, cancellationToken)
                ? chunk.Select(s => new SendClaim(s, Resend: false, now)).ToList()
                // Some of the chunk were claimed before (a redelivery, another sender): decide on what is stored.
                : await ClaimAgainstStoredAsync(campaignId, step, chunk, lease, claimant, cancellationToken);
        });

        // Partitions answer in their own time: the claims go back in the batch's order, which the sender keeps.
        var byKey = held.ToDictionary(c => c.Send.SubjectKey, StringComparer.Ordinal);
        return distinct.Where(s => byKey.ContainsKey(s.SubjectKey)).Select(s => byKey[s.SubjectKey]).ToList();
    }

    // Claims every send (all of one partition) in one transaction; false, and nothing claimed, when any of them is claimed already.
    private async Task<bool> TryClaimAllAsync(string campaignId, string step, IEnumerable<PlannedSend> sends, DateTimeOffset now, string? claimant, CancellationToken cancellationToken)
    {
        try
        {
            await storage.CampaignSends.SubmitTransactionAsync(
                sends.Select(s => new TableTransactionAction(TableTransactionActionType.Add, Claimed(Row(campaignId, step, s, SendStatus.Claimed, now, null), claimant))), cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    // The stored rows of a chunk read side by side; the sends nobody holds are claimed in one transaction, and those a
    // stopped sender left behind are taken over each under its own ETag. Whatever changed meanwhile is decided one by one.
    private async Task<List<SendClaim>> ClaimAgainstStoredAsync(string campaignId, string step, PlannedSend[] sends, TimeSpan lease, string? claimant, CancellationToken cancellationToken)
    {
        var stored = await Task.WhenAll(sends.Select(s => GetAsync(campaignId, step, s.SubjectKey, cancellationToken)));
        var now = clock.GetUtcNow();
        var claims = new List<SendClaim>();
        var fresh = sends.Where((_, i) => !stored[i].HasValue).ToList();
        if (fresh.Count > 0)
        {
            claims.AddRange(await TryClaimAllAsync(campaignId, step, fresh, now, claimant, cancellationToken)
                ? fresh.Select(s => new SendClaim(s, Resend: false, now))
                // Another sender claimed some of them a moment ago.
                : await ClaimOneByOneAsync(campaignId, step, fresh, lease, claimant, cancellationToken));
        }

        var takeovers = await Task.WhenAll(sends.Select((send, i) => (send, row: stored[i])).Where(p => p.row.HasValue)
            .Select(p => TakeOverAsync(campaignId, step, p.send, p.row.Value!, now, lease, claimant, cancellationToken)));
        claims.AddRange(takeovers.OfType<SendClaim>());
        return claims;
    }

    /// <summary>Marks sends as taken by the relay.</summary>
    public Task MarkSentAsync(string campaignId, string step, IEnumerable<string> subjectKeys, CancellationToken cancellationToken = default) =>
        MarkAsync(campaignId, step, subjectKeys.Select(k => (k, (string?)null)), SendStatus.Sent, cancellationToken);

    /// <summary>Marks sends as refused for good, each with the relay's answer.</summary>
    public Task MarkFailedAsync(string campaignId, string step, IEnumerable<(string SubjectKey, string Error)> failures, CancellationToken cancellationToken = default) =>
        MarkAsync(campaignId, step, failures.Select(f => (f.SubjectKey, (string?)f.Error)), SendStatus.Failed, cancellationToken);

    /// <summary>
    /// Marks claimed sends as left out at the moment of sending (consent withdrawn, a suppression or the frequency cap
    /// since the audience was resolved), each with its reason code.
    /// </summary>
    public Task MarkExcludedAsync(string campaignId, string step, IEnumerable<(string SubjectKey, string Reason)> exclusions, CancellationToken cancellationToken = default) =>
        MarkAsync(campaignId, step, exclusions.Select(e => (e.SubjectKey, (string?)e.Reason)), SendStatus.Excluded, cancellationToken);

    /// <summary>
    /// Gives a claim back (a passing fault: the relay did not take the message), so the next attempt claims it afresh
    /// rather than waiting out the lease.
    /// </summary>
    public Task ReleaseAsync(string campaignId, string step, IEnumerable<string> subjectKeys, CancellationToken cancellationToken = default) =>
        ByPartitionAsync(campaignId, subjectKeys.Distinct(StringComparer.Ordinal), k => k, async chunk =>
        {
            var rows = new List<TableEntity>();
            foreach (var key in chunk)
            {
                var row = await GetAsync(campaignId, step, key, cancellationToken);
                if (row.HasValue && StatusOf(row.Value!) == SendStatus.Claimed)
                {
                    rows.Add(row.Value!);
                }
            }

            foreach (var row in rows)
            {
                try
                {
                    await storage.CampaignSends.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.Status is 404 or 412)
                {
                    // Confirmed or taken over meanwhile: it is no longer ours to give back.
                }
            }
        });

    /// <summary>Records who was left out of a step and why; a recipient already recorded keeps the first record.</summary>
    public Task RecordExclusionsAsync(string campaignId, string step, IEnumerable<(string SubjectKey, string Reason)> exclusions, CancellationToken cancellationToken = default)
    {
        RequireCampaignId(campaignId);
        ArgumentNullException.ThrowIfNull(exclusions);
        return ByPartitionAsync(campaignId, exclusions.DistinctBy(e => e.SubjectKey), e => e.SubjectKey, async chunk =>
        {
            var now = clock.GetUtcNow();
            var rows = chunk.Select(e => Row(campaignId, step, new PlannedSend(e.SubjectKey, string.Empty, string.Empty), SendStatus.Excluded, now, e.Reason)).ToList();
            try
            {
                await storage.CampaignSends.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                foreach (var row in rows)
                {
                    await TryAddAsync(row, cancellationToken);
                }
            }
        });
    }

    /// <summary>Counts per step and variant, with exclusions by reason.</summary>
    public async Task<IReadOnlyList<SendCounts>> CountsAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<(string Step, string Variant), (int Claimed, int Sent, int Failed, Dictionary<string, int> Excluded)>();
        await foreach (var row in storage.CampaignSends.QueryAsync<TableEntity>(CampaignFilter(campaignId), select: ["Step", "Variant", "Status", "Detail"], cancellationToken: cancellationToken))
        {
            var key = (row.GetString("Step") ?? string.Empty, row.GetString("Variant") ?? string.Empty);
            var entry = counts.TryGetValue(key, out var found) ? found : (Claimed: 0, Sent: 0, Failed: 0, Excluded: new Dictionary<string, int>(StringComparer.Ordinal));
            switch (StatusOf(row))
            {
                case SendStatus.Claimed:
                    entry.Claimed++;
                    break;
                case SendStatus.Sent:
                    entry.Sent++;
                    break;
                case SendStatus.Failed:
                    entry.Failed++;
                    break;
                case SendStatus.Excluded:
                    var reason = row.GetString("Detail") ?? "unknown";
                    entry.Excluded[reason] = entry.Excluded.GetValueOrDefault(reason) + 1;
                    break;
            }

            counts[key] = entry;
        }

        return counts
            .OrderBy(c => c.Key.Step, StringComparer.Ordinal).ThenBy(c => c.Key.Variant, StringComparer.Ordinal)
            .Select(c => new SendCounts(c.Key.Step, c.Key.Variant, c.Value.Claimed, c.Value.Sent, c.Value.Failed, c.Value.Excluded))
            .ToList();
    }

    /// <summary>
    /// Every record of a step (or of all steps when <paramref name="step"/> is null), streamed partition by partition:
    /// in subject key order within a step, but with the steps of a partition together when all steps are read.
    /// </summary>
    public async IAsyncEnumerable<SendRecord> ReadAsync(string campaignId, string? step = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = step is null
            ? CampaignFilter(campaignId)
            : $"{CampaignFilter(campaignId)} and {TableClient.CreateQueryFilter($"RowKey gt {step + "|"} and RowKey lt {step + "}"}")}";
        await foreach (var row in storage.CampaignSends.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return RecordOf(row);
        }
    }

    /// <summary>The record of one recipient × step, or null.</summary>
    public async Task<SendRecord?> FindAsync(string campaignId, string step, string subjectKey, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(campaignId, step, subjectKey, cancellationToken);
        return row.HasValue ? RecordOf(row.Value!) : null;
    }

    /// <summary>Every send record naming the subject, for an export.</summary>
    public async Task<IReadOnlyList<SendRecord>> ExportAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var records = new List<SendRecord>();
        await foreach (var row in OfSubjectAsync(subjectKey, null, cancellationToken))
        {
            records.Add(RecordOf(row));
        }

        return records.OrderBy(r => r.At).ToList();
    }

    /// <summary>Deletes every send record naming the subject; returns how many rows went.</summary>
    public async Task<int> EraseAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in OfSubjectAsync(subjectKey, ["PartitionKey", "RowKey"], cancellationToken))
        {
            rows.Add(row);
        }

        return (int)await TableRows.DeleteAsync(storage.CampaignSends, rows, cancellationToken);
    }

    private async Task<List<SendClaim>> ClaimOneByOneAsync(string campaignId, string step, IEnumerable<PlannedSend> sends, TimeSpan lease, string? claimant, CancellationToken cancellationToken)
    {
        var claims = new List<SendClaim>();
        foreach (var send in sends)
        {
            var now = clock.GetUtcNow();
            if (await TryAddAsync(Claimed(Row(campaignId, step, send, SendStatus.Claimed, now, null), claimant), cancellationToken))
            {
                claims.Add(new SendClaim(send, Resend: false, now));
                continue;
            }

            var stored = await GetAsync(campaignId, step, send.SubjectKey, cancellationToken);
            if (stored.HasValue && await TakeOverAsync(campaignId, step, send, stored.Value!, now, lease, claimant, cancellationToken) is { } claim)
            {
                claims.Add(claim);
            }
        }

        return claims;
    }

    // A stored claim whose sender stopped midway (its lease ran out, or it is this claimant's own, left behind) is taken
    // over: the same variant and Message-ID go out again. Anything else (sent, failed, excluded, being sent) is not ours.
    private async Task<SendClaim?> TakeOverAsync(
        string campaignId, string step, PlannedSend send, TableEntity stored, DateTimeOffset now, TimeSpan lease, string? claimant, CancellationToken cancellationToken)
    {
        var ownLeftover = claimant is not null && stored.GetString("Claimant") == claimant;
        if (StatusOf(stored) != SendStatus.Claimed || stored.GetDateTimeOffset("At") is not { } claimedAt || (now - claimedAt < lease && !ownLeftover))
        {
            return null;
        }

        var previous = RecordOf(stored);
        var firstAt = stored.GetDateTimeOffset("FirstAt") ?? claimedAt;
        var takeover = Row(campaignId, step, send with { Variant = previous.Variant, MessageId = previous.MessageId }, SendStatus.Claimed, now, null);
        takeover["FirstAt"] = firstAt;
        Claimed(takeover, claimant);
        try
        {
            await storage.CampaignSends.UpdateEntityAsync(takeover, stored.ETag, TableUpdateMode.Replace, cancellationToken);
            return new SendClaim(send with { Variant = previous.Variant, MessageId = previous.MessageId }, Resend: true, firstAt);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Another sender took it over first.
            return null;
        }
    }

    private Task MarkAsync(string campaignId, string step, IEnumerable<(string SubjectKey, string? Detail)> sends, SendStatus status, CancellationToken cancellationToken) =>
        ByPartitionAsync(campaignId, sends.DistinctBy(s => s.SubjectKey), s => s.SubjectKey, async chunk =>
        {
            var now = clock.GetUtcNow();
            // A merge keeps what the claim wrote (variant, Message-ID, campaign, step, subject): only the outcome travels.
            var outcomes = chunk.Select(s => Outcome(new TableEntity(PartitionKey(campaignId, s.SubjectKey), RowKey(step, s.SubjectKey)), status, now, s.Detail)).ToList();
            try
            {
                // The claims are there: a plain merge finds each row without first asking whether it exists.
                await storage.CampaignSends.SubmitTransactionAsync(outcomes.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateMerge, r, ETag.All)), cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 404)
            {
                // A row erased since it was claimed is written again, so that the send is on record; campaign, step and
                // subject go with it, so that an erasure finds it and it reads back whole.
                var whole = chunk.Select(s => Outcome(new TableEntity(PartitionKey(campaignId, s.SubjectKey), RowKey(step, s.SubjectKey))
                {
                    ["CampaignId"] = campaignId,
                    ["Step"] = step,
                    ["SubjectKey"] = s.SubjectKey,
                }, status, now, s.Detail));
                await storage.CampaignSends.SubmitTransactionAsync(whole.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertMerge, r)), cancellationToken);
            }
        });

    private static TableEntity Outcome(TableEntity row, SendStatus status, DateTimeOffset at, string? detail)
    {
        row["Status"] = status.ToString();
        row["At"] = at;
        if (detail is not null)
        {
            row["Detail"] = detail;
        }

        return row;
    }

    private Task<bool> TryAddAsync(TableEntity row, CancellationToken cancellationToken) => TableRows.TryAddAsync(storage.CampaignSends, row, cancellationToken);

    private Task<NullableResponse<TableEntity>> GetAsync(string campaignId, string step, string subjectKey, CancellationToken cancellationToken) =>
        storage.CampaignSends.GetEntityIfExistsAsync<TableEntity>(PartitionKey(campaignId, subjectKey), RowKey(step, subjectKey), cancellationToken: cancellationToken);

    private AsyncPageable<TableEntity> OfSubjectAsync(string subjectKey, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        return storage.CampaignSends.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), select: select, cancellationToken: cancellationToken);
    }

    // The items grouped by partition, at most a transaction's worth to a chunk: the chunks of one partition go one after
    // another, the partitions side by side (each is served on its own, so a big batch is not held to one's pace).
    private static async Task<List<TResult>> ByPartitionAsync<T, TResult>(string campaignId, IEnumerable<T> items, Func<T, string> subjectKeyOf, Func<T[], Task<List<TResult>>> perChunk)
    {
        var partitions = await Task.WhenAll(items.GroupBy(i => PartitionKey(campaignId, subjectKeyOf(i)), StringComparer.Ordinal).Select(async partition =>
        {
            var results = new List<TResult>();
            foreach (var chunk in partition.Chunk(TransactionSize))
            {
                results.AddRange(await perChunk(chunk));
            }

            return results;
        }));
        return partitions.SelectMany(p => p).ToList();
    }

    private static async Task ByPartitionAsync<T>(string campaignId, IEnumerable<T> items, Func<T, string> subjectKeyOf, Func<T[], Task> perChunk) =>
        await ByPartitionAsync<T, bool>(campaignId, items, subjectKeyOf, async chunk =>
        {
            await perChunk(chunk);
            return [];
        });

    // A campaign id is part of every Message-ID and of the partition keys: kept to the characters that sort below '|', no
    // campaign's partitions fall within another's range.
    private static void RequireCampaignId(string campaignId)
    {
        if (!Core.Campaigns.CampaignMessageId.IsPart(campaignId))
        {
            throw new ArgumentException($"The campaign id '{campaignId}' may hold letters, digits, '-' and '_' only.", nameof(campaignId));
        }
    }

    // Subject keys are hexadecimal pseudonyms: the first character spreads a campaign over 16 partitions of consecutive keys.
    private static string PartitionKey(string campaignId, string subjectKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(subjectKey);
        return $"{campaignId}|{subjectKey[0]}";
    }

    // Every partition of the campaign and of no other: "{id}|" up to "{id}}" ('}' follows '|'), which a campaign id that
    // merely begins with this one ("c1x" for "c1") sorts before, since its next character is below '|'.
    private static string CampaignFilter(string campaignId) =>
        TableClient.CreateQueryFilter($"PartitionKey ge {campaignId + "|"} and PartitionKey lt {campaignId + "}"}");

    private static TableEntity Row(string campaignId, string step, PlannedSend send, SendStatus status, DateTimeOffset at, string? detail)
    {
        var row = new TableEntity(PartitionKey(campaignId, send.SubjectKey), RowKey(step, send.SubjectKey))
        {
            ["CampaignId"] = campaignId,
            ["Step"] = step,
            ["SubjectKey"] = send.SubjectKey,
            ["Variant"] = send.Variant,
            ["MessageId"] = send.MessageId,
            ["Status"] = status.ToString(),
            // A first claim's time is its At; a takeover keeps it as FirstAt.
            ["At"] = at,
        };
        if (detail is not null)
        {
            row["Detail"] = detail;
        }

        return row;
    }

    private static string RowKey(string step, string subjectKey) => $"{step}|{subjectKey}";

    private static TableEntity Claimed(TableEntity row, string? claimant)
    {
        if (claimant is not null)
        {
            row["Claimant"] = claimant;
        }

        return row;
    }

    private static SendStatus StatusOf(TableEntity row) => Enum.TryParse<SendStatus>(row.GetString("Status"), out var status) ? status : SendStatus.Claimed;

    private static SendRecord RecordOf(TableEntity row) => new(
        row.GetString("CampaignId") ?? row.PartitionKey.Split('|')[0],
        row.GetString("Step") ?? string.Empty,
        row.GetString("SubjectKey") ?? string.Empty,
        row.GetString("Variant") ?? string.Empty,
        row.GetString("MessageId") ?? string.Empty,
        StatusOf(row),
        row.GetDateTimeOffset("At") ?? default,
        row.GetString("Detail"));
}
