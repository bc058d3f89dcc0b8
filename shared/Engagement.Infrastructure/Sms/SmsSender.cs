using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Contacts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Sms;

/// <summary>Who an SMS goes to: a subject (their phone comes from the contacts store), and the caller's idempotency key.</summary>
/// <param name="SubjectKey">The subject's pseudonymous key.</param>
/// <param name="IdempotencyKey">The same key never sends twice to this subject (a retry of a campaign batch, an API call repeated).</param>
public sealed record SmsAddressee(string SubjectKey, string IdempotencyKey);

/// <summary>What happened to one recipient of a send.</summary>
public enum SmsSendStatus
{
    /// <summary>Accepted by the service (now, or by an earlier attempt with the same key).</summary>
    Sent,
    /// <summary>The subject has no phone number.</summary>
    NoPhone,
    /// <summary>The contact gate said no (suppressed, refused, withdrawn, no basis).</summary>
    Refused,
    /// <summary>Sending is not configured (Sms:ConnectionString, Sms:From).</summary>
    NotConfigured,
    /// <summary>The service refused it for good (an invalid number, or the request as such: a wrong key).</summary>
    Failed,
    /// <summary>The service was throttling or failing after every attempt: retry later with the same key (it will not send twice).</summary>
    RetryLater,
}

/// <summary>The outcome for one recipient.</summary>
/// <param name="SubjectKey">The subject.</param>
/// <param name="Status">What happened.</param>
/// <param name="Detail">Why, for a person (the gate's reason, the service's error).</param>
/// <param name="RequestId">The repeatability id of the send, when one was made.</param>
/// <param name="MessageId">The service's message id, when sent.</param>
/// <param name="Repeated">True when an earlier attempt with the same key had already been accepted: nothing was sent now.</param>
/// <param name="RetryAfter">How long to wait before retrying, for <see cref="SmsSendStatus.RetryLater"/>.</param>
public sealed record SmsSendResult(string SubjectKey, SmsSendStatus Status, string Detail, string? RequestId = null, string? MessageId = null, bool Repeated = false, TimeSpan? RetryAfter = null);

