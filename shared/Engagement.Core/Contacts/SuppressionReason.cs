namespace Engagement.Core.Contacts;

/// <summary>Why a subject must not be contacted over a channel.</summary>
public enum SuppressionReason
{
    /// <summary>Unsubscribed (a link in an e-mail, the account page).</summary>
    Unsubscribed,
    /// <summary>Messages bounced (hard bounce, or repeated soft bounces).</summary>
    Bounced,
    /// <summary>Reported a message as spam.</summary>
    Complained,
    /// <summary>Replied STOP to an SMS.</summary>
    StopReply,
    /// <summary>Set by hand (a request by phone, a complaint, a legal hold).</summary>
    Manual,
}
