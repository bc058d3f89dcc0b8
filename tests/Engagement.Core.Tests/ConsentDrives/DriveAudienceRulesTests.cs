using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;

namespace Engagement.Core.Tests.ConsentDrives;

public sealed class DriveAudienceRulesTests
{
    [Fact]
    public void AnAudienceWithoutFiltersAdmitsEveryone()
    {
        Assert.True(DriveAudienceRules.Matches(new DriveAudience(), ContactProvenance.Unknown, []));
    }

    [Fact]
    public void SegmentsAndProvenancesBothNarrowTheAudience()
    {
        var audience = new DriveAudience(["gold", "silver"], [ContactProvenance.Order, ContactProvenance.Unknown]);

        Assert.True(DriveAudienceRules.Matches(audience, ContactProvenance.Order, ["bronze", "gold"]));
        Assert.False(DriveAudienceRules.Matches(audience, ContactProvenance.Order, ["bronze"]));
        Assert.False(DriveAudienceRules.Matches(audience, ContactProvenance.Form, ["gold"]));
        Assert.True(DriveAudienceRules.Matches(audience, ContactProvenance.Unknown, ["silver"]));
    }
}
