using System.Text.Json;
using Azure.Data.Tables;
using Engagement.Core.Campaigns;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>
/// <c>campaign.resolve-audience</c>: the segment's members through <see cref="CampaignAudience"/> (exclusions recorded
/// in the send ledger with their reasons), each one put in their cell, kept as the campaign's audience snapshot. A second
/// run answers the finished snapshot; one that finds a half-made snapshot wipes it and makes it again.
/// </summary>
public sealed class ResolveAudienceActivity(CampaignAudience audience, CampaignRunStore runs) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => CampaignActivities.ResolveAudience;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        var command = WorkflowJson.Read<ResolveAudience>(input);
        if (await runs.ResolvedAsync(command.CampaignId, cancellationToken) is { } done)
        {
            return WorkflowJson.Write(done);
        }

        await runs.ClearSnapshotAsync(command.CampaignId, cancellationToken);
        var cells = new Dictionary<(string Cell, string? Variant), long>();
        var counts = await audience.ResolveAsync(
            new AudienceRequest(command.CampaignId, command.Purpose, command.SegmentId, InactiveMonths: command.InactiveMonths),
            async (page, ct) =>
            {
                var snapshot = page.Select(r =>
                {
                    var cell = CampaignCells.Assign(command.CampaignId, command.Cells, r.SubjectKey);
                    cells[(cell.Cell, cell.Variant)] = cells.GetValueOrDefault((cell.Cell, cell.Variant)) + 1;
                    return new SnapshotRecipient(r.SubjectKey, cell.Cell, cell.Variant, r.Email, r.Name, r.TimeZone);
                }).ToList();
                await runs.AddToSnapshotAsync(command.CampaignId, snapshot, ct);
            },
            cancellationToken)
            ?? throw new InvalidOperationException($"The segment '{command.SegmentId}' of campaign {command.CampaignId} does not exist (any more).");
        var resolved = new AudienceResolved(
            counts.Included,
            counts.Excluded,
            cells.OrderBy(c => c.Key.Cell, StringComparer.Ordinal).Select(c => new CellCount(c.Key.Cell, c.Key.Variant, c.Value)).ToList());
        await runs.FinishSnapshotAsync(command.CampaignId, resolved, cancellationToken);
        return WorkflowJson.Write(resolved);
    }
}

