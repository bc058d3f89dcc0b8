using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

/// <summary>Campaign definitions for tests: two variants a and b to segment <c>customers</c>, starting Monday 4 May 2026 07:00 UTC (09:00 in Prague).</summary>
internal static class CampaignBuilder
{
    public static readonly DateTimeOffset Start = new(2026, 5, 4, 7, 0, 0, TimeSpan.Zero);

    public static CampaignDefinition Definition(
        AbTestPlan? abTest = null,
        ReminderPlan? reminder = null,
        bool sendTimeOptimisation = false,
        SendWindow? window = null,
        QuietHours? quiet = null,
        int? throughput = null,
        DateTimeOffset? startAt = null,
        double attributionDays = 2) =>
        new(
            Id: null,
            Name: "May newsletter",
            SegmentId: "customers",
            Purpose: "marketing",
            Sender: new CampaignSender("news@shop.example", "Shop", "care@shop.example"),
            Variants: [new CampaignVariant("a", "tpl-may", "May news"), new CampaignVariant("b", "tpl-may", "Our May picks for you")],
            DefaultVariant: "a",
            AbTest: abTest,
            Reminder: reminder,
            SendWindow: window,
            QuietHours: quiet,
            SendTimeOptimisation: sendTimeOptimisation,
            ThroughputPerMinute: throughput,
            StartAt: startAt,
            Conversion: new ConversionGoal("Order Completed", attributionDays));

    public static AbTestPlan Test(double share = 0.2, double hours = 4, int minimum = 100, double confidence = 0.95, AbTestMetric metric = AbTestMetric.Opens) =>
        new(share, metric, hours, minimum, confidence);

    public static CampaignInput Input(CampaignDefinition definition, int batchSize = 500, int maxAttempts = 3) =>
        new("may-2026", definition, batchSize, maxAttempts);
}
