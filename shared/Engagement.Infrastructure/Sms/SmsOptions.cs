using System.ComponentModel.DataAnnotations;
using Engagement.Core.Contacts;

namespace Engagement.Infrastructure.Sms;

/// <summary>SMS through Azure Communication Services, and the webhook its events arrive at when self-hosted.</summary>
public sealed class SmsOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Sms";

    /// <summary>
    /// The Communication Services connection string, <c>endpoint=https://….communication.azure.com/;accesskey=…</c>
    /// (a Key Vault reference in Azure). Empty: SMS cannot be sent (the API answers 503).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The number SMS are sent from (E.164, a number of the Communication Services resource that can receive replies).</summary>
    public string? From { get; set; }

    /// <summary>The key Event Grid sends as <c>?key=</c> to the self-hosted webhook (at least 16 characters). Empty: the webhook refuses every call.</summary>
    public string? WebhookKey { get; set; }

    /// <summary>How long after a consent request an ANO/NE still answers it.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan ReplyWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Attempts of one send when the service is throttling (429) or failing (5xx, network), honouring Retry-After.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Whether delivery reports are asked for (they arrive as Event Grid events).</summary>
    public bool DeliveryReports { get; set; } = true;

    /// <summary>Whether sending is configured.</summary>
    public bool CanSend => !string.IsNullOrWhiteSpace(ConnectionString) && !IsUnresolvedReference(ConnectionString) && !string.IsNullOrWhiteSpace(From);

    /// <summary>The webhook key, unless it is missing or an unresolved Key Vault reference (which must never work as a key).</summary>
    public string? EffectiveWebhookKey => string.IsNullOrEmpty(WebhookKey) || IsUnresolvedReference(WebhookKey) ? null : WebhookKey;

    /// <summary>
    /// Whether a value is a Key Vault reference App Service could not resolve: it then hands the reference text itself
    /// to the app. Treated as not configured (SMS unavailable, webhook closed) rather than as a value, and never as a
    /// reason to stop the whole app.
    /// </summary>
    public static bool IsUnresolvedReference(string? value) => value?.TrimStart().StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase) == true;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString) && !IsUnresolvedReference(ConnectionString) && !AcsConnectionString.TryParse(ConnectionString, out _, out var error))
        {
            yield return new ValidationResult($"Sms:ConnectionString: {error}", [nameof(ConnectionString)]);
        }

        if (!string.IsNullOrWhiteSpace(From) && !PhoneNumber.TryParseInternational(From, out _, out _))
        {
            yield return new ValidationResult("Sms:From must be a phone number in E.164 form (+420…).", [nameof(From)]);
        }

        if (!string.IsNullOrEmpty(WebhookKey) && !IsUnresolvedReference(WebhookKey) && WebhookKey.Length < 16)
        {
            yield return new ValidationResult("Sms:WebhookKey must have at least 16 characters.", [nameof(WebhookKey)]);
        }
    }
}