/// <summary>
/// <c>campaign.plan-step</c>: when each recipient of a step gets it. The test and main steps plan the snapshot's
/// recipients in the step's cells; the reminder plans those the ledger has as sent in the earlier steps and who did
/// not open (or click) any message of the campaign. With send-time optimisation each recipient's hour comes from their
/// own counted opens and clicks across campaigns, else the audience's, else the campaign's default hour. Recipients are
/// read in subject-key order, so each slot's positions follow that order.
/// </summary>
public sealed class PlanStepActivity(CampaignRunStore runs, CampaignSendLedger ledger, CampaignTracking tracking, EngagementHours hours, TimeProvider clock) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => CampaignActivities.PlanStep;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        var command = WorkflowJson.Read<PlanStep>(input);
        if (await runs.PlannedAsync(command.CampaignId, command.Step, cancellationToken) is { } done)
        {
            return WorkflowJson.Write(done);
        }

        await runs.ClearPlanAsync(command.CampaignId, command.Step, cancellationToken);
        var now = clock.GetUtcNow();
        var engagedAt = command.SendTime.Optimise ? await hours.TimesAsync(now, cancellationToken) : [];
        long skipped = 0;
        IAsyncEnumerable<(PlannedRecipient Recipient, string? TimeZone)> recipients;
        if (command.Reminder is { } reminder)
        {
            var (reminded, left) = await ReminderRecipientsAsync(command.CampaignId, reminder, cancellationToken);
            (recipients, skipped) = (reminded.ToAsyncEnumerable(), left);
        }
        else
        {
            recipients = SnapshotRecipientsAsync(command, cancellationToken);
        }

        // The audience's hours: what its engaged members' own profiles add up to (a first pass, holding only those).
        HourProfile? audienceProfile = null;
        if (engagedAt.Count > 0)
        {
            var engaged = new List<HourProfile>();
            await foreach (var (recipient, timeZone) in recipients)
            {
                if (engagedAt.TryGetValue(recipient.SubjectKey, out var times))
                {
                    engaged.Add(HourProfile.Of(times, command.SendTime.ZoneOf(timeZone), now));
                }
            }

            audienceProfile = HourProfile.Combine(engaged);
        }

        var positions = new SortedDictionary<DateTimeOffset, long>();
        var page = new List<(DateTimeOffset, long, PlannedRecipient)>();
        await foreach (var (recipient, timeZone) in recipients)
        {
            var zone = command.SendTime.ZoneOf(timeZone);
            var own = engagedAt.TryGetValue(recipient.SubjectKey, out var times) ? HourProfile.Of(times, zone, now) : null;
            var at = SendTimePlanner.Plan(command.StepStart, zone, own, audienceProfile, command.SendTime);
            var position = positions.GetValueOrDefault(at);
            positions[at] = position + 1;
            page.Add((at, position, recipient));
            if (page.Count == 500)
            {
                await runs.AddToPlanAsync(command.CampaignId, command.Step, page, cancellationToken);
                page.Clear();
            }
        }

        await runs.AddToPlanAsync(command.CampaignId, command.Step, page, cancellationToken);
        var planned = new StepPlanned(positions.Select(p => new PlannedSlot(p.Key, p.Value)).ToList(), skipped);
        await runs.FinishPlanAsync(command.CampaignId, command.Step, planned, cancellationToken);
        return WorkflowJson.Write(planned);
    }

    private async IAsyncEnumerable<(PlannedRecipient Recipient, string? TimeZone)> SnapshotRecipientsAsync(PlanStep command, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var variants = command.Cells.ToDictionary(c => c.Cell, c => c.Variant, StringComparer.Ordinal);
        await foreach (var member in runs.SnapshotAsync(command.CampaignId, cancellationToken))
        {
            if (variants.TryGetValue(member.Cell, out var variant))
            {
                yield return (new PlannedRecipient(member.SubjectKey, variant, member.Email, member.Name), member.TimeZone);
            }
        }
    }

    private async Task<(List<(PlannedRecipient Recipient, string? TimeZone)> Recipients, long Skipped)> ReminderRecipientsAsync(string campaignId, ReminderSelection reminder, CancellationToken cancellationToken)
    {
        // Who reacted to any message of the campaign: a click counts as an open as well.
        var facts = await tracking.FactsAsync(campaignId, cancellationToken: cancellationToken);
        var reacted = facts.Engagement
            .Where(e => reminder.To == ReminderAudience.NonOpeners || e.Kind == Core.Campaigns.EngagementKind.Click)
            .Select(e => CampaignMessageId.TryParse(e.MessageId, out var id) ? id.SubjectKey : null)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in reminder.AfterSteps)
        {
            await foreach (var record in ledger.ReadAsync(campaignId, step, cancellationToken))
            {
                if (record.Status == SendStatus.Sent)
                {
                    sent.TryAdd(record.SubjectKey, record.Variant);
                }
            }
        }

        var addresses = new Dictionary<string, SnapshotRecipient>(StringComparer.Ordinal);
        await foreach (var member in runs.SnapshotAsync(campaignId, cancellationToken))
        {
            if (sent.ContainsKey(member.SubjectKey))
            {
                addresses[member.SubjectKey] = member;
            }
        }

        var recipients = sent
            .Where(s => !reacted.Contains(s.Key) && addresses.ContainsKey(s.Key))
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => (new PlannedRecipient(s.Key, s.Value, addresses[s.Key].Email, addresses[s.Key].Name), addresses[s.Key].TimeZone))
            .ToList();
        return (recipients, sent.Count - recipients.Count);
    }
}

