using Engagement.Core.ConsentDrives;

namespace Engagement.Core.Tests.ConsentDrives;

/// <summary>Consent drive inputs for tests: a 30-day drive from 1 March 2026 with forms first, then e-mail, SMS and the call centre.</summary>
internal static class DriveInputBuilder
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static DriveChannelPlan Forms(params FormVariant[] variants) =>
        new(DriveChannel.WebForm, Variants: variants.Length == 0 ? [new FormVariant("popup-a", FormPlacement.PortalPopup), new FormVariant("page-b", FormPlacement.InjectionPage)] : variants);

    public static DriveChannelPlan Email(int batch = 500, int waves = 5, DateTimeOffset? notBefore = null) => new(DriveChannel.Email, notBefore, batch, waves);

    public static DriveChannelPlan Sms(int batch = 500, int waves = 5, DateTimeOffset? notBefore = null) => new(DriveChannel.Sms, notBefore, batch, waves);

    public static DriveChannelPlan CallCentre(int batch = 100, int lists = 5, DateTimeOffset? notBefore = null) => new(DriveChannel.CallCentre, notBefore, batch, lists);

    public static ConsentDriveInput Drive(
        double target = 0.5,
        int days = 30,
        IReadOnlyList<DriveChannelPlan>? channels = null,
        int seed = 7,
        TimeSpan? reviewEvery = null,
        double tolerance = 0.02,
        int maxAttempts = 3,
        PlanCurve curve = PlanCurve.Linear) =>
        new(
            Name: "Spring opt-in",
            Purposes: ["marketing", "profiling"],
            Audience: new DriveAudience(Segments: ["gold", "silver", "bronze"]),
            TargetOptInShare: target,
            StartsAt: Start,
            Deadline: Start + ((reviewEvery ?? TimeSpan.FromDays(1)) * days),
            Channels: channels ?? [Forms(), Email(), Sms(), CallCentre()],
            Seed: seed,
            Caps: new DisplayCaps(PerDay: 1, Total: 4),
            ReviewEvery: reviewEvery,
            Curve: curve,
            LagTolerance: tolerance,
            MaxAttempts: maxAttempts);
}
