using System.ComponentModel.DataAnnotations;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>What e-mail delivery reports do to the suppression list.</summary>
public sealed class DeliveryReportOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DeliveryReports";

    /// <summary>
    /// Soft bounces of one recipient in a row (since their last delivered message) that count as a hard bounce and
    /// suppress e-mail to them; 0: soft bounces never suppress.
    /// </summary>
    [Range(0, 100)]
    public int SoftBounceLimit { get; set; } = 5;

    /// <summary>
    /// How long a bounce suppresses e-mail to the recipient, days; 0: until lifted by hand. Complaints suppress until
    /// lifted, whatever this says.
    /// </summary>
    [Range(0, 3650)]
    public int BounceSuppressionDays { get; set; } = 180;
}
