using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Engagement.Infrastructure.Email;

/// <summary>One e-mail to send: HTML with a plain-text alternative, under a Message-ID chosen by the caller.</summary>
/// <param name="To">The recipient's address.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="HtmlBody">The HTML part.</param>
/// <param name="TextBody">The plain-text part.</param>
/// <param name="MessageId">
/// The Message-ID without angle brackets (<c>local@domain</c>). Derive it from what the message is for, so that a
/// message sent again after a crash carries the same id and receiving systems can tell it is the same message.
/// </param>
/// <param name="ToName">The recipient's name, if known.</param>
/// <param name="Headers">Further header fields, in order (e.g. <c>List-Unsubscribe</c> and <c>List-Unsubscribe-Post</c> of a campaign e-mail).</param>
public sealed record EmailMessage(string To, string Subject, string HtmlBody, string TextBody, string MessageId, string? ToName = null,
    IReadOnlyList<KeyValuePair<string, string>>? Headers = null);

/// <summary>
/// Sends e-mail over SMTP (MailKit): to the Communication Services relay in Azure (STARTTLS on 587, an Entra app's
/// credentials), to MailDev locally. A batch goes over one connection, as campaigns need. Faults of the relay or the
/// network surface as <see cref="EmailNotSentException"/>, so callers can answer "try again" rather than fail.
/// </summary>
public sealed partial class EmailSender(IOptions<EmailOptions> options, ILogger<EmailSender> logger)
{
    /// <summary>Whether a relay is configured (<c>Email:Smtp:Host</c>).</summary>
    public bool IsConfigured => options.Value.IsConfigured();

    /// <summary>The sender address's domain, for Message-IDs.</summary>
    public string SenderDomain
    {
        get
        {
            var from = options.Value.From;
            var at = from?.LastIndexOf('@') ?? -1;
            return at >= 0 ? from![(at + 1)..].Trim().TrimEnd('>') : "localhost";
        }
    }

    /// <summary>Sends one message.</summary>
    public Task SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync([message], cancellationToken);
    }

    /// <summary>Sends messages in order over one connection; throws <see cref="EmailNotSentException"/> naming how many went out before a fault.</summary>
    public async Task SendAsync(IReadOnlyList<EmailMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var settings = options.Value;
        if (!settings.IsConfigured())
        {
            throw new InvalidOperationException("E-mail is not configured: set Email:Smtp:Host and Email:From.");
        }

        if (messages.Count == 0)
        {
            return;
        }

        var sent = 0;
        using var client = new SmtpClient { Timeout = settings.Smtp.TimeoutSeconds * 1000 };
        try
        {
            await client.ConnectAsync(settings.Smtp.Host!, settings.Smtp.Port, SocketOptions(settings.Smtp.Security), cancellationToken);
            if (!string.IsNullOrEmpty(settings.Smtp.UserName))
            {
                await client.AuthenticateAsync(settings.Smtp.UserName, settings.Smtp.Password ?? string.Empty, cancellationToken);
            }

            foreach (var message in messages)
            {
                using var mime = ToMime(message, settings);
                await client.SendAsync(mime, cancellationToken);
                sent++;
            }

            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException
            or AuthenticationException or SslHandshakeException or SocketException or IOException or TimeoutException)
        {
            LogNotSent(logger, settings.Smtp.Host!, settings.Smtp.Port, sent, messages.Count, ex.Message);
            throw new EmailNotSentException(sent, $"The SMTP relay {settings.Smtp.Host}:{settings.Smtp.Port} did not take the e-mail: {ex.Message}", ex);
        }
    }

    private static MimeMessage ToMime(EmailMessage message, EmailOptions settings)
    {
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            MessageId = message.MessageId,
            Date = DateTimeOffset.UtcNow,
            Body = new BodyBuilder { HtmlBody = message.HtmlBody, TextBody = message.TextBody }.ToMessageBody(),
        };
        mime.From.Add(new MailboxAddress(settings.FromName ?? string.Empty, settings.From!));
        mime.To.Add(new MailboxAddress(message.ToName ?? string.Empty, message.To));
        foreach (var (name, value) in message.Headers ?? [])
        {
            mime.Headers.Add(name, value);
        }

        return mime;
    }

    private static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMTP relay {Host}:{Port} failed after {Sent} of {Count} messages: {Reason}")]
    private static partial void LogNotSent(ILogger logger, string host, int port, int sent, int count, string reason);
}

/// <summary>The relay or the network did not take a message: a passing fault the caller may retry.</summary>
public sealed class EmailNotSentException : Exception
{
    /// <summary>A fault after <paramref name="sent"/> messages of a batch went out.</summary>
    public EmailNotSentException(int sent, string message, Exception inner)
        : base(message, inner) => Sent = sent;

    /// <summary>A fault.</summary>
    public EmailNotSentException()
    {
    }

    /// <summary>A fault with a message.</summary>
    public EmailNotSentException(string message)
        : base(message)
    {
    }

    /// <summary>A fault with a message and its cause.</summary>
    public EmailNotSentException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>How many messages of the batch had been sent before the fault.</summary>
    public int Sent { get; }
}
