using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>A delivery report of one e-mail (<c>Microsoft.Communication.EmailDeliveryReportReceived</c>).</summary>
/// <param name="EventId">The Event Grid event id: a report is recorded once per id.</param>
/// <param name="InternetMessageId">The message's Message-ID, which names campaign, step, variant and recipient.</param>
/// <param name="Status">The service's status (Delivered, Expanded, Bounced, Suppressed, FilteredSpam, Quarantined, Failed).</param>
/// <param name="StatusMessage">The service's explanation (<c>deliveryStatusDetails.statusMessage</c>).</param>
/// <param name="At">When delivery was attempted.</param>
public sealed record EmailDeliveryReport(string EventId, string? InternetMessageId, string Status, string? StatusMessage, DateTimeOffset At);

/// <summary>An open or click the relay tracked (<c>Microsoft.Communication.EmailEngagementTrackingReportReceived</c>).</summary>
/// <param name="EventId">The Event Grid event id.</param>
/// <param name="InternetMessageId">The message's Message-ID.</param>
/// <param name="Kind">View (open) or click.</param>
/// <param name="Context">For a click, the address clicked.</param>
/// <param name="UserAgent">The agent that opened or clicked.</param>
/// <param name="At">When.</param>
public sealed record EmailEngagementReport(string EventId, string? InternetMessageId, EngagementKind Kind, string? Context, string? UserAgent, DateTimeOffset At);

/// <summary>A recipient's spam report of one e-mail, from a mailbox provider's feedback loop.</summary>
/// <param name="EventId">The event id.</param>
/// <param name="InternetMessageId">The reported message's Message-ID.</param>
/// <param name="FeedbackType">The report's feedback type (ARF: abuse, fraud, …), if given.</param>
/// <param name="At">When the recipient reported it.</param>
public sealed record EmailComplaint(string EventId, string? InternetMessageId, string? FeedbackType, DateTimeOffset At);

/// <summary>What one e-mail event did.</summary>
/// <param name="EventId">The event.</param>
/// <param name="CampaignId">The campaign its message belongs to.</param>
/// <param name="Variant">The variant.</param>
/// <param name="Recorded">What was recorded: a delivery outcome (delivered, hardBounce, …), open or click.</param>
/// <param name="Repeated">The event had been recorded before (a redelivery): no row was added.</param>
/// <param name="Suppressed">Whether e-mail to the recipient is now suppressed because of it (newly or again).</param>
public sealed record EmailEventHandled(string EventId, string CampaignId, string Variant, string Recorded, bool Repeated, bool Suppressed);

/// <summary>A delivery report, complaint or unsubscribe recorded of a subject, as exported for them.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Step">The step.</param>
/// <param name="Variant">The variant.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Kind">delivered, hardBounce, softBounce, suppressed, spamFiltered, quarantined, complained or unsubscribed.</param>
/// <param name="At">When.</param>
/// <param name="Status">The relay's status, for delivery reports.</param>
/// <param name="Detail">The relay's explanation, or the complaint's feedback type.</param>
public sealed record CampaignDeliveryRecord(string CampaignId, string Step, string Variant, string MessageId, string Kind, DateTimeOffset At, string? Status, string? Detail);

/// <summary>A delivery outcome, complaint or unsubscribe of one campaign message, as the campaign's figures read it.</summary>
/// <param name="Step">The step.</param>
/// <param name="Variant">The variant.</param>
/// <param name="MessageId">The message (normalised: no angle brackets).</param>
/// <param name="Outcome">The delivery outcome; null for an unsubscribe.</param>
/// <param name="At">When.</param>
public sealed record CampaignMessageEvent(string Step, string Variant, string MessageId, EmailDeliveryOutcome? Outcome, DateTimeOffset At);

