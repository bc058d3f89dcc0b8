using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engagement.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Engagement.Testing;

/// <summary>
/// The SMS route of Azure Communication Services on loopback, for tests: <c>POST /sms?api-version=2021-03-07</c>,
/// checking requests as the service does — the body's SHA-256 against <c>x-ms-content-sha256</c>, the HMAC-SHA256
/// signature over <c>POST\npath?query\ndate;host;contentHash</c> with the access key, and an <c>x-ms-date</c> within
/// 15 minutes — and answering 401 otherwise. Written from the documented scheme, not with the product's signing code,
/// so a mistake there fails here. Honours repeatability: a recipient's repeatabilityRequestId seen before gets the
/// same answer again and no second message. Faults can be queued (429 with Retry-After, a 503 after the message was
/// taken, as when an answer is lost) and numbers marked undeliverable.
/// </summary>
public sealed class LocalSmsService : IAsyncDisposable
{
    public const string ApiVersion = "2021-03-07";
    private static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentQueue<SentSms> _messages = new();
    private int _requests;
    private int _refused;

    private LocalSmsService(WebApplication app, Uri baseAddress, byte[] accessKey)
    {
        _app = app;
        BaseAddress = baseAddress;
        AccessKey = accessKey;
    }

    /// <summary>One message the service took.</summary>
    public sealed record SentSms(string MessageId, string From, string To, string Message, string RepeatabilityRequestId, string RepeatabilityFirstSent, string? Tag);

    private sealed record Fault(HttpStatusCode Status, string? RetryAfter, bool AfterTaking);

    public Uri BaseAddress { get; }

    public byte[] AccessKey { get; }

    /// <summary>The connection string of this resource (<c>endpoint=…;accesskey=…</c>).</summary>
    public string ConnectionString => $"endpoint={BaseAddress};accesskey={Convert.ToBase64String(AccessKey)}";

    /// <summary>A connection string with another key: every request it signs is refused.</summary>
    public string ConnectionStringWithWrongKey => $"endpoint={BaseAddress};accesskey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}";

    /// <summary>The number messages come from.</summary>
    public string OurNumber { get; } = "+420910000001";

    /// <summary>Messages taken, in order.</summary>
    public IReadOnlyList<SentSms> Messages => [.. _messages];

    /// <summary>Requests that passed the signature check.</summary>
    public int AuthenticatedRequests => _requests;

    /// <summary>Requests refused with 401.</summary>
    public int RefusedRequests => _refused;

    /// <summary>Numbers the service refuses per recipient (400 Invalid To phone number).</summary>
    public ConcurrentDictionary<string, bool> UndeliverableNumbers { get; } = new(StringComparer.Ordinal);

    public static async Task<LocalSmsService> StartAsync()
    {
        var port = Loopback.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var service = new LocalSmsService(app, new Uri($"http://127.0.0.1:{port}/"), RandomNumberGenerator.GetBytes(32));
        app.MapPost("/sms", service.HandleAsync);
        await app.StartAsync();
        return service;
    }

    /// <summary>The next authenticated request is answered 429 with this Retry-After (seconds), before anything is taken.</summary>
    public void ThrottleNext(int retryAfterSeconds) => _faults.Enqueue(new Fault(HttpStatusCode.TooManyRequests, retryAfterSeconds.ToString(CultureInfo.InvariantCulture), false));

    /// <summary>The next authenticated request is taken (messages sent) and then answered 503, as when the answer is lost on the way.</summary>
    public void LoseNextAnswer() => _faults.Enqueue(new Fault(HttpStatusCode.ServiceUnavailable, null, true));

    /// <summary>An Event Grid delivery (an array of one event) of an SMS received by our number.</summary>
    public static string SmsReceivedEvent(string from, string to, string message, string messageId, DateTimeOffset receivedAt) => new JsonArray(new JsonObject
    {
        ["id"] = messageId,
        ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/microsoft.communication/communicationservices/acs-test",
        ["subject"] = "/phonenumber/" + from.TrimStart('+'),
        ["data"] = new JsonObject
        {
            ["messageId"] = messageId,
            ["from"] = from.TrimStart('+'),
            ["to"] = to,
            ["message"] = message,
            ["receivedTimestamp"] = receivedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["segmentCount"] = 1,
        },
        ["eventType"] = "Microsoft.Communication.SMSReceived",
        ["dataVersion"] = "1.0",
        ["metadataVersion"] = "1",
        ["eventTime"] = receivedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    }).ToJsonString();

    /// <summary>Event Grid's subscription validation event.</summary>
    public static string ValidationEvent(string code) => new JsonArray(new JsonObject
    {
        ["id"] = Guid.NewGuid().ToString(),
        ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000",
        ["subject"] = "",
        ["data"] = new JsonObject { ["validationCode"] = code, ["validationUrl"] = "https://rp-westeurope.eventgrid.azure.net/validate?code=" + code },
        ["eventType"] = "Microsoft.EventGrid.SubscriptionValidationEvent",
        ["eventTime"] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        ["metadataVersion"] = "1",
        ["dataVersion"] = "2",
    }).ToJsonString();

