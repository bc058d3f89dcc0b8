using Engagement.Testing;
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
/// The Email route of Azure Communication Services on loopback, for tests: <c>POST /emails:send?api-version=2023-03-31</c>,
/// checking the HMAC-SHA256 signature as the service does (written from the documented scheme, not with the product's
/// signing code) and answering 202 with the operation. An <c>Operation-Id</c> seen before gets the same operation again
/// and no second message. Faults can be queued (429 with Retry-After) and addresses refused (400).
/// </summary>
public sealed class LocalEmailService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _operations = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _repeatable = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<int> _throttles = new();
    private readonly ConcurrentQueue<TakenEmail> _messages = new();
    private int _requests;
    private int _refused;

    private readonly TimeProvider _clock;

    private LocalEmailService(WebApplication app, Uri baseAddress, byte[] accessKey, TimeProvider clock)
    {
        _clock = clock;
        _app = app;
        BaseAddress = baseAddress;
        AccessKey = accessKey;
    }

    /// <summary>One message the service took.</summary>
    public sealed record TakenEmail(string OperationId, string To, string Subject, string? Html, IReadOnlyDictionary<string, string> Headers, bool TrackingDisabled);

    public Uri BaseAddress { get; }

    public byte[] AccessKey { get; }

    /// <summary>Settings that send campaign e-mail here.</summary>
    public IReadOnlyDictionary<string, string?> EmailSettings => new Dictionary<string, string?>
    {
        ["Email:Transport"] = "CommunicationServices",
        ["Email:CommunicationServices:ConnectionString"] = $"endpoint={BaseAddress};accesskey={Convert.ToBase64String(AccessKey)}",
        ["Email:From"] = "news@engagement360.local",
        ["Email:Retry:BaseDelayMilliseconds"] = "5",
        ["Email:Retry:MaxDelaySeconds"] = "1",
    };

    /// <summary>Messages taken, in order.</summary>
    public IReadOnlyList<TakenEmail> Messages => [.. _messages];

    /// <summary>Requests that passed the signature check.</summary>
    public int AuthenticatedRequests => _requests;

    /// <summary>Requests refused with 401.</summary>
    public int RefusedRequests => _refused;

    /// <summary>Addresses the service refuses (400).</summary>
    public ConcurrentDictionary<string, bool> RefusedAddresses { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="clock">The service's clock for the repeatability window (the system's when null).</param>
    public static async Task<LocalEmailService> StartAsync(TimeProvider? clock = null)
    {
        var port = Loopback.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var service = new LocalEmailService(app, new Uri($"http://127.0.0.1:{port}/"), RandomNumberGenerator.GetBytes(32), clock ?? TimeProvider.System);
        app.MapPost("/emails:send", service.HandleAsync);
        await app.StartAsync();
        return service;
    }

    /// <summary>The next authenticated request is answered 429 with this Retry-After (seconds).</summary>
    public void ThrottleNext(int retryAfterSeconds) => _throttles.Enqueue(retryAfterSeconds);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (!Authentic(context.Request, body))
        {
            Interlocked.Increment(ref _refused);
            await WriteAsync(context, HttpStatusCode.Unauthorized, Error("Denied", "Signature does not match."));
            return;
        }

        Interlocked.Increment(ref _requests);
        if (context.Request.Query["api-version"] != "2023-03-31")
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, Error("InvalidApiVersion", "Unsupported api-version."));
            return;
        }

        if (_throttles.TryDequeue(out var seconds))
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await WriteAsync(context, HttpStatusCode.TooManyRequests, Error("TooManyRequests", "Throttled."));
            return;
        }

        JsonObject request;
        try
        {
            request = JsonNode.Parse(body)!.AsObject();
        }
        catch (JsonException)
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, Error("BadRequest", "Body is not JSON."));
            return;
        }

        var to = (string?)request["recipients"]?["to"]?[0]?["address"];
        if ((string?)request["senderAddress"] is null || to is null || (string?)request["content"]?["subject"] is null)
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, Error("BadRequest", "senderAddress, content.subject and a recipient are required."));
            return;
        }

        if (RefusedAddresses.ContainsKey(to))
        {
            await WriteAsync(context, HttpStatusCode.BadRequest, Error("InvalidRecipient", $"The recipient {to} is not a valid e-mail address."));
            return;
        }

        var operationId = context.Request.Headers["Operation-Id"].ToString();
        if (string.IsNullOrEmpty(operationId))
        {
            operationId = Guid.NewGuid().ToString();
        }

        // Repeatable requests as the service documents them: within five minutes of its first-sent time a repeat of a
        // request id answers as the first did; a first-sent time older than that is refused (412); a repeat naming
        // another first-sent time is refused (400).
        var requestId = context.Request.Headers["Repeatability-Request-Id"].ToString();
        if (requestId.Length > 0)
        {
            if (!DateTimeOffset.TryParseExact(context.Request.Headers["Repeatability-First-Sent"].ToString(), "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var firstSent))
            {
                await WriteAsync(context, HttpStatusCode.BadRequest, Error("InvalidRepeatability", "Repeatability-First-Sent must be an IMF-fixdate."));
                return;
            }

            if (_clock.GetUtcNow() - firstSent > TimeSpan.FromMinutes(5))
            {
                await WriteAsync(context, HttpStatusCode.PreconditionFailed, Error("PreconditionFailed", "Repeatability-First-Sent is not within the 5 minute window."));
                return;
            }

            var first = _repeatable.GetOrAdd(requestId, firstSent);
            if (first != firstSent)
            {
                await WriteAsync(context, HttpStatusCode.BadRequest, Error("InvalidRepeatability", "The request repeats another with a different first-sent time."));
                return;
            }

            operationId = requestId;
        }

        _operations.GetOrAdd(operationId, id =>
        {
            var headers = request["headers"]?.AsObject().ToDictionary(h => h.Key, h => (string)h.Value!, StringComparer.OrdinalIgnoreCase) ?? [];
            _messages.Enqueue(new TakenEmail(id, to, (string)request["content"]!["subject"]!, (string?)request["content"]!["html"], headers, (bool?)request["userEngagementTrackingDisabled"] == true));
            return id;
        });
        context.Response.Headers["Operation-Location"] = $"{BaseAddress}emails/operations/{operationId}?api-version=2023-03-31";
        await WriteAsync(context, HttpStatusCode.Accepted, new JsonObject { ["id"] = operationId, ["status"] = "Running" });
    }

    private bool Authentic(HttpRequest request, byte[] body)
    {
        var date = request.Headers["x-ms-date"].ToString();
        var hash = request.Headers["x-ms-content-sha256"].ToString();
        var authorization = request.Headers.Authorization.ToString();
        if (hash != Convert.ToBase64String(SHA256.HashData(body)) || !DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            || (DateTimeOffset.UtcNow - at).Duration() > TimeSpan.FromMinutes(15))
        {
            return false;
        }

        var toSign = $"POST\n{request.Path}{request.QueryString}\n{date};{request.Host};{hash}";
        var expected = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + Convert.ToBase64String(HMACSHA256.HashData(AccessKey, Encoding.UTF8.GetBytes(toSign)));
        return authorization == expected;
    }

    private static JsonObject Error(string code, string message) => new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private static async Task WriteAsync(HttpContext context, HttpStatusCode status, JsonObject body)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }
}
