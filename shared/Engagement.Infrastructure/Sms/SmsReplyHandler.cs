using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Sms;

/// <summary>An SMS received by one of our numbers (the data of a <c>Microsoft.Communication.SMSReceived</c> event).</summary>
/// <param name="MessageId">The service's id of the SMS.</param>
/// <param name="From">The sender's number as reported (international, with or without +).</param>
/// <param name="To">Our number.</param>
/// <param name="Message">The text.</param>
/// <param name="ReceivedAt">When the service received it.</param>
public sealed record SmsReceived(string MessageId, string From, string To, string Message, DateTimeOffset ReceivedAt);

/// <summary>What handling a received SMS did.</summary>
/// <param name="MessageId">The SMS.</param>
/// <param name="Outcome">What it did (for the first subject it concerned).</param>
/// <param name="Subjects">How many subjects it concerned.</param>
/// <param name="Repeated">True when the SMS had been handled before (a redelivered event): nothing was done again.</param>
public sealed record SmsReplyHandled(string MessageId, SmsReplyOutcome Outcome, int Subjects, bool Repeated);

/// <summary>
/// Turns reply SMS into consent decisions. ANO/YES/Y and NE/NO/N answer the latest consent request SMS sent to that
/// number (within <c>Sms:ReplyWindow</c>): one ledger record per purpose it asked about, with the text it asked with,
/// captured via reply SMS, the SMS id as evidence. STOP/STOPSMS/ODHLASIT withdraws SMS marketing and suppresses SMS for
/// every subject at the number. Anything else, and answers with nothing to answer, are recorded and ignored. Every
/// ledger record's request id is derived from the SMS id, and the reply row is keyed by it, so a redelivered event
/// records nothing twice.
/// </summary>
public sealed partial class SmsReplyHandler(
    ContactStore contacts,
    ConsentStore consents,
    SmsHistory history,
    IOptions<ConsentOptions> consentOptions,
    IOptions<SmsOptions> smsOptions,
    TimeProvider clock,
    ILogger<SmsReplyHandler> logger)
{
    /// <summary>The purpose a STOP withdraws (over SMS).</summary>
    public const string MarketingPurpose = "marketing";

    /// <summary>The source system of records captured from reply SMS.</summary>
    public const string SourceSystem = "sms";

    /// <summary>Handles one received SMS.</summary>
    public async Task<SmsReplyHandled> HandleAsync(SmsReceived sms, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var intent = SmsReply.Parse(sms.Message);
        if (!PhoneNumber.TryParseInternational(sms.From, out var from, out var error))
        {
            // Nobody can be found from it, and the text is kept nowhere: only the log says it came.
            LogUnreadableSender(logger, sms.MessageId, error ?? "unreadable");
            return new SmsReplyHandled(sms.MessageId, SmsReplyOutcome.UnknownNumber, 0, false);
        }

        var numberKey = contacts.PhoneKey(from);
        var subjects = await contacts.SubjectsWithPhoneAsync(from, cancellationToken);
        if (subjects.Count == 0)
        {
            var partition = SmsHistory.UnmatchedPartition(numberKey);
            if (await history.FindReplyAsync(partition, sms.MessageId, cancellationToken) is { } known)
            {
                return new SmsReplyHandled(sms.MessageId, known.Outcome, 0, true);
            }

            await history.RecordReplyAsync(partition, Reply(sms, from, null, intent, SmsReplyOutcome.UnknownNumber, "no contact has this number", null, []), cancellationToken);
            LogIgnored(logger, sms.MessageId, SmsReplyOutcome.UnknownNumber);
            return new SmsReplyHandled(sms.MessageId, SmsReplyOutcome.UnknownNumber, 0, false);
        }

        // A redelivered event: the SMS was handled for these subjects already. A STOP handled for only some of them (a
        // delivery that stopped halfway) goes on with the rest; any other reply was handled as a whole.
        var handled = new List<SmsReplyRecord>();
        foreach (var subject in subjects)
        {
            if (await history.FindReplyAsync(subject, sms.MessageId, cancellationToken) is { } reply)
            {
                handled.Add(reply);
            }
        }

        var remaining = subjects.Where(s => handled.All(h => h.SubjectKey != s)).ToList();
        if (handled.Count > 0 && (intent != SmsReplyIntent.Stop || remaining.Count == 0))
        {
            return new SmsReplyHandled(sms.MessageId, handled[0].Outcome, subjects.Count, true);
        }

        var outcome = intent switch
        {
            SmsReplyIntent.Stop => await StopAsync(sms, from, remaining, cancellationToken),
            SmsReplyIntent.Yes or SmsReplyIntent.No => await AnswerAsync(sms, from, numberKey, subjects, intent, cancellationToken),
            _ => await RecordForAllAsync(sms, from, subjects, intent, SmsReplyOutcome.UnknownText, "not ANO/NE/STOP: ignored", cancellationToken),
        };
        return new SmsReplyHandled(sms.MessageId, outcome, subjects.Count, false);
    }

    private static readonly TimeSpan ServiceStampPrecision = TimeSpan.FromMilliseconds(1);

    private async Task<SmsReplyOutcome> AnswerAsync(SmsReceived sms, PhoneNumber from, string numberKey, IReadOnlyList<string> subjects, SmsReplyIntent intent, CancellationToken cancellationToken)
    {
        // The latest consent request to this number answers for the subject it was sent to, whoever else shares the phone.
        SmsSentRecord? request = null;
        foreach (var subject in subjects)
        {
            // Sent before the reply came: a reply delayed past a newer request still answers the one it followed.
            // The service stamps replies to the millisecond: a request we stamped within that millisecond still came first.
            if (await history.LatestConsentRequestAsync(subject, numberKey, sms.ReceivedAt + ServiceStampPrecision, cancellationToken) is { } candidate
                && (request is null || candidate.FirstSent > request.FirstSent))
            {
                request = candidate;
            }
        }

        if (request is null || sms.ReceivedAt - (request.SentAt ?? request.FirstSent) > smsOptions.Value.ReplyWindow)
        {
            var reason = request is null ? "no consent request was sent to this number" : "the latest consent request is outside Sms:ReplyWindow";
            return await RecordForAllAsync(sms, from, subjects, intent, SmsReplyOutcome.NoOpenRequest, reason + ": ignored", cancellationToken);
        }

        var decision = intent == SmsReplyIntent.Yes ? ConsentDecision.Granted : ConsentDecision.Denied;
        var purposes = consentOptions.Value.EffectivePurposes();
        var decided = new List<string>();
        foreach (var asked in request.Asked.Where(a => purposes.Contains(a.Purpose)))
        {
            await consents.AppendAsync(new ConsentRequest(
                request.SubjectKey, asked.Purpose, asked.Channel, decision, LegalBasis.Consent, CaptureChannel.ReplySms, sms.ReceivedAt,
                asked.Text, new ConsentEvidence(SmsMessageId: sms.MessageId), SourceSystem),
                requestId: $"{sms.MessageId}/{asked.Purpose}", cancellationToken);
            decided.Add(asked.Purpose);
        }

        var outcome = decision == ConsentDecision.Granted ? SmsReplyOutcome.Granted : SmsReplyOutcome.Denied;
        await history.RecordReplyAsync(request.SubjectKey, Reply(sms, from, request.SubjectKey, intent, outcome,
            $"answers consent request {request.RequestId}: {decision.ToString().ToLowerInvariant()} for {string.Join(", ", decided)}", request.RequestId, decided), cancellationToken);
        LogDecided(logger, sms.MessageId, outcome, decided.Count);
        return outcome;
    }

    private async Task<SmsReplyOutcome> StopAsync(SmsReceived sms, PhoneNumber from, List<string> subjects, CancellationToken cancellationToken)
    {
        var withdraws = consentOptions.Value.EffectivePurposes().Contains(MarketingPurpose);
        foreach (var subject in subjects)
        {
            if (withdraws)
            {
                await consents.AppendAsync(new ConsentRequest(
                    subject, MarketingPurpose, ContactChannel.Sms, ConsentDecision.Withdrawn, LegalBasis.Consent, CaptureChannel.ReplySms, sms.ReceivedAt,
                    null, new ConsentEvidence(SmsMessageId: sms.MessageId), SourceSystem),
                    requestId: $"{sms.MessageId}/stop", cancellationToken);
            }

            await contacts.SuppressAsync(subject, new ContactSuppression(ContactChannel.Sms, SuppressionReason.StopReply, sms.ReceivedAt, Note: $"reply SMS {sms.MessageId}"), cancellationToken);
            await history.RecordReplyAsync(subject, Reply(sms, from, subject, SmsReplyIntent.Stop, SmsReplyOutcome.Stopped,
                withdraws ? "SMS marketing withdrawn and SMS suppressed" : "SMS suppressed", null, withdraws ? [MarketingPurpose] : []), cancellationToken);
        }

        LogStopped(logger, sms.MessageId, subjects.Count);
        return SmsReplyOutcome.Stopped;
    }

    private async Task<SmsReplyOutcome> RecordForAllAsync(
        SmsReceived sms, PhoneNumber from, IReadOnlyList<string> subjects, SmsReplyIntent intent, SmsReplyOutcome outcome, string reason, CancellationToken cancellationToken)
    {
        foreach (var subject in subjects)
        {
            await history.RecordReplyAsync(subject, Reply(sms, from, subject, intent, outcome, reason, null, []), cancellationToken);
        }

        LogIgnored(logger, sms.MessageId, outcome);
        return outcome;
    }

    private SmsReplyRecord Reply(SmsReceived sms, PhoneNumber from, string? subject, SmsReplyIntent intent, SmsReplyOutcome outcome, string reason, string? requestId, IReadOnlyList<string> purposes) =>
        new(sms.MessageId, subject, from.Value, sms.To, sms.Message, sms.ReceivedAt, intent, outcome, reason, requestId, purposes, clock.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reply SMS {MessageId} has an unreadable sender ({Error}); ignored")]
    private static partial void LogUnreadableSender(ILogger logger, string messageId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply SMS {MessageId} recorded and ignored: {Outcome}")]
    private static partial void LogIgnored(ILogger logger, string messageId, SmsReplyOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply SMS {MessageId}: {Outcome} for {Purposes} purposes")]
    private static partial void LogDecided(ILogger logger, string messageId, SmsReplyOutcome outcome, int purposes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply SMS {MessageId}: STOP for {Subjects} subjects")]
    private static partial void LogStopped(ILogger logger, string messageId, int subjects);
}
