using Engagement.Core.Campaigns;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>Open and click tracking of campaign e-mails.</summary>
public sealed class CampaignTrackingOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Campaigns";

    /// <summary>
    /// The secret that signs open pixels and click links (HMAC-SHA256), at least 32 characters; in Key Vault in Azure.
    /// Empty: tracking is off (pixels record nothing, click links answer 404). Changing it breaks every link already sent.
    /// </summary>
    public string TrackingSecret { get; set; } = string.Empty;

    /// <summary>Clicks sooner than this after delivery are taken for a scanner's and left out of the metrics.</summary>
    public TimeSpan QuickClickWindow { get; set; } = ScannerRules.DefaultQuickClickWindow;

    /// <summary>The track event that is a conversion (Segment e-commerce: <c>Order Completed</c>).</summary>
    public string ConversionEvent { get; set; } = "Order Completed";

    /// <summary>A conversion is credited to a campaign when it comes within this long after a counted click.</summary>
    public TimeSpan AttributionWindow { get; set; } = ConversionAttribution.DefaultWindow;

    /// <summary>
    /// The secret to sign with; null when tracking is off: none set, or a Key Vault reference the platform could not
    /// resolve (it reaches the app as its own text, which must never become the key).
    /// </summary>
    public string? EffectiveSecret() =>
        string.IsNullOrEmpty(TrackingSecret) || Sms.SmsOptions.IsUnresolvedReference(TrackingSecret) ? null : TrackingSecret;
}

/// <summary>Checks the tracking settings at start: a secret, when set, must be long enough to sign with.</summary>
internal sealed class CampaignTrackingOptionsValidator : IValidateOptions<CampaignTrackingOptions>
{
    public ValidateOptionsResult Validate(string? name, CampaignTrackingOptions options)
    {
        var errors = new List<string>();
        if (options.EffectiveSecret() is { } secret && secret.Length < TrackingTokenSigner.MinSecretLength)
        {
            errors.Add($"Campaigns:TrackingSecret must have at least {TrackingTokenSigner.MinSecretLength} characters (it signs open pixels and click links).");
        }

        if (options.QuickClickWindow < TimeSpan.Zero || options.QuickClickWindow > TimeSpan.FromHours(1))
        {
            errors.Add("Campaigns:QuickClickWindow must be between 0 and 1 hour.");
        }

        if (string.IsNullOrWhiteSpace(options.ConversionEvent))
        {
            errors.Add("Campaigns:ConversionEvent must name the track event that is a conversion (e.g. Order Completed).");
        }

        if (options.AttributionWindow <= TimeSpan.Zero || options.AttributionWindow > TimeSpan.FromDays(90))
        {
            errors.Add("Campaigns:AttributionWindow must be more than 0 and at most 90 days.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
