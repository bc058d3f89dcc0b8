using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Engagement.Core.Campaigns;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Sms;

/// <summary>What a delivery of Communication Services events did.</summary>
/// <param name="Events">Events in the delivery.</param>
/// <param name="Replies">The received SMS handled, with what each did.</param>
/// <param name="Ignored">
/// Events acknowledged and not acted on: other types (SMS delivery reports, …), e-mail events about messages that are
/// not campaign messages of ours, delivery statuses the service does not document.
/// </param>
/// <param name="Email">The e-mail delivery reports, opens, clicks and complaints recorded, with what each did.</param>
public sealed record CommunicationEventsHandled(int Events, IReadOnlyList<SmsReplyHandled> Replies, int Ignored, IReadOnlyList<EmailEventHandled> Email);

/// <summary>The answer to Event Grid's subscription validation handshake.</summary>
/// <param name="ValidationResponse">The validation code Event Grid sent.</param>
public sealed record EventGridValidationAnswer(string ValidationResponse);

/// <summary>
/// Communication Services events in the Event Grid schema, for both hosts: in Azure an <c>EventGridTrigger</c> hands
/// each event's JSON to <see cref="HandleAsync(string, CancellationToken)"/>; self-hosted, Event Grid (or anything
/// speaking its schema) posts arrays of events to <c>POST /api/events/communication?key=…</c>
/// (<see cref="ReceiveAsync"/>), which also answers the subscription validation handshake. Both end in the same
/// handlers: received SMS in <see cref="SmsReplyHandler"/>; e-mail delivery reports, engagement reports and complaints
/// in <see cref="EmailDeliveryEvents"/>. Property names of the event data are read case-insensitively: the service's
/// samples show both camelCase and PascalCase (and <c>deliveryAttemptTimeStamp</c> beside <c>deliveryAttemptTimestamp</c>).
/// </summary>
public sealed partial class CommunicationEvents(SmsReplyHandler replies, EmailDeliveryEvents email, IOptions<SmsOptions> options, TimeProvider clock, ILogger<CommunicationEvents> logger)
{
    /// <summary>The event type of a received SMS.</summary>
    public const string SmsReceivedType = "Microsoft.Communication.SMSReceived";

    /// <summary>The event type of Event Grid's subscription validation.</summary>
    public const string ValidationType = "Microsoft.EventGrid.SubscriptionValidationEvent";

    /// <summary>The header Event Grid names the kind of delivery in.</summary>
    public const string EventTypeHeader = "aeg-event-type";

    private const int MaxBodyBytes = 1024 * 1024; // Event Grid's largest delivery

    /// <summary>
    /// Handles the JSON of one event (or an array of them) as the Functions trigger delivers it. Malformed events are
    /// logged and skipped (delivering them again would not help); a storage fault throws, so Event Grid retries.
    /// </summary>
    public async Task<CommunicationEventsHandled> HandleAsync(string eventJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventJson);
        if (!TryParse(Encoding.UTF8.GetBytes(eventJson), out var events, out var error))
        {
            LogMalformed(logger, error!);
            return new CommunicationEventsHandled(0, [], 0, []);
        }

