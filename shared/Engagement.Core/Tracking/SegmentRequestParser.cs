using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Engagement.Core.Events;

namespace Engagement.Core.Tracking;

/// <summary>
/// Reads Segment HTTP Tracking API requests (and the variants Segment-compatible SDKs send) into normalized events.
/// A request is rejected whole only when it can never succeed (malformed, over a limit, nothing valid in it);
/// otherwise valid messages pass and invalid ones are returned for dead-lettering.
/// </summary>
public sealed class SegmentRequestParser(TrackingLimits limits)
{
    private const int ErrorsShown = 5;

    /// <summary>Parses an already decompressed body that arrived on <paramref name="endpoint"/>.</summary>
    public TrackingParseResult Parse(ReadOnlyMemory<byte> body, TrackingEndpoint endpoint, TrackingRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (body.Length == 0)
        {
            return Fail("Empty body", "The request body is empty; send a JSON object.");
        }

        if (body.Length > limits.MaxRequestBytes)
        {
            return Fail("Request too large", $"The request body is {body.Length} bytes; the limit is {limits.MaxRequestBytes} bytes.");
        }

        // Some clients prefix a byte-order mark; JSON itself has none.
        if (body.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            body = body[3..];
        }

        // The JSON reader checks UTF-8 only when a string is decoded, which would throw in the middle of reading a message.
        if (!Utf8.IsValid(body.Span))
        {
            return Fail("Malformed JSON", "The body is not valid UTF-8 JSON: it holds bytes that are not UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = limits.MaxJsonDepth });
        }
        catch (JsonException) when (NestsTooDeeply(body.Span))
        {
            return Fail("JSON nested too deeply", $"The JSON is nested deeper than {limits.MaxJsonDepth} levels.");
        }
        catch (JsonException ex)
        {
            return Fail("Malformed JSON", $"The body is not valid UTF-8 JSON: {FirstSentence(ex.Message)}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Fail("Malformed request", "The body must be a JSON object.");
            }

            var writeKey = ReadWriteKey(root);
            return endpoint == TrackingEndpoint.Batch
                ? ParseBatch(root, writeKey, context)
                : ParseSingle(root, endpoint.ImpliedKind()!.Value, writeKey, context);
        }
    }

    private TrackingParseResult ParseSingle(JsonElement message, EventKind kind, string? writeKey, TrackingRequestContext context)
    {
        var defaults = new BatchDefaults(null, null, ParseTime(context.SentAtHeader));
        if (TryReadMessage(message, kind, defaults, context, out var ev, out var error))
        {
            return new TrackingParseResult { WriteKey = writeKey, Events = [ev!] };
        }

        var rejected = new RejectedMessage(0, ReadMessageIdLoosely(message), error!, message.GetRawText());
        return new TrackingParseResult
        {
            WriteKey = writeKey,
            Error = new TrackingRequestError("Invalid event", error!, [rejected]),
        };
    }

    private TrackingParseResult ParseBatch(JsonElement root, string? writeKey, TrackingRequestContext context)
    {
        if (!root.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
        {
            return Fail("Malformed batch", "A batch call needs a \"batch\" array of messages.", writeKey);
        }

        var count = batch.GetArrayLength();
        if (count == 0)
        {
            return Fail("Empty batch", "The \"batch\" array holds no messages.", writeKey);
        }

        if (count > limits.MaxBatchEvents)
        {
            return Fail("Batch too large", $"The batch holds {count} messages; the limit is {limits.MaxBatchEvents}.", writeKey);
        }

        var defaults = new BatchDefaults(
            root.TryGetProperty("context", out var ctx) && ctx.ValueKind == JsonValueKind.Object ? ctx : null,
            root.TryGetProperty("integrations", out var integ) && integ.ValueKind == JsonValueKind.Object ? integ : null,
            root.TryGetProperty("sentAt", out var sentAt) && sentAt.ValueKind == JsonValueKind.String ? ParseTime(sentAt.GetString()) : ParseTime(context.SentAtHeader));

        var events = new List<EngagementEvent>(count);
        var rejected = new List<RejectedMessage>();
        var index = 0;
        foreach (var message in batch.EnumerateArray())
        {
            writeKey ??= ReadWriteKey(message);
            string? error;
            if (message.ValueKind != JsonValueKind.Object)
            {
                error = "A batch message must be a JSON object.";
            }
            else if (!message.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                error = "A batch message needs a \"type\" (identify, track, page, screen, group or alias).";
            }
            else if (!EventKindNames.TryParse(typeElement.GetString(), out var kind) || kind.IsAd())
            {
                error = $"Unknown message type \"{typeElement.GetString()}\"; expected identify, track, page, screen, group or alias.";
            }
            else if (TryReadMessage(message, kind, defaults, context, out var ev, out error))
            {
                events.Add(ev!);
            }

            if (error is not null)
            {
                rejected.Add(new RejectedMessage(index, ReadMessageIdLoosely(message), error, message.GetRawText()));
            }

            index++;
        }

        if (events.Count == 0)
        {
            var detail = string.Join(" ", rejected.Take(ErrorsShown).Select(r => $"[{r.Index}] {r.Reason}"));
            return new TrackingParseResult
            {
                WriteKey = writeKey,
                Error = new TrackingRequestError("No valid events", $"None of the {count} messages is valid. {detail}", rejected),
            };
        }

        return new TrackingParseResult { WriteKey = writeKey, Events = events, Rejected = rejected };
    }

    private bool TryReadMessage(JsonElement message, EventKind kind, BatchDefaults defaults, TrackingRequestContext context, out EngagementEvent? ev, out string? error)
    {
        ev = null;
        var raw = JsonMarshal.GetRawUtf8Value(message);
        if (raw.Length > limits.MaxEventBytes)
        {
            error = $"The event is {raw.Length} bytes; the limit is {limits.MaxEventBytes} bytes.";
            return false;
        }

        if (!TryId(message, "messageId", limits.MaxMessageIdLength, out var messageId, out error)
            || !TryId(message, "userId", limits.MaxIdLength, out var userId, out error)
            || !TryId(message, "anonymousId", limits.MaxIdLength, out var anonymousId, out error)
            || !TryObject(message, "properties", out var properties, out error)
            || !TryObject(message, "traits", out var traits, out error)
            || !TryObject(message, "context", out var messageContext, out error)
            || !TryObject(message, "integrations", out _, out error)
            || !TryTime(message, "timestamp", out var timestamp, out error)
            || !TryTime(message, "originalTimestamp", out var originalTimestamp, out error)
            || !TryTime(message, "sentAt", out var sentAt, out error))
        {
            return false;
        }

        anonymousId ??= NullIfBlank(context.AnonymousIdHeader);
        if (userId is null && anonymousId is null)
        {
            error = "Every message needs a \"userId\" or an \"anonymousId\".";
            return false;
        }

        string? name = null, previousId = null, groupId = null;
        switch (kind)
        {
            case EventKind.Track:
                if (!TryText(message, "event", limits.MaxEventNameLength, out name, out error))
                {
                    return false;
                }

                if (name is null)
                {
                    error = "A track message needs an \"event\" name.";
                    return false;
                }

                break;
            case EventKind.Page or EventKind.Screen:
                if (!TryText(message, "name", limits.MaxEventNameLength, out name, out error))
                {
                    return false;
                }

                break;
            case EventKind.Group:
                if (!TryId(message, "groupId", limits.MaxIdLength, out groupId, out error))
                {
                    return false;
                }

                if (groupId is null)
                {
                    error = "A group message needs a \"groupId\".";
                    return false;
                }

                break;
            case EventKind.Alias:
                if (!TryId(message, "previousId", limits.MaxIdLength, out previousId, out error))
                {
                    return false;
                }

                if (previousId is null || userId is null)
                {
                    error = "An alias message needs both \"previousId\" and \"userId\".";
                    return false;
                }

                break;
        }

        var contextJson = MergeContext(defaults.Context, messageContext);
        if (defaults.Context is not null && raw.Length + (contextJson?.Length ?? 0) > limits.MaxEventBytes)
        {
            // The batch's shared context becomes part of every event, so it counts against the event limit too.
            error = $"The event with the batch's context is over {limits.MaxEventBytes} bytes.";
            return false;
        }

        var receivedAt = context.ReceivedAt;
        ev = new EngagementEvent
        {
            MessageId = messageId ?? DerivedMessageId(raw),
            Kind = kind,
            SourceId = string.Empty,
            UserId = userId,
            AnonymousId = anonymousId,
            PreviousId = previousId,
            GroupId = groupId,
            Name = name,
            Timestamp = EventTimestamps.Resolve(timestamp, originalTimestamp, sentAt ?? defaults.SentAt, receivedAt),
            ReceivedAt = receivedAt,
            PropertiesJson = properties?.GetRawText(),
            TraitsJson = traits?.GetRawText(),
            ContextJson = contextJson,
            Page = kind is EventKind.Page or EventKind.Screen ? ReadPage(kind, name, properties, PageContext(messageContext) ?? PageContext(defaults.Context)) : null,
        };
        error = null;
        return true;
    }

    // context.page of the message, else of the batch: the same precedence as the merged context the event keeps.
    private static JsonElement? PageContext(JsonElement? context) =>
        context is { } c && c.TryGetProperty("page", out var p) && p.ValueKind == JsonValueKind.Object ? p : null;

    private static PageView ReadPage(EventKind kind, string? name, JsonElement? properties, JsonElement? page)
    {
        string? Pick(string key) => StringOf(properties, key) ?? StringOf(page, key);

        var url = Pick("url");
        var path = Pick("path");
        string? host = null;
        if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            host = uri.Host;
            path ??= uri.AbsolutePath;
        }

        var tokens = kind == EventKind.Screen
            ? UrlTokens.FromText(name)
            : UrlTokens.FromUrl(url ?? (path is null ? null : path + (Pick("search") ?? string.Empty)));

        return new PageView
        {
            Url = url,
            Path = path,
            Host = host,
            Title = Pick("title") ?? name,
            Referrer = Pick("referrer"),
            Tokens = tokens,
        };
    }

    private static string? StringOf(JsonElement? element, string key) =>
        element is { } e && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? NullIfBlank(v.GetString()) : null;

    // The context keeps what describes the device and page; traits repeated in it are personal data
    // already held in the profile, so they are not carried with every event.
    private static string? MergeContext(JsonElement? batchContext, JsonElement? messageContext)
    {
        if (batchContext is null && messageContext is null)
        {
            return null;
        }

        if (batchContext is null && !messageContext!.Value.TryGetProperty("traits", out _))
        {
            return messageContext.Value.GetRawText();
        }

        var merged = batchContext is { } b ? (JsonObject)JsonNode.Parse(b.GetRawText())! : [];
        if (messageContext is { } m)
        {
            foreach (var property in m.EnumerateObject())
            {
                merged[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        merged.Remove("traits");
        return merged.ToJsonString();
    }

    // JsonException carries no reason code: a second pass with an unbounded reader tells a body that is only too deep
    // from a broken one (whose message may mention "depth" too, e.g. an unclosed object).
    private bool NestsTooDeeply(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= limits.MaxJsonDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            // Broken before it got too deep.
        }

        return false;
    }

    private static string DerivedMessageId(ReadOnlySpan<byte> raw)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(raw, hash);
        return "auto-" + Convert.ToHexStringLower(hash[..16]);
    }

    private static bool TryId(JsonElement message, string name, int maxLength, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!message.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                value = NullIfBlank(element.GetString());
                break;
            case JsonValueKind.Number:
                value = element.GetRawText();
                break;
            default:
                error = $"\"{name}\" must be a string, not {Describe(element.ValueKind)}.";
                return false;
        }

        if (value is not null && value.Length > maxLength)
        {
            error = $"\"{name}\" is {value.Length} characters; the limit is {maxLength}.";
            return false;
        }

        return true;
    }

    private static bool TryText(JsonElement message, string name, int maxLength, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!message.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"\"{name}\" must be a string, not {Describe(element.ValueKind)}.";
            return false;
        }

        value = NullIfBlank(element.GetString());
        if (value is not null && value.Length > maxLength)
        {
            error = $"\"{name}\" is {value.Length} characters; the limit is {maxLength}.";
            return false;
        }

        return true;
    }

