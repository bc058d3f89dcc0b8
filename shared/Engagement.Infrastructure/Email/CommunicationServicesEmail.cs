using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.Core.Campaigns;
using Engagement.Infrastructure.Sms;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Engagement.Infrastructure.Email;

/// <summary>
/// Campaign e-mail through the Communication Services Email REST API (<c>POST {endpoint}/emails:send?api-version=2023-03-31</c>,
/// signed with the resource's access key like the SMS requests). Each message carries an <c>Operation-Id</c> derived
/// from its Message-ID, so handing the same message over again — a retry after a lost answer, or a takeover after the
/// sender stopped between the service's 202 and the mark — names the same operation, which the service does not send
/// twice: this closes the window SMTP leaves open. 202 is taken; 429, 5xx, 408 and network faults are retried
/// (honouring <c>Retry-After</c>); any other 4xx to the message (an address the service refuses) is final; 401 and 403
/// are the deployment's fault and stop the batch.
/// </summary>
public sealed partial class CommunicationServicesEmail : ICampaignMailTransport, IDisposable
{
    /// <summary>The named HTTP client.</summary>
    public const string HttpClientName = "communication-email";

    /// <summary>The Email API version spoken.</summary>
    public const string ApiVersion = "2023-03-31";

    // Message headers that are the API's own fields, not custom headers.
    private static readonly HashSet<string> OwnFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-Id", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    };

    private readonly IHttpClientFactory _http;
    private readonly IOptions<EmailOptions> _options;
    private readonly ILogger<CommunicationServicesEmail> _logger;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _jitterGate = new();
    private readonly Random _jitter = new();

    /// <summary>Sends through the resource of <c>Email:CommunicationServices:ConnectionString</c>.</summary>
    public CommunicationServicesEmail(IHttpClientFactory http, IOptions<EmailOptions> options, ILogger<CommunicationServicesEmail> logger, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        _logger = logger;
        _clock = clock;
        Connections = options.Value.Smtp.Connections;
        _slots = new SemaphoreSlim(Connections, Connections);
        Pace = new SendPace(options.Value.MaxPerSecond);
    }

    /// <summary>Requests in flight at once (<c>Email:Smtp:Connections</c>).</summary>
    public int Connections { get; }

    /// <inheritdoc />
    /// <remarks>The service tracks repeatable requests for five minutes.</remarks>
    public TimeSpan? RepeatWindow => TimeSpan.FromMinutes(5);

    /// <summary>The deployment's rate.</summary>
    public SendPace Pace { get; }

    /// <inheritdoc />
    public bool IsConfigured => Connection() is not null && !string.IsNullOrWhiteSpace(_options.Value.From);

