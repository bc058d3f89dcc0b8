using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Engagement.Infrastructure.Email;

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text (a local sink such as MailDev only).</summary>
    None,
    /// <summary>Upgrade to TLS with STARTTLS (port 587; the Communication Services relay).</summary>
    StartTls,
    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}

/// <summary>Where e-mail goes out: the Communication Services SMTP relay in Azure, MailDev locally.</summary>
public sealed class EmailOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Email";

    /// <summary>The sender address (in Azure, one of the linked domain's MailFrom addresses).</summary>
    public string? From { get; set; }

    /// <summary>The sender's display name.</summary>
    public string? FromName { get; set; }

    /// <summary>The SMTP relay; without a host, nothing is sent and e-mail requests are answered 503.</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>
    /// Campaign e-mails a second this deployment hands to the relay at most, over all connections (the relay's quota;
    /// Communication Services starts low and raises on request); 0: no limit of our own.
    /// </summary>
    [Range(0, 100_000)]
    public double MaxPerSecond { get; set; }

    /// <summary>How a campaign send the relay answers "try later" is retried.</summary>
    public EmailRetryOptions Retry { get; set; } = new();

    /// <summary>Whether a relay is configured.</summary>
    public bool IsConfigured() => !string.IsNullOrWhiteSpace(Smtp.Host);
}

/// <summary>The SMTP relay's address and credentials.</summary>
public sealed class SmtpOptions
{
    /// <summary>The relay's host, e.g. <c>smtp.azurecomm.net</c>; empty: e-mail is off.</summary>
    public string? Host { get; set; }

    /// <summary>The relay's port.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>The user name, when the relay needs one (Communication Services: <c>&lt;resource&gt;.&lt;Entra app id&gt;.&lt;tenant id&gt;</c>).</summary>
    public string? UserName { get; set; }

    /// <summary>The password (Communication Services: the Entra app's client secret, from Key Vault).</summary>
    public string? Password { get; set; }

    /// <summary>How the connection is secured.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>How long one SMTP command may take before the send is given up, seconds.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Connections campaign sending keeps open to the relay and uses side by side.</summary>
    [Range(1, 64)]
    public int Connections { get; set; } = 4;
}

/// <summary>Retries of a campaign send the relay answered "try later" (SMTP 4xx, a dropped connection).</summary>
public sealed class EmailRetryOptions
{
    /// <summary>Attempts in all, the first included; after the last, the batch gives its claims back and fails so the workflow retries it later.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the first retry (doubled each time, with jitter), milliseconds.</summary>
    [Range(1, 600_000)]
    public int BaseDelayMilliseconds { get; set; } = 500;

    /// <summary>The longest wait between two attempts, seconds.</summary>
    [Range(1, 3_600)]
    public int MaxDelaySeconds { get; set; } = 30;

    /// <summary>The backoff these settings give.</summary>
    public Core.Campaigns.RetryBackoff Backoff() => new(MaxAttempts, TimeSpan.FromMilliseconds(BaseDelayMilliseconds), TimeSpan.FromSeconds(MaxDelaySeconds));
}

/// <summary>Checks e-mail settings that only make sense together.</summary>
internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new List<string>();
        if (options.Smtp.Connections is < 1 or > 64)
        {
            errors.Add("Email:Smtp:Connections must be 1–64.");
        }

        if (options.MaxPerSecond is < 0 or > 100_000 || double.IsNaN(options.MaxPerSecond))
        {
            errors.Add("Email:MaxPerSecond must be 0 (no limit) to 100000.");
        }

        var retry = options.Retry;
        if (retry.MaxAttempts is < 1 or > 20 || retry.BaseDelayMilliseconds is < 1 or > 600_000 || retry.MaxDelaySeconds is < 1 or > 3_600
            || retry.BaseDelayMilliseconds > retry.MaxDelaySeconds * 1000L)
        {
            errors.Add("Email:Retry needs MaxAttempts 1–20, BaseDelayMilliseconds 1–600000 and MaxDelaySeconds 1–3600, the base delay not above the longest.");
        }

        if (!options.IsConfigured())
        {
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        if (string.IsNullOrWhiteSpace(options.From) || !MailboxAddress.TryParse(options.From, out var from) || !from.Address.Contains('@', StringComparison.Ordinal))
        {
            errors.Add("Email:From must be the sender's e-mail address when Email:Smtp:Host is set.");
        }

        if (string.IsNullOrEmpty(options.Smtp.UserName) != string.IsNullOrEmpty(options.Smtp.Password))
        {
            errors.Add("Set both Email:Smtp:UserName and Email:Smtp:Password, or neither.");
        }

        if (options.Smtp.Port is < 1 or > 65535 || options.Smtp.TimeoutSeconds is < 1 or > 600)
        {
            errors.Add("Email:Smtp:Port must be 1–65535 and Email:Smtp:TimeoutSeconds 1–600.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