    /// <summary>Signs a request as the documentation describes, for tests that send raw requests (altered bodies, stale dates).</summary>
    public static void Sign(HttpRequestMessage request, byte[] body, byte[] key, DateTimeOffset date)
    {
        var dateText = date.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
        var hash = Convert.ToBase64String(SHA256.HashData(body));
        var toSign = $"POST\n{request.RequestUri!.PathAndQuery}\n{dateText};{request.RequestUri.Authority};{hash}";
        request.Headers.Add("x-ms-date", dateText);
        request.Headers.Add("x-ms-content-sha256", hash);
        request.Headers.TryAddWithoutValidation("Authorization",
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign))));
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (Unauthenticated(context.Request, body) is { } reason)
        {
            Interlocked.Increment(ref _refused);
            await WriteAsync(context, HttpStatusCode.Unauthorized, new JsonObject { ["error"] = new JsonObject { ["code"] = "Denied", ["message"] = reason } });
            return;
        }

        Interlocked.Increment(ref _requests);
        if (context.Request.Query["api-version"] != ApiVersion)
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidApiVersion", ["message"] = "Unsupported api-version." } });
            return;
        }

        _faults.TryDequeue(out var fault);
        if (fault is { AfterTaking: false })
        {
            context.Response.Headers.RetryAfter = fault.RetryAfter;
            await WriteAsync(context, fault.Status, new JsonObject { ["error"] = new JsonObject { ["code"] = "TooManyRequests", ["message"] = "Throttled." } });
            return;
        }

        JsonObject request;
        try
        {
            request = JsonNode.Parse(body)!.AsObject();
        }
        catch (JsonException)
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, new JsonObject { ["error"] = new JsonObject { ["code"] = "BadRequest", ["message"] = "Body is not JSON." } });
            return;
        }

        var from = (string?)request["from"];
        var message = (string?)request["message"];
        var recipients = request["smsRecipients"]?.AsArray();
        if (from is null || message is null || recipients is null || recipients.Count is 0 or > 100)
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, new JsonObject { ["error"] = new JsonObject { ["code"] = "BadRequest", ["message"] = "from, message and 1–100 smsRecipients are required." } });
            return;
        }

        var items = new JsonArray();
        foreach (var recipient in recipients)
        {
            var to = (string)recipient!["to"]!;
            var requestId = (string?)recipient["repeatabilityRequestId"] ?? Guid.NewGuid().ToString();
            var firstSent = (string?)recipient["repeatabilityFirstSent"] ?? string.Empty;
            var answer = _answers.GetOrAdd(requestId, _ =>
            {
                if (UndeliverableNumbers.ContainsKey(to))
                {
                    return new JsonObject { ["to"] = to, ["httpStatusCode"] = 400, ["repeatabilityResult"] = "accepted", ["successful"] = false, ["errorMessage"] = "Invalid To phone number format." };
                }

                var messageId = "Outgoing_" + Guid.NewGuid().ToString("N");
                _messages.Enqueue(new SentSms(messageId, from, to, message, requestId, firstSent, (string?)request["smsSendOptions"]?["tag"]));
                return new JsonObject { ["to"] = to, ["messageId"] = messageId, ["httpStatusCode"] = 202, ["repeatabilityResult"] = "accepted", ["successful"] = true };
            });
            items.Add(answer.DeepClone());
        }

        if (fault is { AfterTaking: true })
        {
            await WriteAsync(context, fault.Status, new JsonObject { ["error"] = new JsonObject { ["code"] = "ServiceUnavailable", ["message"] = "Try again." } });
            return;
        }

        await WriteAsync(context, HttpStatusCode.Accepted, new JsonObject { ["value"] = items });
    }

    /// <summary>Why a request is not authentic, or null when it is.</summary>
    private string? Unauthenticated(HttpRequest request, byte[] body)
    {
        var date = request.Headers["x-ms-date"].ToString();
        var contentHash = request.Headers["x-ms-content-sha256"].ToString();
        var authorization = request.Headers.Authorization.ToString();
        if (date.Length == 0 || contentHash.Length == 0 || authorization.Length == 0)
        {
            return "x-ms-date, x-ms-content-sha256 and Authorization are required.";
        }

        if (!DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent)
            || (DateTimeOffset.UtcNow - sent).Duration() > AllowedSkew)
        {
            return "The x-ms-date is missing, malformed or more than 15 minutes off.";
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(contentHash), Encoding.ASCII.GetBytes(Convert.ToBase64String(SHA256.HashData(body)))))
        {
            return "The content hash does not match the body.";
        }

        const string prefix = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal))
        {
            return "Authorization must be HMAC-SHA256 over x-ms-date;host;x-ms-content-sha256.";
        }

        var toSign = $"{request.Method}\n{request.Path}{request.QueryString}\n{date};{request.Host.Value};{contentHash}";
        var expected = Convert.ToBase64String(HMACSHA256.HashData(AccessKey, Encoding.UTF8.GetBytes(toSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(authorization[prefix.Length..]), Encoding.ASCII.GetBytes(expected))
            ? null
            : "Denied by the resource provider: the signature does not match.";
    }

    private static async Task WriteAsync(HttpContext context, HttpStatusCode status, JsonObject body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