/// <summary>
/// Sends SMS through the Communication Services REST API (<c>POST {endpoint}/sms?api-version=2021-03-07</c>, HMAC
/// signed with the access key). Every recipient is a subject: the number comes from the contacts store and the
/// contact gate decides first, so nothing reaches a number this way without a decision. Every send is recorded before
/// it is made, under a repeatability id derived from the caller's idempotency key, and carries that id and the time
/// first sent on every attempt: a retry (ours after a 429, 5xx or lost answer, or the caller's) is deduplicated by
/// the service, and one already accepted is not sent again at all.
/// </summary>
public sealed partial class SmsSender(
    IHttpClientFactory httpClients,
    ContactStore contacts,
    ContactGate gate,
    SmsHistory history,
    IOptions<SmsOptions> options,
    TimeProvider clock,
    ILogger<SmsSender> logger)
{
    /// <summary>The named HTTP client the sender uses.</summary>
    public const string HttpClientName = "communication-sms";

    /// <summary>The purpose recorded for consent requests (the gate asks only whether the subject may be asked).</summary>
    public const string ConsentRequestPurpose = "consent-request";

    private const string ApiVersion = "2021-03-07";
    private const int MaxRecipientsPerRequest = 100;
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Sends one text to subjects for a purpose; each recipient passes the contact gate for that purpose over SMS first.</summary>
    public Task<IReadOnlyList<SmsSendResult>> SendAsync(string purpose, string text, IReadOnlyList<SmsAddressee> recipients, string? tag = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        return DispatchAsync(SmsKind.Message, purpose, [], text, recipients, tag, cancellationToken);
    }

    /// <summary>
    /// Sends a consent request: asks needs no basis, only that SMS is not suppressed for the subject (no STOP).
    /// The record keeps the purposes and the texts asked with, which an ANO/NE reply then decides.
    /// </summary>
    public async Task<SmsSendResult> SendConsentRequestAsync(SmsAddressee addressee, IReadOnlyList<AskedPurpose> asked, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addressee);
        ArgumentNullException.ThrowIfNull(asked);
        if (asked.Count == 0)
        {
            throw new ArgumentException("A consent request asks about at least one purpose.", nameof(asked));
        }

        return (await DispatchAsync(SmsKind.ConsentRequest, ConsentRequestPurpose, asked, text, [addressee], "consent-request", cancellationToken))[0];
    }

    private async Task<IReadOnlyList<SmsSendResult>> DispatchAsync(
        SmsKind kind, string purpose, IReadOnlyList<AskedPurpose> asked, string text, IReadOnlyList<SmsAddressee> recipients, string? tag, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ArgumentNullException.ThrowIfNull(recipients);
        var settings = options.Value;
        var results = new SmsSendResult?[recipients.Count];
        var pending = new List<(int Index, SmsSentRecord Record, string ToKey)>();
        for (var i = 0; i < recipients.Count; i++)
        {
            var (result, record) = await PrepareAsync(kind, purpose, asked, text, recipients[i], settings, cancellationToken);
            if (result is not null)
            {
                results[i] = result;
            }
            else
            {
                pending.Add((i, record!.Value.Record, record.Value.ToKey));
            }
        }

        if (pending.Count > 0)
        {
            // Options validation has checked the connection string at start.
            if (!AcsConnectionString.TryParse(settings.ConnectionString, out var connection, out var error))
            {
                throw new InvalidOperationException($"Sms:ConnectionString {error}.");
            }

            foreach (var chunk in pending.Chunk(MaxRecipientsPerRequest))
            {
                foreach (var (index, result) in await SendChunkAsync(connection!, settings, chunk, tag, cancellationToken))
                {
                    results[index] = result;
                }
            }
        }

        return results.Select(r => r!).ToList();
    }

    /// <summary>Decides and records one recipient; returns its result when no HTTP send is needed, else the record to send.</summary>
    private async Task<(SmsSendResult? Result, (SmsSentRecord Record, string ToKey)? Pending)> PrepareAsync(
        SmsKind kind, string purpose, IReadOnlyList<AskedPurpose> asked, string text, SmsAddressee addressee, SmsOptions settings, CancellationToken cancellationToken)
    {
        var subjectKey = addressee.SubjectKey;
        var requestId = SmsHistory.RequestIdOf(subjectKey, addressee.IdempotencyKey);
        var existing = await history.FindSentAsync(subjectKey, requestId, cancellationToken);
        switch (existing?.Record.Status)
        {
            case SmsSentStatus.Sent:
                return (new SmsSendResult(subjectKey, SmsSendStatus.Sent, "already sent with this key; nothing sent again", requestId, existing.Value.Record.MessageId, Repeated: true), null);
            case SmsSentStatus.Failed:
                return (new SmsSendResult(subjectKey, SmsSendStatus.Failed, existing.Value.Record.Error ?? "refused by the service", requestId, Repeated: true), null);
        }

        var decision = kind == SmsKind.ConsentRequest
            ? await gate.MayAskForConsentAsync(subjectKey, ContactChannel.Sms, cancellationToken)
            : await gate.DecideAsync(subjectKey, purpose, ContactChannel.Sms, cancellationToken);
        if (!decision.Allowed)
        {
            return (new SmsSendResult(subjectKey, SmsSendStatus.Refused, decision.Reason, requestId), null);
        }

        if (existing is { } unfinished)
        {
            // An earlier attempt may have reached the service: resend exactly what was recorded, with its first-sent time.
            return settings.CanSend
                ? (null, (unfinished.Record, contacts.PhoneKey(new PhoneNumber(unfinished.Record.To))))
                : (new SmsSendResult(subjectKey, SmsSendStatus.NotConfigured, NotConfiguredDetail, requestId), null);
        }

        var card = await contacts.ReadAsync(subjectKey, cancellationToken);
        if (card?.Phone is not { } phone)
        {
            return (new SmsSendResult(subjectKey, SmsSendStatus.NoPhone, "no phone number is held for the subject", requestId), null);
        }

        if (!settings.CanSend)
        {
            return (new SmsSendResult(subjectKey, SmsSendStatus.NotConfigured, NotConfiguredDetail, requestId), null);
        }

        var record = new SmsSentRecord(subjectKey, requestId, addressee.IdempotencyKey, kind, purpose, asked, phone.Value, text, clock.GetUtcNow(),
            SmsSentStatus.Pending, null, null, null, 0);
        var toKey = contacts.PhoneKey(phone);
        if (!await history.TryAddSentAsync(record, toKey, cancellationToken))
        {
            // A concurrent retry recorded it first: go on with what it recorded.
            var first = (await history.FindSentAsync(subjectKey, requestId, cancellationToken))!.Value.Record;
            if (first.Status == SmsSentStatus.Sent)
            {
                return (new SmsSendResult(subjectKey, SmsSendStatus.Sent, "already sent with this key; nothing sent again", requestId, first.MessageId, Repeated: true), null);
            }

            record = first;
        }

        return (null, (record, toKey));
    }

    private const string NotConfiguredDetail = "SMS sending is not configured: set Sms:ConnectionString and Sms:From";

    private async Task<IReadOnlyList<(int Index, SmsSendResult Result)>> SendChunkAsync(
        AcsConnectionString connection, SmsOptions settings, IReadOnlyList<(int Index, SmsSentRecord Record, string ToKey)> chunk, string? tag, CancellationToken cancellationToken)
    {
        // One request carries one message text; records of the same text share a request (a campaign batch).
        var results = new List<(int, SmsSendResult)>();
        foreach (var group in chunk.GroupBy(p => p.Record.Message, StringComparer.Ordinal))
        {
            results.AddRange(await SendGroupAsync(connection, settings, group.ToList(), tag, cancellationToken));
        }

        return results;
    }

    private async Task<IReadOnlyList<(int Index, SmsSendResult Result)>> SendGroupAsync(
        AcsConnectionString connection, SmsOptions settings, List<(int Index, SmsSentRecord Record, string ToKey)> group, string? tag, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new SendMessageRequest(
            PhoneNumber.TryParseInternational(settings.From, out var from, out _) ? from.Value : settings.From!,
            group.Select(p => new SmsRecipient(p.Record.To, p.Record.RequestId, p.Record.FirstSent.ToString("r", CultureInfo.InvariantCulture))).ToList(),
            group[0].Record.Message,
            new SmsSendOptions(settings.DeliveryReports, tag)), Json);
        var uri = new Uri(connection.Endpoint, $"sms?api-version={ApiVersion}");
        var client = httpClients.CreateClient(HttpClientName);
        string? lastError = null;
        TimeSpan? retryAfter = null;
        var attempts = 0;
        for (var attempt = 1; attempt <= settings.MaxAttempts; attempt++)
        {
            attempts = attempt;
            if (retryAfter is { } wait)
            {
                await Task.Delay(wait, clock, cancellationToken);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            AcsRequestSigning.Sign(request, body, connection.AccessKey, clock.GetUtcNow());
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                lastError = $"the SMS service did not answer: {ex.Message}";
                retryAfter = Backoff(attempt);
                LogRetry(logger, attempt, lastError);
                continue;
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted || response.IsSuccessStatusCode)
                {
                    return await RecordAnswersAsync(group, text, attempts, cancellationToken);
                }

                lastError = $"the SMS service answered {(int)response.StatusCode}: {ErrorMessageOf(text)}";
                if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
                {
                    retryAfter = RetryAfterOf(response) ?? Backoff(attempt);
                    LogRetry(logger, attempt, lastError);
                    continue;
                }

                // 400, 401, 403, 404: the request as such is wrong (a bad key, a bad sender). The records stay pending, so
                // the same keys send once the configuration is fixed.
                LogRefused(logger, (int)response.StatusCode, lastError);
                await MarkAttemptsAsync(group, attempts, lastError, cancellationToken);
                return group.Select(p => (p.Index, new SmsSendResult(p.Record.SubjectKey, SmsSendStatus.Failed, lastError, p.Record.RequestId))).ToList();
            }
        }

        await MarkAttemptsAsync(group, attempts, lastError, cancellationToken);
        var later = retryAfter ?? Backoff(attempts);
        return group.Select(p => (p.Index, new SmsSendResult(p.Record.SubjectKey, SmsSendStatus.RetryLater, lastError ?? "the SMS service is unavailable", p.Record.RequestId, RetryAfter: later))).ToList();
    }

    private async Task<IReadOnlyList<(int Index, SmsSendResult Result)>> RecordAnswersAsync(
        IReadOnlyList<(int Index, SmsSentRecord Record, string ToKey)> group, string text, int attempts, CancellationToken cancellationToken)
    {
        SendMessageResponse? answer = null;
        try
        {
            answer = JsonSerializer.Deserialize<SendMessageResponse>(text, Json);
        }
        catch (JsonException)
        {
            // Accepted, but unreadable: treated below like an answer without items.
        }

        var results = new List<(int, SmsSendResult)>();
        foreach (var (index, record, toKey) in group)
        {
            var item = answer?.Value?.FirstOrDefault(v => v.RepeatabilityRequestId == record.RequestId)
                ?? answer?.Value?.FirstOrDefault(v => v.To == record.To || v.To == record.To.TrimStart('+'));
            SmsSentRecord updated;
            SmsSendResult result;
            if (item is { Successful: true })
            {
                updated = record with { Status = SmsSentStatus.Sent, MessageId = item.MessageId, SentAt = clock.GetUtcNow(), Error = null, Attempts = record.Attempts + attempts };
                result = new SmsSendResult(record.SubjectKey, SmsSendStatus.Sent, "accepted by the SMS service", record.RequestId, item.MessageId);
            }
            else if (item is not null && item.HttpStatusCode is 429 or >= 500)
            {
                var error = $"the SMS service could not take the message now ({item.HttpStatusCode}): {item.ErrorMessage}";
                updated = record with { Error = error, Attempts = record.Attempts + attempts };
                result = new SmsSendResult(record.SubjectKey, SmsSendStatus.RetryLater, error, record.RequestId, RetryAfter: TimeSpan.FromSeconds(30));
            }
            else
            {
                var error = item is null
                    ? "the SMS service's answer did not mention this recipient"
                    : $"the SMS service refused the message for this recipient ({item.HttpStatusCode}): {item.ErrorMessage ?? "no reason given"}";
                updated = record with { Status = SmsSentStatus.Failed, Error = error, Attempts = record.Attempts + attempts };
                result = new SmsSendResult(record.SubjectKey, SmsSendStatus.Failed, error, record.RequestId);
                LogRecipientFailed(logger, record.RequestId, error);
            }

            await history.UpdateSentAsync(updated, toKey, cancellationToken);
            results.Add((index, result));
        }

        return results;
    }

    private async Task MarkAttemptsAsync(IReadOnlyList<(int Index, SmsSentRecord Record, string ToKey)> group, int attempts, string? error, CancellationToken cancellationToken)
    {
        foreach (var (_, record, toKey) in group)
        {
            await history.UpdateSentAsync(record with { Error = error, Attempts = record.Attempts + attempts }, toKey, cancellationToken);
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt - 1)));

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        foreach (var header in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
        {
            if (response.Headers.TryGetValues(header, out var values) && double.TryParse(values.First(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            {
                return Clamp(TimeSpan.FromMilliseconds(ms));
            }
        }

        return response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => Clamp(delta),
            { Date: { } date } => Clamp(date - DateTimeOffset.UtcNow),
            _ => null,
        };
    }

    private static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > LongestWait ? LongestWait : wait;

    private static string ErrorMessageOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var message))
            {
                return message.GetString() ?? "no message";
            }
        }
        catch (JsonException)
        {
            // Not the service's error shape: quote the start of what came.
        }

        return body.Length == 0 ? "no body" : body[..Math.Min(body.Length, 200)];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMS send attempt {Attempt} did not go through: {Error}")]
    private static partial void LogRetry(ILogger logger, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The SMS service refused the request ({Status}): {Error}")]
    private static partial void LogRefused(ILogger logger, int status, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SMS service refused send {RequestId}: {Error}")]
    private static partial void LogRecipientFailed(ILogger logger, string requestId, string error);

    private sealed record SmsRecipient(string To, string RepeatabilityRequestId, string RepeatabilityFirstSent);

    private sealed record SmsSendOptions(bool EnableDeliveryReport, string? Tag);

    private sealed record SendMessageRequest(string From, IReadOnlyList<SmsRecipient> SmsRecipients, string Message, SmsSendOptions SmsSendOptions);

    private sealed record SendMessageResponseItem(string? To, string? MessageId, int HttpStatusCode, string? RepeatabilityResult, bool Successful, string? ErrorMessage, string? RepeatabilityRequestId);

    private sealed record SendMessageResponse(IReadOnlyList<SendMessageResponseItem>? Value);
}
