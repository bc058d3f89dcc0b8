using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Engagement.Infrastructure.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Sms;

/// <summary>What a delivery of Communication Services events did.</summary>
/// <param name="Events">Events in the delivery.</param>
/// <param name="Replies">The received SMS handled, with what each did.</param>
/// <param name="Ignored">Events of other types (delivery reports, …), acknowledged and not acted on.</param>
public sealed record CommunicationEventsHandled(int Events, IReadOnlyList<SmsReplyHandled> Replies, int Ignored);

/// <summary>The answer to Event Grid's subscription validation handshake.</summary>
/// <param name="ValidationResponse">The validation code Event Grid sent.</param>
public sealed record EventGridValidationAnswer(string ValidationResponse);

/// <summary>
/// Communication Services events in the Event Grid schema, for both hosts: in Azure an <c>EventGridTrigger</c> hands
/// each event's JSON to <see cref="HandleAsync(string, CancellationToken)"/>; self-hosted, Event Grid (or anything
/// speaking its schema) posts arrays of events to <c>POST /api/events/communication?key=…</c>
/// (<see cref="ReceiveAsync"/>), which also answers the subscription validation handshake. Both end in the same
/// <see cref="SmsReplyHandler"/>. Property names of the event data are read case-insensitively: the service's samples
/// show both camelCase and PascalCase.
/// </summary>
public sealed partial class CommunicationEvents(SmsReplyHandler replies, IOptions<SmsOptions> options, ILogger<CommunicationEvents> logger)
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
            return new CommunicationEventsHandled(0, [], 0);
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
        var ignored = 0;
        foreach (var ev in events)
        {
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

        return new CommunicationEventsHandled(events.Count, handled, ignored);
    }

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

                var data = item.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, "data", StringComparison.OrdinalIgnoreCase)).Value;
                parsed.Add(new EventGridEvent(id, type, data.ValueKind == JsonValueKind.Object ? data.Clone() : default));
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
    private sealed record EventGridEvent(string Id, string EventType, JsonElement Data);
}
