using Engagement.Core.Campaigns;
using MimeKit;

namespace Engagement.Infrastructure.Email;

/// <summary>How campaign e-mail leaves: SMTP through <see cref="SmtpRelayPool"/>, or the Communication Services Email API.</summary>
public enum EmailTransport
{
    /// <summary>SMTP to <c>Email:Smtp:Host</c> (the Communication Services relay in Azure, MailDev locally).</summary>
    Smtp,
    /// <summary>The Communication Services Email REST API, whose repeatable requests make a repeated send within five minutes a no-op.</summary>
    CommunicationServices,
}

/// <summary>Hands campaign messages to the service that delivers them, at the allowed rate, retrying "try later".</summary>
public interface ICampaignMailTransport
{
    /// <summary>Messages handed over side by side.</summary>
    int Connections { get; }

    /// <summary>
    /// How long after its first attempt the service recognises a message handed over again and does not send it twice;
    /// null when it never does (SMTP).
    /// </summary>
    TimeSpan? RepeatWindow { get; }

    /// <summary>Whether the transport has what it needs to send.</summary>
    bool IsConfigured { get; }

    /// <summary>
    /// Sends one message at its slot under the deployment's rate and <paramref name="campaignPace"/>, retrying "try later";
    /// returns whether it was taken or refused for good, and throws <see cref="EmailNotSentException"/> when it could not be
    /// handed over through every attempt. <paramref name="firstAttempt"/> is when the message may first have been handed
    /// over (its first claim), which a transport that recognises repeated requests names.
    /// </summary>
    Task<RelayReply> SendAsync(MimeMessage message, DateTimeOffset firstAttempt, SendPace? campaignPace = null, CancellationToken cancellationToken = default);
}