/// <summary>
/// <c>campaign.send-slot</c>: one batch of one slot of a step's plan, through <see cref="CampaignDelivery"/> (claim,
/// gate and cap again, render, send, mark). On a rerun the ledger skips who already got it; the answer then counts what
/// the ledger holds for the batch, so it is the same as the first run's.
/// </summary>
public sealed class SendSlotActivity(CampaignRunStore runs, CampaignDelivery delivery, CampaignSendLedger ledger, IOptions<ConsentOptions> consent) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => CampaignActivities.SendSlot;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        var command = WorkflowJson.Read<SendSlot>(input);
        var recipients = await runs.SlotAsync(command.CampaignId, command.Step, command.SlotAt, command.Skip, command.Take, cancellationToken);
        if (recipients.Count == 0)
        {
            return WorkflowJson.Write(new SlotSent([]));
        }

        var publicBase = consent.Value.PublicBaseUrl is { Length: > 0 } configured && Uri.TryCreate(configured, UriKind.Absolute, out var url)
            ? url
            : throw new InvalidOperationException("Campaign e-mails need Consent:PublicBaseUrl: their tracking and unsubscribe links point there.");
        var entry = await runs.GetAsync(command.CampaignId, cancellationToken);
        var result = await delivery.SendAsync(
            new DeliveryBatch(
                command.CampaignId,
                command.Step,
                command.Purpose,
                command.Sender,
                command.Variants.ToDictionary(v => v.Id, v => new DeliveryVariant(v.TemplateId, v.Subject), StringComparer.Ordinal),
                recipients.Select(r => new DeliveryRecipient(r.SubjectKey, r.Email, r.Variant, r.Name)).ToList(),
                publicBase,
                command.ThroughputPerMinute is { } perMinute ? perMinute / 60.0 : null,
                entry?.Name,
                command.FrequencyCap,
                // The same command running again after a crash takes back the claims it left behind at once.
                $"{context.InstanceId}/{context.CommandId}"),
            cancellationToken);

        // What the ledger holds for these recipients is the answer, whoever sent them and whenever: what this batch sent,
        // refused or left out it knows, and the delivery read back the recipients it skipped (done before, or by another sender).
        var known = new Dictionary<string, SendRecord?>(StringComparer.Ordinal);
        foreach (var key in result.SentTo)
        {
            known[key] = Outcome(SendStatus.Sent, key, null);
        }

        foreach (var failure in result.Failed)
        {
            known[failure.SubjectKey] = Outcome(SendStatus.Failed, failure.SubjectKey, failure.Reason);
        }

        foreach (var exclusion in result.Excluded)
        {
            known[exclusion.SubjectKey] = Outcome(SendStatus.Excluded, exclusion.SubjectKey, exclusion.Reason);
        }

        foreach (var (key, record) in result.SkippedRecords)
        {
            known.TryAdd(key, record);
        }

        // Recipients the batch neither handled nor skipped (none, unless a recipient appears twice) are read here.
        var unknown = recipients.Select(r => r.SubjectKey).Where(k => !known.ContainsKey(k)).Distinct(StringComparer.Ordinal).ToList();
        var read = await Task.WhenAll(unknown.Select(k => ledger.FindAsync(command.CampaignId, command.Step, k, cancellationToken)));
        foreach (var (key, record) in unknown.Zip(read))
        {
            known[key] = record;
        }

        var records = recipients.Select(r => known[r.SubjectKey]).ToList();
        var excludedNow = result.Excluded.ToDictionary(e => e.SubjectKey, e => e.Reason, StringComparer.Ordinal);
        var variants = recipients.Zip(records)
            .GroupBy(p => p.First.Variant, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new VariantSendCount(
                g.Key,
                g.LongCount(p => p.Second?.Status == SendStatus.Sent),
                g.LongCount(p => p.Second?.Status == SendStatus.Failed),
                g.LongCount(p => p.Second?.Status == SendStatus.Excluded || (p.Second is null && excludedNow.ContainsKey(p.First.SubjectKey)))))
            .ToList();
        var reasons = recipients.Zip(records)
            .Where(p => p.Second?.Status == SendStatus.Excluded || (p.Second is null && excludedNow.ContainsKey(p.First.SubjectKey)))
            .GroupBy(p => p.Second?.Detail ?? excludedNow.GetValueOrDefault(p.First.SubjectKey) ?? ExclusionReasons.NoConsent, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.LongCount(), StringComparer.Ordinal);
        return WorkflowJson.Write(new SlotSent(variants, reasons.Count == 0 ? null : reasons));

        SendRecord Outcome(SendStatus status, string subjectKey, string? detail) =>
            new(command.CampaignId, command.Step, subjectKey, string.Empty, string.Empty, status, default, detail);
    }
}

/// <summary><c>campaign.measure</c>: sends, deliveries and engagement per step and variant, from <see cref="CampaignFigures"/>.</summary>
public sealed class MeasureCampaignActivity(CampaignFigures figures) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => CampaignActivities.Measure;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default) =>
        WorkflowJson.Write(await figures.MeasureAsync(WorkflowJson.Read<MeasureCampaign>(input), cancellationToken));
}

/// <summary><c>campaign.report</c>: keeps the final report with the campaign, for the API and the command line after the end.</summary>
public sealed class KeepCampaignReportActivity(CampaignRunStore runs) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => CampaignActivities.Report;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await runs.KeepReportAsync(context.InstanceId, WorkflowJson.Read<CampaignReport>(input), cancellationToken);
        return WorkflowJson.Write(new Dictionary<string, string>());
    }
}

/// <summary>
/// When people engaged with campaign e-mails: the counted (not a scanner's) opens and clicks of every campaign in the
/// last half year, per recipient. One pass over the engagement table; memory grows with the people who engaged.
/// </summary>
public sealed class EngagementHours(EngagementStorage storage)
{
    private static readonly TimeSpan Lookback = TimeSpan.FromDays(180);

    /// <summary>The times of every recipient's counted opens and clicks in the last half year (recipients without any are left out).</summary>
    public async Task<Dictionary<string, List<DateTimeOffset>>> TimesAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var times = new Dictionary<string, List<DateTimeOffset>>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"At ge {now - Lookback}");
        await foreach (var row in storage.CampaignEvents.QueryAsync<TableEntity>(filter, select: ["RowKey", "SubjectKey", "At", "Reason"], cancellationToken: cancellationToken))
        {
            // Opens ("o~…") and clicks ("c~…") count; scanner-flagged ones do not.
            if (row.RowKey.Length < 2 || row.RowKey[1] != '~' || row.RowKey[0] is not ('o' or 'c') || row.GetString("Reason") is not null
                || row.GetString("SubjectKey") is not { } subject || row.GetDateTimeOffset("At") is not { } at)
            {
                continue;
            }

            (times.TryGetValue(subject, out var list) ? list : times[subject] = []).Add(at);
        }

        return times;
    }
}
