using System.ComponentModel.DataAnnotations;
using Engagement.Core.Campaigns;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>Who a campaign may reach and how its sends are held: inactivity, the frequency cap across campaigns, the claim lease.</summary>
public sealed class CampaignDeliveryOptions
{
    /// <summary>Configuration section (shared with <see cref="CampaignTrackingOptions"/>: both are campaign settings).</summary>
    public const string SectionName = "Campaigns";

    /// <summary>
    /// Contacts with no sign of life (an event, the contact given) for this many months are left out as
    /// <c>inactive</c>; 0: nobody is.
    /// </summary>
    [Range(0, 240)]
    public int InactiveMonths { get; set; } = 12;

    /// <summary>The cap on campaign e-mails per contact across campaigns, unless a campaign sets its own.</summary>
    public FrequencyCapOptions FrequencyCap { get; set; } = new();

    /// <summary>
    /// How long a claimed send belongs to its sender before another may take it over (the sender is taken to have
    /// stopped); longer than a batch takes to send, minutes.
    /// </summary>
    [Range(1, 1_440)]
    public int ClaimLeaseMinutes { get; set; } = 15;

    /// <summary>The claim lease.</summary>
    public TimeSpan ClaimLease() => TimeSpan.FromMinutes(ClaimLeaseMinutes);
}

/// <summary>The frequency cap's settings.</summary>
public sealed class FrequencyCapOptions
{
    /// <summary>Campaign e-mails a contact may get in any 24 hours; 0: no daily cap.</summary>
    [Range(0, 1_000)]
    public int MaxPerDay { get; set; } = 1;

    /// <summary>Campaign e-mails a contact may get in any 7 days; 0: no weekly cap.</summary>
    [Range(0, 1_000)]
    public int MaxPerWeek { get; set; } = 3;

    /// <summary>The cap these settings give.</summary>
    public FrequencyCap Cap() => new(MaxPerDay == 0 ? null : MaxPerDay, MaxPerWeek == 0 ? null : MaxPerWeek);
}