/// <summary>
/// Delivery reports, relay-tracked opens and clicks, complaints and unsubscribes of campaign e-mails. Each is recorded
/// in table <c>campaignevents</c> (partition = campaign) once per event id, correlated by the Message-ID, which names
/// campaign, step, variant and recipient (<see cref="CampaignMessageId"/>); events about messages this product did not
/// send are not recorded. Hard bounces (and soft bounces <c>DeliveryReports:SoftBounceLimit</c> times in a row) suppress
/// e-mail to the recipient for <c>DeliveryReports:BounceSuppressionDays</c>; complaints suppress it until lifted. Every
/// effect is idempotent, so a redelivered event, or one whose first delivery stopped halfway, completes without adding rows.
/// </summary>
public sealed partial class EmailDeliveryEvents(
    EngagementStorage storage,
    CampaignTracking tracking,
    CampaignSendLedger ledger,
    ContactStore contacts,
    IOptions<DeliveryReportOptions> options,
    ILogger<EmailDeliveryEvents> logger)
{
    /// <summary>The event type of Communication Services e-mail delivery reports.</summary>
    public const string DeliveryReportType = "Microsoft.Communication.EmailDeliveryReportReceived";

    /// <summary>The event type of Communication Services e-mail engagement (open and click) reports.</summary>
    public const string EngagementReportType = "Microsoft.Communication.EmailEngagementTrackingReportReceived";

    /// <summary>
    /// The event type of a recipient's spam complaint. Communication Services reports none; a mailbox provider's
    /// feedback loop (ARF reports) posted in the Event Grid schema to the same webhook, or to an Event Grid topic
    /// subscribed to the same function, brings them.
    /// </summary>
    public const string ComplaintType = "Engagement360.EmailComplaintReceived";

    internal const string DeliveryPrefix = "d";
    internal const string UnsubscribePrefix = "u";
    private const string BounceTallyPrefix = "~bounces~";
    private const string SoftRowPrefix = "soft~";
    private const string DeliveredRow = "delivered";
    private const int MaxDetailLength = 1000;

    /// <summary>Records a delivery report; null when the message is not a campaign message of ours (nothing recorded).</summary>
    public async Task<EmailEventHandled?> RecordDeliveryAsync(EmailDeliveryReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!CampaignMessageId.TryParse(report.InternetMessageId, out var message) || EmailDeliveryStatus.Classify(report.Status, report.StatusMessage) is not { } outcome)
        {
            return null;
        }

        var added = await AddAsync(EventRow(message, report.InternetMessageId!, report.EventId, outcome, report.At, report.Status, report.StatusMessage), cancellationToken);
        var suppressed = outcome switch
        {
            EmailDeliveryOutcome.HardBounce or EmailDeliveryOutcome.Suppressed => await SuppressAsync(message, SuppressionReason.Bounced, report.At, BounceUntil(report.At),
                $"{Name(outcome)} of campaign {message.CampaignId}, message {Normalise(report.InternetMessageId!)} (event {report.EventId}): {report.Status} {Shorten(report.StatusMessage, 200)}".TrimEnd(), cancellationToken),
            EmailDeliveryOutcome.SoftBounce => await TallySoftBounceAsync(message, report, cancellationToken),
            EmailDeliveryOutcome.Delivered => await MarkDeliveredAsync(message.SubjectKey, report.At, cancellationToken),
            _ => false,
        };
        var recorded = Name(outcome);
        LogRecorded(logger, recorded, message.CampaignId, report.EventId, !added);
        return new EmailEventHandled(report.EventId, message.CampaignId, message.Variant, recorded, !added, suppressed);
    }

    /// <summary>Records an open or click the relay tracked, counted with (and unique together with) our own pixel's and links'.</summary>
    public async Task<EmailEventHandled?> RecordEngagementAsync(EmailEngagementReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!CampaignMessageId.TryParse(report.InternetMessageId, out var message))
        {
            return null;
        }

        // The send's time lets a click within seconds of it be taken for a scanner's, as with our own links.
        var send = await ledger.FindAsync(message.CampaignId, message.Step, message.SubjectKey, cancellationToken);
        var sentAt = send is { Status: SendStatus.Sent } ? send.At : (DateTimeOffset?)null;
        var url = report.Kind == EngagementKind.Click && Uri.TryCreate(report.Context, UriKind.Absolute, out var clicked) ? clicked : null;
        var added = await tracking.RecordReportedAsync(
            new ReportedEngagement(message, Normalise(report.InternetMessageId!), report.Kind, url, report.UserAgent, report.At, sentAt), "acs-" + report.EventId, cancellationToken);
        var recorded = report.Kind == EngagementKind.Click ? "click" : "open";
        LogRecorded(logger, recorded, message.CampaignId, report.EventId, !added);
        return new EmailEventHandled(report.EventId, message.CampaignId, message.Variant, recorded, !added, false);
    }

    /// <summary>Records a recipient's spam complaint and suppresses e-mail to them until lifted.</summary>
    public async Task<EmailEventHandled?> RecordComplaintAsync(EmailComplaint complaint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(complaint);
        if (!CampaignMessageId.TryParse(complaint.InternetMessageId, out var message))
        {
            return null;
        }

        var added = await AddAsync(EventRow(message, complaint.InternetMessageId!, complaint.EventId, EmailDeliveryOutcome.Complained, complaint.At, null, complaint.FeedbackType), cancellationToken);
        var suppressed = await SuppressAsync(message, SuppressionReason.Complained, complaint.At, null,
            $"spam complaint about campaign {message.CampaignId}, message {Normalise(complaint.InternetMessageId!)} (event {complaint.EventId})", cancellationToken);
        var recorded = Name(EmailDeliveryOutcome.Complained);
        LogRecorded(logger, recorded, message.CampaignId, complaint.EventId, !added);
        return new EmailEventHandled(complaint.EventId, message.CampaignId, message.Variant, recorded, !added, suppressed);
    }

    /// <summary>
    /// Records that the unsubscribe link of a campaign message was used: one row per message, however often it is
    /// used, so unsubscribes count messages. The step and variant come from the Message-ID when it is a campaign's.
    /// </summary>
    public async Task RecordUnsubscribeAsync(string campaignId, string messageId, string subjectKey, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(campaignId) || string.IsNullOrWhiteSpace(messageId) || string.IsNullOrWhiteSpace(subjectKey))
        {
            return;
        }

        var parsed = CampaignMessageId.TryParse(messageId, out var message) ? message : null;
        var normalised = Normalise(messageId);
        var row = new TableEntity(CampaignTracking.KeyPart(campaignId), $"{UnsubscribePrefix}~{CampaignTracking.KeyPart(normalised)}")
        {
            ["CampaignId"] = campaignId,
            ["Step"] = parsed?.Step ?? string.Empty,
            ["Variant"] = parsed?.Variant ?? string.Empty,
            ["MessageId"] = normalised,
            ["SubjectKey"] = subjectKey,
            ["At"] = at,
        };
        await AddAsync(row, cancellationToken);
    }

    /// <summary>The delivery outcomes, complaints and unsubscribes of a campaign, for its figures.</summary>
    public async Task<IReadOnlyList<CampaignMessageEvent>> OfCampaignAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(campaignId);
        var partition = CampaignTracking.KeyPart(campaignId);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partition} and ((RowKey ge {DeliveryPrefix + "~"} and RowKey lt {DeliveryPrefix + "\u007f"}) or (RowKey ge {UnsubscribePrefix + "~"} and RowKey lt {UnsubscribePrefix + "\u007f"}))");
        var events = new List<CampaignMessageEvent>();
        await foreach (var row in storage.CampaignEvents.QueryAsync<TableEntity>(filter, select: ["RowKey", "Step", "Variant", "MessageId", "Outcome", "At"], cancellationToken: cancellationToken))
        {
            var outcome = Enum.TryParse<EmailDeliveryOutcome>(row.GetString("Outcome"), out var parsed) ? parsed : (EmailDeliveryOutcome?)null;
            if (row.RowKey.StartsWith(DeliveryPrefix + "~", StringComparison.Ordinal) && outcome is null)
            {
                continue;
            }

            events.Add(new CampaignMessageEvent(row.GetString("Step") ?? string.Empty, row.GetString("Variant") ?? string.Empty, row.GetString("MessageId") ?? string.Empty,
                row.RowKey.StartsWith(UnsubscribePrefix + "~", StringComparison.Ordinal) ? null : outcome, row.GetDateTimeOffset("At") ?? default));
        }

        return events;
    }

    /// <summary>Every delivery report, complaint and unsubscribe recorded of the subject.</summary>
    public async Task<IReadOnlyList<CampaignDeliveryRecord>> ExportAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        var records = new List<CampaignDeliveryRecord>();
        await foreach (var row in storage.CampaignEvents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), cancellationToken: cancellationToken))
        {
            var unsubscribe = row.RowKey.StartsWith(UnsubscribePrefix + "~", StringComparison.Ordinal);
            if (!unsubscribe && !row.RowKey.StartsWith(DeliveryPrefix + "~", StringComparison.Ordinal))
            {
                continue;
            }

            var kind = unsubscribe ? "unsubscribed" : Enum.TryParse<EmailDeliveryOutcome>(row.GetString("Outcome"), out var outcome) ? Name(outcome) : "unknown";
            records.Add(new CampaignDeliveryRecord(row.GetString("CampaignId") ?? row.PartitionKey, row.GetString("Step") ?? string.Empty, row.GetString("Variant") ?? string.Empty,
                row.GetString("MessageId") ?? string.Empty, kind, row.GetDateTimeOffset("At") ?? default, row.GetString("Status"), row.GetString("Detail")));
        }

        return records.OrderBy(r => r.At).ToList();
    }

    /// <summary>A Message-ID without angle brackets or surrounding space: the form rows keep it in.</summary>
    public static string Normalise(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        return messageId.Trim().TrimStart('<').TrimEnd('>').Trim();
    }

    /// <summary>The camelCase name of an outcome, as answers and exports write it.</summary>
    public static string Name(EmailDeliveryOutcome outcome)
    {
        var text = outcome.ToString();
        return string.Concat(char.ToLowerInvariant(text[0]).ToString(CultureInfo.InvariantCulture), text[1..]);
    }

    private async Task<bool> TallySoftBounceAsync(CampaignMessageId message, EmailDeliveryReport report, CancellationToken cancellationToken)
    {
        var limit = options.Value.SoftBounceLimit;
        if (limit <= 0)
        {
            return false;
        }

        var partition = BounceTallyPrefix + message.SubjectKey;
        await AddAsync(new TableEntity(partition, SoftRowPrefix + CampaignTracking.KeyPart(report.EventId)) { ["SubjectKey"] = message.SubjectKey, ["At"] = report.At }, cancellationToken);
        DateTimeOffset? lastDelivered = null;
        var soft = new List<DateTimeOffset>();
        await foreach (var row in storage.CampaignEvents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey", "At"], cancellationToken: cancellationToken))
        {
            if (row.RowKey == DeliveredRow)
            {
                lastDelivered = row.GetDateTimeOffset("At");
            }
            else if (row.GetDateTimeOffset("At") is { } at)
            {
                soft.Add(at);
            }
        }

        var inARow = soft.Count(at => lastDelivered is null || at > lastDelivered);
        if (!EmailDeliveryStatus.SoftBouncesCountAsHard(inARow, limit))
        {
            return false;
        }

        return await SuppressAsync(message, SuppressionReason.Bounced, report.At, BounceUntil(report.At),
            $"{inARow} soft bounces in a row, the last of campaign {message.CampaignId}, message {Normalise(report.InternetMessageId!)} (event {report.EventId}): {report.Status} {Shorten(report.StatusMessage, 200)}".TrimEnd(),
            cancellationToken);
    }

    private async Task<bool> MarkDeliveredAsync(string subjectKey, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (options.Value.SoftBounceLimit <= 0)
        {
            return false;
        }

        // A delivery ends a run of soft bounces; the latest delivery wins, whatever order the reports come in.
        var partition = BounceTallyPrefix + subjectKey;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var existing = await storage.CampaignEvents.GetEntityIfExistsAsync<TableEntity>(partition, DeliveredRow, cancellationToken: cancellationToken);
            if (existing.HasValue && existing.Value!.GetDateTimeOffset("At") >= at)
            {
                return false;
            }

            var row = new TableEntity(partition, DeliveredRow) { ["SubjectKey"] = subjectKey, ["At"] = at };
            try
            {
                if (existing.HasValue)
                {
                    await storage.CampaignEvents.UpdateEntityAsync(row, existing.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await storage.CampaignEvents.AddEntityAsync(row, cancellationToken);
                }

                return false;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another report moved it at the same moment: look again.
            }
        }

        return false;
    }

    private async Task<bool> SuppressAsync(CampaignMessageId message, SuppressionReason reason, DateTimeOffset since, DateTimeOffset? until, string note, CancellationToken cancellationToken)
    {
        var result = await contacts.SuppressAsync(message.SubjectKey, new ContactSuppression(ContactChannel.Email, reason, since, until, Shorten(note, MaxDetailLength)), cancellationToken);
        if (result.Added)
        {
            LogSuppressed(logger, reason, message.CampaignId);
        }

        return true;
    }

    private DateTimeOffset? BounceUntil(DateTimeOffset at) => options.Value.BounceSuppressionDays <= 0 ? null : at.AddDays(options.Value.BounceSuppressionDays);

    // Recorded before: a redelivered event.
    private Task<bool> AddAsync(TableEntity row, CancellationToken cancellationToken) => TableRows.TryAddAsync(storage.CampaignEvents, row, cancellationToken);

    private static TableEntity EventRow(CampaignMessageId message, string internetMessageId, string eventId, EmailDeliveryOutcome outcome, DateTimeOffset at, string? status, string? detail)
    {
        var normalised = Normalise(internetMessageId);
        var row = new TableEntity(CampaignTracking.KeyPart(message.CampaignId), $"{DeliveryPrefix}~{CampaignTracking.KeyPart(normalised)}~{CampaignTracking.KeyPart(eventId)}")
        {
            ["CampaignId"] = message.CampaignId,
            ["Step"] = message.Step,
            ["Variant"] = message.Variant,
            ["MessageId"] = normalised,
            ["SubjectKey"] = message.SubjectKey,
            ["EventId"] = eventId,
            ["Outcome"] = outcome.ToString(),
            ["At"] = at,
        };
        if (status is not null)
        {
            row["Status"] = status;
        }

        // The relay's explanation may quote the address; the row carries the subject key, so export and erasure find it.
        if (Shorten(detail, MaxDetailLength) is { Length: > 0 } text)
        {
            row["Detail"] = text;
        }

        return row;
    }

    private static string? Shorten(string? text, int length) => text is null ? null : text.Length <= length ? text : text[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail event {EventId} of campaign {CampaignId}: {Recorded} (repeated: {Repeated})")]
    private static partial void LogRecorded(ILogger logger, string recorded, string campaignId, string eventId, bool repeated);

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail suppressed ({Reason}) for a recipient of campaign {CampaignId}")]
    private static partial void LogSuppressed(ILogger logger, SuppressionReason reason, string campaignId);
}