    private static bool TryObject(JsonElement message, string name, out JsonElement? value, out string? error)
    {
        value = null;
        error = null;
        if (!message.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            error = $"\"{name}\" must be an object, not {Describe(element.ValueKind)}.";
            return false;
        }

        value = element;
        return true;
    }

    private static bool TryTime(JsonElement message, string name, out DateTimeOffset? value, out string? error)
    {
        value = null;
        error = null;
        if (!message.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String || ParseTime(element.GetString()) is not { } parsed)
        {
            error = $"\"{name}\" must be an ISO-8601 date-time string such as \"2026-11-22T10:15:00.000Z\".";
            return false;
        }

        value = parsed;
        return true;
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        !string.IsNullOrWhiteSpace(text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed
            : null;

    private static string? ReadWriteKey(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("writeKey", out var key) && key.ValueKind == JsonValueKind.String
            ? NullIfBlank(key.GetString())
            : null;

    private static string? ReadMessageIdLoosely(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("messageId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString() is { Length: <= 200 } s ? s : null
            : null;

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..(cut + 1)];
    }

    private static TrackingParseResult Fail(string title, string detail, string? writeKey = null) =>
        new() { WriteKey = writeKey, Error = new TrackingRequestError(title, detail, []) };

    private sealed record BatchDefaults(JsonElement? Context, JsonElement? Integrations, DateTimeOffset? SentAt);
}