    /// <summary>The operation id of a message: a GUID taken from the SHA-256 of its Message-ID, the same for every attempt and every resend.</summary>
    public static Guid OperationIdOf(string messageId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        return new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(messageId.Trim().Trim('<', '>')))[..16]);
    }

    /// <inheritdoc />
    public async Task<RelayReply> SendAsync(MimeMessage message, DateTimeOffset firstAttempt, SendPace? campaignPace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var connection = Connection() ?? throw new InvalidOperationException("Campaign e-mail through Communication Services needs Email:CommunicationServices:ConnectionString.");
        var body = Encoding.UTF8.GetBytes(BodyOf(message).ToJsonString());
        var operationId = OperationIdOf(message.MessageId ?? throw new ArgumentException("A campaign message carries its Message-ID.", nameof(message))).ToString();
        // Spelt out: resolved against the endpoint, "emails:send" would read as a URI scheme.
        var uri = new Uri(connection.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/') + $"/emails:send?api-version={ApiVersion}");
        var backoff = _options.Value.Retry.Backoff();
        SendPace[] paces = campaignPace is null ? [Pace] : [campaignPace, Pace];
        for (var attempt = 1; ; attempt++)
        {
            string fault;
            TimeSpan? retryAfter = null;
            DateTimeOffset slot;
            await _slots.WaitAsync(cancellationToken);
            try
            {
                slot = SendPace.ReserveAll(paces, _clock.GetUtcNow());
                var wait = slot - _clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _clock, cancellationToken);
                }

                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation("Operation-Id", operationId);
                // Repeatable requests: the same request id and first-sent time make a repeat within the service's
                // five-minute window answer as the first did, without a second message.
                request.Headers.TryAddWithoutValidation("Repeatability-Request-Id", operationId);
                request.Headers.TryAddWithoutValidation("Repeatability-First-Sent", (firstAttempt == default ? _clock.GetUtcNow() : firstAttempt).UtcDateTime.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                AcsRequestSigning.Sign(request, body, connection.AccessKey, _clock.GetUtcNow());
                using var response = await _http.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted || response.IsSuccessStatusCode)
                {
                    return new RelayReply(true, attempt, null, slot);
                }

                var detail = $"{(int)response.StatusCode} {await ErrorOfAsync(response, cancellationToken)}".Trim();
                if (response.StatusCode == HttpStatusCode.PreconditionFailed)
                {
                    // The first attempt is older than the service tracks: it may have gone out, so it is not sent again.
                    return new RelayReply(false, attempt, $"not sent again: the first attempt at {firstAttempt:O} is beyond the service's repeatability window and may have gone out ({detail})", slot);
                }

                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    throw new EmailNotSentException(0, $"Communication Services refused the request: {detail}", new HttpRequestException(detail, null, response.StatusCode));
                }

                if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout) && (int)response.StatusCode is >= 400 and < 500)
                {
                    return new RelayReply(false, attempt, detail, slot);
                }

                fault = detail;
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                fault = ex.Message;
            }
            finally
            {
                _slots.Release();
            }

            if (!backoff.MayRetry(attempt))
            {
                LogGaveUp(_logger, attempt, fault);
                throw new EmailNotSentException(0, $"Communication Services did not take the e-mail after {attempt} attempts: {fault}", new HttpRequestException(fault));
            }

            double jitter;
            lock (_jitterGate)
            {
                jitter = _jitter.NextDouble();
            }

            var delay = backoff.DelayBefore(attempt, jitter);
            if (retryAfter is { } asked && asked > delay)
            {
                delay = asked < backoff.MaxDelay ? asked : backoff.MaxDelay;
            }

            LogRetrying(_logger, attempt, delay.TotalMilliseconds, fault);
            await Task.Delay(delay, _clock, cancellationToken);
        }
    }

    /// <summary>Releases the send slots.</summary>
    public void Dispose() => _slots.Dispose();

    /// <summary>The request body of a message: sender, content, recipients, reply-to and custom headers (List-Unsubscribe …).</summary>
    public static JsonObject BodyOf(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = new JsonObject();
        foreach (var header in message.Headers.Where(h => !OwnFields.Contains(h.Field)))
        {
            headers[header.Field] = header.Value;
        }

        // The Message-ID travels as a header of our own: it names the send in replies and reports.
        headers["X-Campaign-Message-Id"] = "<" + message.MessageId + ">";
        var content = new JsonObject { ["subject"] = message.Subject ?? string.Empty };
        if (message.TextBody is { } text)
        {
            content["plainText"] = text;
        }

        if (message.HtmlBody is { } html)
        {
            content["html"] = html;
        }

        var body = new JsonObject
        {
            ["senderAddress"] = message.From.Mailboxes.First().Address,
            ["content"] = content,
            ["recipients"] = new JsonObject { ["to"] = Addresses(message.To.Mailboxes) },
            ["headers"] = headers,
            // Opens and clicks are tracked by our own signed links: the service's tracking would rewrite them again.
            ["userEngagementTrackingDisabled"] = true,
        };
        if (message.ReplyTo.Mailboxes.Any())
        {
            body["replyTo"] = Addresses(message.ReplyTo.Mailboxes);
        }

        return body;
    }

    private static JsonArray Addresses(IEnumerable<MailboxAddress> mailboxes) => new([.. mailboxes.Select(m =>
    {
        var address = new JsonObject { ["address"] = m.Address };
        if (!string.IsNullOrWhiteSpace(m.Name))
        {
            address["displayName"] = m.Name;
        }

        return (JsonNode)address;
    })]);

    private AcsConnectionString? Connection()
    {
        var text = _options.Value.CommunicationServices.ConnectionString;
        return !SmsOptions.IsUnresolvedReference(text) && AcsConnectionString.TryParse(text, out var connection, out _) ? connection : null;
    }

    private static async Task<string> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return (string?)JsonNode.Parse(text)?["error"]?["message"] ?? text;
        }
        catch (System.Text.Json.JsonException)
        {
            return text.Length > 200 ? text[..200] : text;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Communication Services asked to try later (attempt {Attempt}); retrying in {DelayMs:F0} ms: {Reason}")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Communication Services did not take a message after {Attempts} attempts: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, int attempts, string reason);
}