        return await HandleAsync(events!, cancellationToken);
    }

    /// <summary>The self-hosted webhook: checks the key, answers the validation handshake, handles the events.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="key">The <c>key</c> query parameter.</param>
    /// <param name="eventTypeHeader">The <c>aeg-event-type</c> header (SubscriptionValidation, Notification).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<ReplyShape> ReceiveAsync(Stream body, string? key, string? eventTypeHeader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!KeyMatches(key))
        {
            return ReplyShape.Problem(new ApiProblem("Unauthorized", 401,
                "Add the webhook key (setting Sms:WebhookKey) to the subscription's endpoint URL as ?key=…; Event Grid cannot send headers."));
        }

        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return Invalid($"The body is {buffer.Length:N0} bytes; Event Grid delivers at most {MaxBodyBytes:N0}.");
        }

        if (!TryParse(buffer.ToArray(), out var events, out var error))
        {
            return Invalid(error!);
        }

        var validation = events!.FirstOrDefault(e => e.EventType == ValidationType);
        if (validation is not null || string.Equals(eventTypeHeader, "SubscriptionValidation", StringComparison.OrdinalIgnoreCase))
        {
            var code = validation is null ? null : Text(validation.Data, "validationCode");
            return code is null
                ? Invalid("A subscription validation must carry data.validationCode.")
                : ReplyShape.Json(200, new EventGridValidationAnswer(code), ApiJson.TypeInfo<EventGridValidationAnswer>());
        }

        var invalid = events!.Where(e => e.EventType == SmsReceivedType && SmsOf(e) is null).Select(e => e.Id).ToList();
        if (invalid.Count > 0)
        {
            return Invalid($"SMSReceived events without messageId, from, to, message and receivedTimestamp: {string.Join(", ", invalid)}.", invalid);
        }

        var invalidEmail = events!.Where(e => EmailProblem(e) is not null).Select(e => $"{e.Id}: {EmailProblem(e)}").ToList();
        if (invalidEmail.Count > 0)
        {
            return Invalid($"E-mail events that cannot be read: {string.Join("; ", invalidEmail)}.", invalidEmail);
        }

        try
        {
            return ReplyShape.Json(200, await HandleAsync(events!, cancellationToken), ApiJson.TypeInfo<CommunicationEventsHandled>());
        }
        catch (RequestFailedException ex)
        {
            // Storage trouble: Event Grid retries a 503 with back-off; every step is idempotent by the SMS id.
            LogStorageFault(logger, ex.Status, ex.Message);
            return ReplyShape.Problem(new ApiProblem("Storage unavailable", 503, "The events could not be stored now; deliver them again."), TimeSpan.FromSeconds(30));
        }
    }

    private async Task<CommunicationEventsHandled> HandleAsync(IReadOnlyList<EventGridEvent> events, CancellationToken cancellationToken)
    {
        var handled = new List<SmsReplyHandled>();
        var emailHandled = new List<EmailEventHandled>();
        var ignored = 0;
        foreach (var ev in events)
        {
            if (ev.EventType is EmailDeliveryEvents.DeliveryReportType or EmailDeliveryEvents.EngagementReportType or EmailDeliveryEvents.ComplaintType)
            {
                if (EmailProblem(ev) is { } problem)
                {
                    LogMalformed(logger, $"{ev.EventType} event {ev.Id}: {problem}");
                    ignored++;
                }
                else if (await HandleEmailAsync(ev, cancellationToken) is { } recorded)
                {
                    emailHandled.Add(recorded);
                }
                else
                {
                    // Not a campaign message of ours (a consent e-mail, another application on the same resource), or a status the service does not document.
                    ignored++;
                }

                continue;
            }

            if (ev.EventType != SmsReceivedType)
            {
                ignored++;
                continue;
            }

            if (SmsOf(ev) is { } sms)
            {
                handled.Add(await replies.HandleAsync(sms, cancellationToken));
            }
            else
            {
                LogMalformed(logger, $"SMSReceived event {ev.Id} lacks messageId, from, to, message or receivedTimestamp");
                ignored++;
            }
        }

        return new CommunicationEventsHandled(events.Count, handled, ignored, emailHandled);
    }

    private Task<EmailEventHandled?> HandleEmailAsync(EventGridEvent ev, CancellationToken cancellationToken)
    {
        var messageId = Text(ev.Data, "internetMessageId");
        switch (ev.EventType)
        {
            case EmailDeliveryEvents.DeliveryReportType:
                var details = Property(ev.Data, "deliveryStatusDetails");
                var statusMessage = details.ValueKind == JsonValueKind.String ? details.GetString() : Text(details, "statusMessage");
                return email.RecordDeliveryAsync(new EmailDeliveryReport(ev.Id, messageId, Text(ev.Data, "status")!, statusMessage, TimeOf(ev, "deliveryAttemptTimestamp")), cancellationToken);
            case EmailDeliveryEvents.EngagementReportType:
                return email.RecordEngagementAsync(
                    new EmailEngagementReport(ev.Id, messageId, EngagementKindOf(ev)!.Value, Text(ev.Data, "engagementContext"), Text(ev.Data, "userAgent"), TimeOf(ev, "userActionTimestamp")),
                    cancellationToken);
            default:
                return email.RecordComplaintAsync(new EmailComplaint(ev.Id, messageId, Text(ev.Data, "feedbackType"), TimeOf(ev, "complainedAt")), cancellationToken);
        }
    }

    /// <summary>Why an e-mail event cannot be read; null when it can (or is not an e-mail event).</summary>
    private static string? EmailProblem(EventGridEvent ev) => ev.EventType switch
    {
        EmailDeliveryEvents.DeliveryReportType when string.IsNullOrWhiteSpace(Text(ev.Data, "status")) => "data.status is missing",
        EmailDeliveryEvents.EngagementReportType when EngagementKindOf(ev) is null => "data.engagementType must be view or click",
        EmailDeliveryEvents.ComplaintType when string.IsNullOrWhiteSpace(Text(ev.Data, "internetMessageId")) => "data.internetMessageId is missing",
        EmailDeliveryEvents.DeliveryReportType or EmailDeliveryEvents.EngagementReportType or EmailDeliveryEvents.ComplaintType
            when Text(ev.Data, TimestampName(ev.EventType)) is { } stamp && !TryTime(stamp, out _) => $"data.{TimestampName(ev.EventType)} is not a date and time",
        _ => null,
    };

    private static string TimestampName(string eventType) => eventType switch
    {
        EmailDeliveryEvents.DeliveryReportType => "deliveryAttemptTimestamp",
        EmailDeliveryEvents.EngagementReportType => "userActionTimestamp",
        _ => "complainedAt",
    };

    // The documentation names the field engagementType; the SDKs' models name it engagement.
    private static EngagementKind? EngagementKindOf(EventGridEvent ev) => (Text(ev.Data, "engagementType") ?? Text(ev.Data, "engagement"))?.Trim().ToUpperInvariant() switch
    {
        "VIEW" or "OPEN" => EngagementKind.Open,
        "CLICK" => EngagementKind.Click,
        _ => null,
    };

    /// <summary>When the event happened: its data's own time, else the envelope's eventTime, else now.</summary>
    private DateTimeOffset TimeOf(EventGridEvent ev, string name) =>
        TryTime(Text(ev.Data, name), out var at) || TryTime(ev.EventTime, out at) ? at : clock.GetUtcNow();

    private static bool TryTime(string? text, out DateTimeOffset at) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);

    private bool KeyMatches(string? presented)
    {
        var expected = options.Value.EffectiveWebhookKey;
        return !string.IsNullOrEmpty(presented) && !string.IsNullOrEmpty(expected)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }

    private static SmsReceived? SmsOf(EventGridEvent ev)
    {
        var messageId = Text(ev.Data, "messageId");
        var from = Text(ev.Data, "from");
        var to = Text(ev.Data, "to");
        var message = Text(ev.Data, "message");
        var received = Text(ev.Data, "receivedTimestamp");
        return messageId is null || from is null || to is null || message is null || received is null
            || !DateTimeOffset.TryParse(received, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var receivedAt)
            ? null
            : new SmsReceived(messageId, from, to, message, receivedAt);
    }

    private static bool TryParse(byte[] utf8, out IReadOnlyList<EventGridEvent>? events, out string? error)
    {
        events = null;
        try
        {
            using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            var items = root.ValueKind switch
            {
                JsonValueKind.Array => root.EnumerateArray().ToList(),
                JsonValueKind.Object => [root],
                _ => null,
            };
            if (items is null || items.Count == 0)
            {
                error = "The body is not an Event Grid event or array of events.";
                return false;
            }

            var parsed = new List<EventGridEvent>();
            foreach (var item in items)
            {
                if (item.ValueKind != JsonValueKind.Object || Text(item, "id") is not { } id || Text(item, "eventType") is not { } type)
                {
                    error = "Every event needs an id and an eventType (Event Grid schema).";
                    return false;
                }

                var data = Property(item, "data");
                parsed.Add(new EventGridEvent(id, type, data.ValueKind == JsonValueKind.Object ? data.Clone() : default, Text(item, "eventTime")));
            }

            events = parsed;
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = $"The body is not JSON: {ex.Message.Split('.')[0]}.";
            return false;
        }
    }

    private static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
            ? element.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value
            : default;

    private static string? Text(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
            {
                return property.Value.GetString();
            }
        }

        return null;
    }

    private static ReplyShape Invalid(string detail, IReadOnlyList<string>? errors = null) =>
        ReplyShape.Problem(new ApiProblem("Invalid event delivery", 400, detail, errors));

    [LoggerMessage(Level = LogLevel.Error, Message = "Malformed Communication Services event: {Error}")]
    private static partial void LogMalformed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage answered {Status} while handling Communication Services events: {Error}")]
    private static partial void LogStorageFault(ILogger logger, int status, string error);

    /// <summary>One event of a delivery, as far as we read it.</summary>
    private sealed record EventGridEvent(string Id, string EventType, JsonElement Data, string? EventTime);
}
