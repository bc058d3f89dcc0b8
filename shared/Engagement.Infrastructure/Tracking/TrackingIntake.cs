using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Azure;
using Engagement.Core.Events;
using Engagement.Core.Tracking;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Sources;
using Engagement.Infrastructure.Streaming;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Tracking;

/// <summary>The HTTP headers the tracking API reads.</summary>
/// <param name="Authorization">The <c>Authorization</c> header (HTTP Basic with the write key as user name).</param>
/// <param name="ContentEncoding">The <c>Content-Encoding</c> header.</param>
/// <param name="SentAt">The <c>SentAt</c> header.</param>
/// <param name="AnonymousId">The <c>AnonymousId</c> header.</param>
public sealed record TrackingHeaders(string? Authorization, string? ContentEncoding, string? SentAt, string? AnonymousId);

/// <summary>A message rejected from an otherwise accepted batch.</summary>
/// <param name="Index">Its position in the batch.</param>
/// <param name="MessageId">Its id, if readable.</param>
/// <param name="Error">What is wrong.</param>
public sealed record RejectedSummary(int Index, string? MessageId, string Error);

/// <summary>The body of an accepted call.</summary>
/// <param name="Success">Always true: Segment clients look for it.</param>
/// <param name="Rejected">Messages of the batch that were invalid and dead-lettered, if any.</param>
public sealed record TrackingAccepted(bool Success, IReadOnlyList<RejectedSummary>? Rejected = null);

/// <summary>The answer to a tracking call.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Accepted">The body when accepted.</param>
/// <param name="Problem">The body when not.</param>
/// <param name="RetryAfter">When to retry, for 429 and 503.</param>
public sealed record TrackingReply(int Status, TrackingAccepted? Accepted, ApiProblem? Problem, TimeSpan? RetryAfter = null);

/// <summary>
/// The tracking API behind both hosts: reads the body (any content type, gzip/deflate/brotli or plain),
/// authenticates the source, validates, rate-limits, and answers 200 only once the events are durably on the stream.
/// </summary>
public sealed partial class TrackingIntake : IDisposable
{
    private readonly IEventStreamProducer _stream;
    private readonly SourceRegistry _sources;
    private readonly DeadLetterStore _deadLetters;
    private readonly TimeProvider _time;
    private readonly ILogger<TrackingIntake> _logger;
    private readonly SegmentRequestParser _parser;
    private readonly TrackingOptions _options;
    private readonly PartitionedRateLimiter<string> _rateLimiter;

