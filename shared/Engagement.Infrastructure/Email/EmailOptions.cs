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
}

/// <summary>Checks e-mail settings that only make sense together.</summary>
internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        if (!options.IsConfigured())
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
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
