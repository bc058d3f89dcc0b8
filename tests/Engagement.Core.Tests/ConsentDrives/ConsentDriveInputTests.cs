using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Workflows;
using static Engagement.Core.Tests.ConsentDrives.DriveInputBuilder;

namespace Engagement.Core.Tests.ConsentDrives;

public sealed class ConsentDriveInputTests
{
    private static readonly ConsentDrive Decider = new();

    [Fact]
    public void AWellFormedDriveHasNoProblems()
    {
        Assert.Empty(Decider.Validate(Drive()));
    }

    public static TheoryData<string, Func<ConsentDriveInput, ConsentDriveInput>> Invalid => new()
    {
        { "name is required", d => d with { Name = " " } },
        { "purposes: name at least one purpose to ask for", d => d with { Purposes = [] } },
        { "purposes must not repeat", d => d with { Purposes = ["marketing", "marketing"] } },
        { "purposes must not be blank", d => d with { Purposes = ["marketing", ""] } },
        { "audience.segments must not be blank", d => d with { Audience = new DriveAudience(Segments: [""]) } },
        { "audience.provenances holds an unknown provenance", d => d with { Audience = new DriveAudience(Provenances: [(ContactProvenance)42]) } },
        { "targetOptInShare must be above 0 and at most 1 (a share, e.g. 0.4 for 40 %), not 40", d => d with { TargetOptInShare = 40 } },
        { "targetOptInShare must be above 0 and at most 1 (a share, e.g. 0.4 for 40 %), not 0", d => d with { TargetOptInShare = 0 } },
        { "targetOptInShare must be above 0 and at most 1 (a share, e.g. 0.4 for 40 %), not NaN", d => d with { TargetOptInShare = double.NaN } },
        { "deadline must be after startsAt", d => d with { Deadline = d.StartsAt } },
        { "reviewEvery must be positive", d => d with { ReviewEvery = TimeSpan.Zero } },
        { "reviewEvery must not be longer than the drive (startsAt to deadline)", d => d with { ReviewEvery = TimeSpan.FromDays(31) } },
        { "caps: perDay must be at least 1 and total at least perDay", d => d with { Caps = new DisplayCaps(2, 1) } },
        { "caps: perDay must be at least 1 and total at least perDay", d => d with { Caps = new DisplayCaps(0, 3) } },
        { "lagTolerance must be at least 0 and below 1 (share points, e.g. 0.02)", d => d with { LagTolerance = -0.1 } },
        { "maxAttempts must be at least 1", d => d with { MaxAttempts = 0 } },
        { "curve must be linear or frontLoaded", d => d with { Curve = (PlanCurve)7 } },
        { "channels: the plan needs at least one channel", d => d with { Channels = [] } },
        { "channels: email appears more than once in the plan", d => d with { Channels = [Email(), Forms(), Email()] } },
        { "email: notBefore must be before the deadline, or the channel could never open", d => d with { Channels = [Forms(), Email(notBefore: d.Deadline)] } },
        { "sms: batchSize and maxWaves must be at least 1", d => d with { Channels = [Sms(batch: 0)] } },
        { "call-centre: batchSize and maxWaves must be at least 1", d => d with { Channels = [CallCentre(lists: 0)] } },
        { "email: only webForm has form variants", d => d with { Channels = [Email() with { Variants = [new FormVariant("a", FormPlacement.PortalPopup)] }] } },
        { "web-form: name at least one form variant", d => d with { Channels = [new DriveChannelPlan(DriveChannel.WebForm)] } },
        { "web-form: forms are shown, not sent in waves; leave maxWaves out", d => d with { Channels = [Forms() with { MaxWaves = 3 }] } },
        { "web-form: batchSize (displays per review) must be 0 (no limit) or more", d => d with { Channels = [Forms() with { BatchSize = -1 }] } },
        { "web-form: a variant id must be 1–40 lower-case letters, digits or hyphens, not 'Popup A'", d => d with { Channels = [Forms(new FormVariant("Popup A", FormPlacement.PortalPopup))] } },
        { "web-form: variant ids must not repeat", d => d with { Channels = [Forms(new FormVariant("a", FormPlacement.PortalPopup), new FormVariant("a", FormPlacement.InjectionPage))] } },
        { "web-form: variant a has an unknown placement", d => d with { Channels = [Forms(new FormVariant("a", (FormPlacement)9))] } },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void AnInvalidDriveIsRejectedWithAMessageThatSaysWhatToFix(string problem, Func<ConsentDriveInput, ConsentDriveInput> change)
    {
        var problems = Decider.Validate(change(Drive()));

        Assert.Contains(problem, problems);
    }

    [Fact]
    public void AnInputReadFromJsonWithMissingPartsReportsThemInsteadOfFailing()
    {
        var input = JsonSerializer.Deserialize<ConsentDriveInput>("""{"targetOptInShare":0.4,"startsAt":"2026-03-01T00:00:00Z","deadline":"2026-04-01T00:00:00Z"}""", WorkflowJson.Options)!;

        var problems = Decider.Validate(input);

        Assert.Equal(["name is required", "purposes: name at least one purpose to ask for", "channels: the plan needs at least one channel"], problems);
    }

    [Fact]
    public void AnInputReadsFromTheJsonAMarketerPosts()
    {
        const string json = """
            {
              "name": "Spring opt-in",
              "purposes": ["marketing"],
              "audience": { "segments": ["gold"], "provenances": ["order", "unknown"] },
              "targetOptInShare": 0.4,
              "startsAt": "2026-03-01T00:00:00Z",
              "deadline": "2026-04-01T00:00:00Z",
              "channels": [
                { "channel": "webForm", "variants": [ { "id": "popup-a", "placement": "portalPopup" }, { "id": "page-b", "placement": "injectionPage" } ] },
                { "channel": "email", "notBefore": "2026-03-08T00:00:00Z", "batchSize": 2000, "maxWaves": 4 },
                { "channel": "callCentre", "batchSize": 150, "maxWaves": 10 }
              ],
              "caps": { "perDay": 1, "total": 3 },
              "reviewEvery": "1.00:00:00",
              "curve": "frontLoaded",
              "seed": 2026
            }
            """;

        var input = JsonSerializer.Deserialize<ConsentDriveInput>(json, WorkflowJson.Options)!;

        Assert.Empty(Decider.Validate(input));
        Assert.Equal(PlanCurve.FrontLoaded, input.Curve);
        Assert.Equal(TimeSpan.FromDays(1), input.Cadence);
        Assert.Equal([ContactProvenance.Order, ContactProvenance.Unknown], input.AudienceInEffect.Provenances);
        Assert.Equal(FormPlacement.InjectionPage, input.WebForms!.Variants![1].Placement);
        Assert.Equal(0.02, input.LagTolerance);
        Assert.Equal(3, input.MaxAttempts);
        Assert.True(input.ReactivateUnknownProvenance);
    }

    [Fact]
    public void DefaultsApplyWhenCapsCadenceAndAudienceAreLeftOut()
    {
        var input = Drive() with { Caps = null, ReviewEvery = null, Audience = null };

        Assert.Equal(new DisplayCaps(1, 5), input.CapsInEffect);
        Assert.Equal(TimeSpan.FromDays(1), input.Cadence);
        Assert.Equal(new DriveAudience(), input.AudienceInEffect);
        Assert.Empty(Decider.Validate(input));
    }
}
