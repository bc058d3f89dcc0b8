using System.Net.Sockets;
using System.Threading.Channels;
using Engagement.Core.Campaigns;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Engagement.Infrastructure.Email;

/// <summary>What the relay said to one message.</summary>
/// <param name="Sent">Whether it took the message (250).</param>
/// <param name="Attempts">Attempts it took, the first included.</param>
/// <param name="Refusal">The relay's permanent answer (a 5xx reply to the recipient or the message) when it refused.</param>
/// <param name="ScheduledAt">The slot the rate limits gave the last attempt: it did not start before.</param>
public sealed record RelayReply(bool Sent, int Attempts, string? Refusal = null, DateTimeOffset? ScheduledAt = null);

/// <summary>
/// The connections campaign sending keeps open to the SMTP relay (<c>Email:Smtp:Connections</c>, MailKit), reused
/// message after message and reconnected when the relay drops one; never a connection per message. Each send waits for
/// a free connection and for its slot under the deployment's rate (<c>Email:MaxPerSecond</c>) and the campaign's own,
/// then goes out. "Try later" (any 4xx reply, a dropped connection, a socket fault, a timeout) is retried with
/// exponential backoff and jitter (<c>Email:Retry</c>); a 5xx reply to the recipient or the message is the relay's
/// final word, returned and never retried; anything else that lasts past the retries surfaces as
/// <see cref="EmailNotSentException"/>.
/// </summary>
public sealed partial class SmtpRelayPool : IAsyncDisposable
{
    private readonly IOptions<EmailOptions> _options;
    private readonly ILogger<SmtpRelayPool> _logger;
    private readonly TimeProvider _clock;
    private readonly Channel<SmtpClient> _idle;
    private readonly List<SmtpClient> _all = [];
    private readonly Lock _jitterGate = new();
    private readonly Random _jitter = new();
    private int _disposed;
    private int _connects;

    /// <summary>A pool of <c>Email:Smtp:Connections</c> connections, opened when first used.</summary>
    public SmtpRelayPool(IOptions<EmailOptions> options, ILogger<SmtpRelayPool> logger, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        _clock = clock;
        var settings = options.Value;
        Pace = new SendPace(settings.MaxPerSecond);
        _idle = Channel.CreateUnbounded<SmtpClient>();
        for (var i = 0; i < settings.Smtp.Connections; i++)
        {
            var client = new SmtpClient { Timeout = settings.Smtp.TimeoutSeconds * 1000 };
            _all.Add(client);
            _idle.Writer.TryWrite(client);
        }
    }

    /// <summary>Connections in the pool.</summary>
    public int Connections => _all.Count;

    /// <summary>The deployment's rate over all connections.</summary>
    public SendPace Pace { get; }

    /// <summary>Whether a relay is configured.</summary>
    public bool IsConfigured => _options.Value.IsConfigured();

    /// <summary>Connections opened so far (reconnects included): what shows that connections are reused.</summary>
    public int ConnectsMade => Volatile.Read(ref _connects);

    /// <summary>
    /// Sends one message over a pooled connection at its slot under the deployment's rate and <paramref name="campaignPace"/>,
    /// retrying "try later". Returns whether the relay took it or refused it for good; throws
    /// <see cref="EmailNotSentException"/> when it kept answering "try later" (or could not be reached) through every attempt.
    /// </summary>
    public async Task<RelayReply> SendAsync(MimeMessage message, SendPace? campaignPace = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var settings = _options.Value;
        if (!settings.IsConfigured())
        {
            throw new InvalidOperationException("E-mail is not configured: set Email:Smtp:Host and Email:From.");
        }

        var backoff = settings.Retry.Backoff();
        SendPace[] paces = campaignPace is null ? [Pace] : [campaignPace, Pace];
        for (var attempt = 1; ; attempt++)
        {
            Exception fault;
            DateTimeOffset? slot = null;
            var client = await _idle.Reader.ReadAsync(cancellationToken);
            try
            {
                slot = SendPace.ReserveAll(paces, _clock.GetUtcNow());
                var wait = slot.Value - _clock.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _clock, cancellationToken);
                }

                await EnsureConnectedAsync(client, settings.Smtp, cancellationToken);
                await client.SendAsync(message, cancellationToken);
                return new RelayReply(true, attempt, null, slot);
            }
            catch (SmtpCommandException ex) when (IsFinal(ex))
            {
                return new RelayReply(false, attempt, $"{(int)ex.StatusCode} {ex.Message}".Trim(), slot);
            }
            catch (SmtpCommandException ex) when ((int)ex.StatusCode is >= 500 and < 600)
            {
                // A 5xx to the sender or the session (authentication, the sender address) is no fault of the recipient:
                // it stops the batch instead of failing every recipient for good.
                throw new EmailNotSentException(0, $"The SMTP relay {settings.Smtp.Host}:{settings.Smtp.Port} refused the session: {(int)ex.StatusCode} {ex.Message}", ex);
            }
            catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException
                or AuthenticationException or SslHandshakeException or SocketException or IOException or TimeoutException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                fault = ex;
                if (ex is not SmtpCommandException || !client.IsConnected)
                {
                    // Whatever state the session is in, the next attempt starts from a fresh connection.
                    await DropAsync(client);
                }
            }
            finally
            {
                _idle.Writer.TryWrite(client);
            }

            if (!backoff.MayRetry(attempt))
            {
                LogGaveUp(_logger, settings.Smtp.Host!, settings.Smtp.Port, attempt, fault.Message);
                throw new EmailNotSentException(0, $"The SMTP relay {settings.Smtp.Host}:{settings.Smtp.Port} did not take the e-mail after {attempt} attempts: {fault.Message}", fault);
            }

            double jitter;
            lock (_jitterGate)
            {
                jitter = _jitter.NextDouble();
            }

            var delay = backoff.DelayBefore(attempt, jitter);
            LogRetrying(_logger, attempt, delay.TotalMilliseconds, fault.Message);
            await Task.Delay(delay, _clock, cancellationToken);
        }
    }

    /// <summary>Whether a reply is the relay's final word on this message: 5xx to the recipient or to the message.</summary>
    public static bool IsFinal(SmtpCommandException reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return (int)reply.StatusCode is >= 500 and < 600
            && reply.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted;
    }

    /// <summary>Closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _idle.Writer.TryComplete();
        foreach (var client in _all)
        {
            await DropAsync(client, quit: true);
            client.Dispose();
        }
    }

    private async Task EnsureConnectedAsync(SmtpClient client, SmtpOptions smtp, CancellationToken cancellationToken)
    {
        if (client.IsConnected && (string.IsNullOrEmpty(smtp.UserName) || client.IsAuthenticated))
        {
            return;
        }

        await DropAsync(client);
        Interlocked.Increment(ref _connects);
        await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        }, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.UserName))
        {
            await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? string.Empty, cancellationToken);
        }
    }

    private static async Task DropAsync(SmtpClient client, bool quit = false)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            await client.DisconnectAsync(quit, CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or SocketException or SmtpProtocolException or SmtpCommandException or TimeoutException or ObjectDisposedException)
        {
            // A connection that cannot even be closed politely is closed anyway.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SMTP relay asked to try later (attempt {Attempt}); retrying in {DelayMs:F0} ms: {Reason}")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMTP relay {Host}:{Port} did not take a message after {Attempts} attempts: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string host, int port, int attempts, string reason);
}
