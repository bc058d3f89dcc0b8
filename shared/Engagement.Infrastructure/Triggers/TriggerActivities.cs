using System.Text.Json;
using Engagement.Core.Campaigns;
using Engagement.Core.Triggers;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Email;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Triggers;

/// <summary>
/// Sends a run's e-mail through the campaign delivery path, as a batch of one: campaign id = the trigger id, step = the
/// run's step, one recipient. The delivery claims the send in the ledger, asks the contact gate, renders the template
/// and records the outcome, so a retried command sends nothing twice and answers the outcome recorded the first time.
/// A trigger disabled since the run started sends nothing.
/// </summary>
public sealed class TriggerSendActivity(
    TriggerStore triggers,
    ContactStore contacts,
    CampaignDelivery delivery,
    CampaignSendLedger ledger,
    IOptions<EmailOptions> email,
    IOptions<ConsentOptions> consent) : IWorkflowActivity
{
    /// <summary>The reason a run of a disabled (or deleted) trigger is left out.</summary>
    public const string TriggerDisabled = "triggerDisabled";

    /// <summary>The one variant of a triggered e-mail.</summary>
    public const string Variant = "a";

    /// <inheritdoc />
    public string Name => TriggeredEmail.SendActivity;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        var send = WorkflowJson.Read<TriggerSendInput>(input);
        return WorkflowJson.Write(await SendAsync(send, cancellationToken));
    }

    private async Task<TriggerSendResult> SendAsync(TriggerSendInput send, CancellationToken cancellationToken)
    {
        // Already decided by an earlier attempt: answer what was recorded.
        if (await ledger.FindAsync(send.TriggerId, send.Step, send.SubjectKey, cancellationToken) is { Status: not SendStatus.Claimed } recorded)
        {
            return Of(recorded);
        }

        var trigger = (await triggers.GetAsync(send.TriggerId, cancellationToken))?.Definition;
        if (trigger is not { Enabled: true })
        {
            await ledger.RecordExclusionsAsync(send.TriggerId, send.Step, [(send.SubjectKey, TriggerDisabled)], cancellationToken);
            return new TriggerSendResult(TriggerRunOutcome.Excluded, TriggerDisabled);
        }

        var address = (await contacts.ReadAsync(send.SubjectKey, cancellationToken))?.Email?.Value;
        if (address is null)
        {
            await ledger.RecordExclusionsAsync(send.TriggerId, send.Step, [(send.SubjectKey, ExclusionReasons.NoEmail)], cancellationToken);
            return new TriggerSendResult(TriggerRunOutcome.Excluded, ExclusionReasons.NoEmail);
        }

        var from = trigger.Sender is { } sender
            ? new CampaignSender(sender.Address, sender.Name)
            : new CampaignSender(email.Value.From ?? throw new InvalidOperationException("E-mail is not configured: set Email:From."), email.Value.FromName);
        var publicBase = consent.Value.PublicBaseUrl is { Length: > 0 } configured
            ? new Uri(configured)
            : throw new InvalidOperationException("Consent:PublicBaseUrl is not set: triggered e-mails need it for their unsubscribe and tracking links.");
        var batch = new DeliveryBatch(
            send.TriggerId, send.Step, trigger.Purpose, from,
            new Dictionary<string, DeliveryVariant>(StringComparer.Ordinal) { [Variant] = new DeliveryVariant(trigger.TemplateId) },
            [new DeliveryRecipient(send.SubjectKey, address, Variant)],
            publicBase,
            CampaignName: trigger.Name);
        var result = await delivery.SendAsync(batch, cancellationToken);
        if (result.Sent > 0)
        {
            return new TriggerSendResult(TriggerRunOutcome.Sent);
        }

        if (result.Excluded.Count > 0 && result.Excluded[0] is { } excluded)
        {
            return new TriggerSendResult(TriggerRunOutcome.Excluded, excluded.Reason);
        }

        if (result.Failed.Count > 0 && result.Failed[0] is { } failed)
        {
            return new TriggerSendResult(TriggerRunOutcome.Failed, failed.Reason);
        }

        // Skipped: another attempt holds or settled the claim; answer what it recorded, or try again later.
        return await ledger.FindAsync(send.TriggerId, send.Step, send.SubjectKey, cancellationToken) is { Status: not SendStatus.Claimed } settled
            ? Of(settled)
            : throw new InvalidOperationException($"The send of {send.TriggerId}/{send.Step} is claimed by another attempt; tried again later.");
    }

    private static TriggerSendResult Of(SendRecord record) => record.Status switch
    {
        SendStatus.Sent => new TriggerSendResult(TriggerRunOutcome.Sent),
        SendStatus.Excluded => new TriggerSendResult(TriggerRunOutcome.Excluded, record.Detail),
        _ => new TriggerSendResult(TriggerRunOutcome.Failed, record.Detail),
    };
}

/// <summary>Records how a run ended, for the trigger's counts (idempotent).</summary>
public sealed class TriggerRecordActivity(TriggerRunLog runs) : IWorkflowActivity
{
    /// <inheritdoc />
    public string Name => TriggeredEmail.RecordActivity;

    /// <inheritdoc />
    public async Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await runs.RecordOutcomeAsync(WorkflowJson.Read<TriggerRunRecord>(input), context.InstanceId, cancellationToken);
        return WorkflowJson.Write(new { recorded = true });
    }
}