    /// <summary>Creates the intake.</summary>
    public TrackingIntake(IEventStreamProducer stream, SourceRegistry sources, DeadLetterStore deadLetters, TimeProvider time, IOptions<TrackingOptions> options, ILogger<TrackingIntake> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _stream = stream;
        _sources = sources;
        _deadLetters = deadLetters;
        _time = time;
        _logger = logger;
        _options = options.Value;
        _parser = new SegmentRequestParser(new TrackingLimits
        {
            MaxEventBytes = _options.MaxEventBytes,
            MaxRequestBytes = _options.MaxRequestBytes,
            MaxBatchEvents = _options.MaxBatchEvents,
            MaxJsonDepth = _options.MaxJsonDepth,
        });
        _rateLimiter = PartitionedRateLimiter.Create<string, string>(source => RateLimitPartition.GetTokenBucketLimiter(source, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = _options.BurstEventsPerSource,
            TokensPerPeriod = Math.Max(1, _options.EventsPerSecondPerSource / 10),
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Handles one tracking call.</summary>
    public async Task<TrackingReply> HandleAsync(TrackingEndpoint endpoint, Stream body, TrackingHeaders headers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        var receivedAt = _time.GetUtcNow();

        string? sourceId = null;
        var basicKey = BasicUserName(headers.Authorization);
        if (basicKey is not null)
        {
            sourceId = await _sources.AuthenticateAsync(basicKey, cancellationToken);
            if (sourceId is null)
            {
                return Unauthorized("The write key is not known. Check the key of the source (engage sources list).");
            }
        }

        var (bytes, readError) = await ReadBodyAsync(body, headers.ContentEncoding, cancellationToken);
        if (readError is not null)
        {
            return BadRequest(readError.Value.Title, readError.Value.Detail);
        }

        var parsed = _parser.Parse(bytes, endpoint, new TrackingRequestContext(receivedAt, headers.SentAt, headers.AnonymousId));
        if (sourceId is null)
        {
            if (parsed.WriteKey is null)
            {
                return parsed.Error is { } malformed && malformed.Errors.Count == 0
                    ? BadRequest(malformed.Title, malformed.Detail)
                    : Unauthorized("Send the source's write key as the HTTP Basic user name (empty password) or as \"writeKey\" in the body.");
            }

            sourceId = await _sources.AuthenticateAsync(parsed.WriteKey, cancellationToken);
            if (sourceId is null)
            {
                return Unauthorized("The write key is not known. Check the key of the source (engage sources list).");
            }
        }

        if (parsed.Error is { } error)
        {
            return new TrackingReply(400, null, new ApiProblem(error.Title, 400, error.Detail, error.Errors.Select(e => $"[{e.Index}] {e.Reason}").Take(20).ToList()));
        }

        using var lease = _rateLimiter.AttemptAcquire(sourceId, Math.Min(parsed.Events.Count, _options.BurstEventsPerSource));
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            return new TrackingReply(429, null, new ApiProblem("Too many events", 429, $"Source \"{sourceId}\" may send {_options.EventsPerSecondPerSource} events per second. Retry after the delay."), RoundUp(retryAfter));
        }

        var events = parsed.EventsFrom(sourceId);
        var batch = new IngestionBatch(Guid.NewGuid().ToString("N"), sourceId, events);
        try
        {
            await _stream.AppendAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or TimeoutException or IOException or AggregateException)
        {
            LogStreamUnavailable(_logger, sourceId, events.Count, ex);
            return new TrackingReply(503, null, new ApiProblem("Stream unavailable", 503, "The events could not be stored right now; nothing was kept. Retry after the delay."), TimeSpan.FromSeconds(5));
        }

        if (parsed.Rejected.Count > 0)
        {
            await DeadLetterRejectedAsync(sourceId, parsed.Rejected, cancellationToken);
        }

        LogAccepted(_logger, events.Count, sourceId, parsed.Rejected.Count);
        return new TrackingReply(200, new TrackingAccepted(true, parsed.Rejected.Count == 0 ? null : parsed.Rejected.Select(r => new RejectedSummary(r.Index, r.MessageId, r.Reason)).ToList()), null);
    }

    /// <inheritdoc />
    public void Dispose() => _rateLimiter.Dispose();

    private async Task DeadLetterRejectedAsync(string sourceId, IReadOnlyList<RejectedMessage> rejected, CancellationToken cancellationToken)
    {
        foreach (var message in rejected)
        {
            try
            {
                await _deadLetters.WriteAsync("tracking", message.Reason, message.RawJson, sourceId, message.MessageId, cancellationToken);
            }
            catch (RequestFailedException ex)
            {
                // The valid events are already durable; the client was told which messages were invalid.
                LogDeadLetterFailed(_logger, sourceId, ex);
            }
        }
    }

    private async Task<(ReadOnlyMemory<byte> Bytes, (string Title, string Detail)? Error)> ReadBodyAsync(Stream body, string? contentEncoding, CancellationToken cancellationToken)
    {
        var limit = _options.MaxRequestBytes;
        var raw = await ReadLimitedAsync(body, limit, cancellationToken);
        if (raw is null)
        {
            return (default, ("Request too large", $"The request body is over {limit} bytes."));
        }

        var encoding = contentEncoding?.Trim().ToLowerInvariant();
        // Some SDKs gzip the body without saying so (and label it form-urlencoded): the gzip magic number decides.
        var isGzip = raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
        Stream? decoder = null;
        if (isGzip || encoding == "gzip")
        {
            decoder = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        }
        else if (encoding == "deflate")
        {
            decoder = new ZLibStream(new MemoryStream(raw), CompressionMode.Decompress);
        }
        else if (encoding == "br")
        {
            decoder = new BrotliStream(new MemoryStream(raw), CompressionMode.Decompress);
        }
        else if (encoding is not null and not "identity" and not "")
        {
            return (default, ("Unsupported encoding", $"Content-Encoding \"{contentEncoding}\" is not supported; send gzip, deflate, br or none."));
        }

        if (decoder is null)
        {
            return (raw, null);
        }

        await using (decoder)
        {
            try
            {
                var decoded = await ReadLimitedAsync(decoder, limit, cancellationToken);
                if (decoded is null)
                {
                    return (default, ("Request too large", $"The decompressed body is over {limit} bytes."));
                }

                // A truncated stream decodes to nothing rather than failing.
                return decoded.Length == 0 && raw.Length > 0
                    ? (default, ("Malformed compression", $"The body is not valid {(encoding is null or "gzip" ? "gzip" : encoding)} data."))
                    : (decoded, null);
            }
            catch (InvalidDataException)
            {
                return (default, ("Malformed compression", $"The body is not valid {(encoding is null or "gzip" ? "gzip" : encoding)} data."));
            }
        }
    }

    private static async Task<byte[]?> ReadLimitedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string? BasicUserName(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? decoded : decoded[..colon];
            return string.IsNullOrEmpty(user) ? string.Empty : user;
        }
        catch (FormatException)
        {
            return string.Empty;
        }
    }

    private static TimeSpan RoundUp(TimeSpan wait) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));

    private static TrackingReply BadRequest(string title, string detail) => new(400, null, new ApiProblem(title, 400, detail));

    private static TrackingReply Unauthorized(string detail) => new(401, null, new ApiProblem("Unauthorized", 401, detail));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Accepted {Count} events from {Source} ({Rejected} rejected)")]
    private static partial void LogAccepted(ILogger logger, int count, string source, int rejected);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream unavailable: {Count} events from {Source} answered 503")]
    private static partial void LogStreamUnavailable(ILogger logger, string source, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not dead-letter rejected messages of {Source}")]
    private static partial void LogDeadLetterFailed(ILogger logger, string source, Exception exception);
}
