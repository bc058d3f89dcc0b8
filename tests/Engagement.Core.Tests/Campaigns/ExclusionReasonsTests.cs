using Engagement.Core.Campaigns;
using Engagement.Core.Consent;

namespace Engagement.Core.Tests.Campaigns;

public sealed class ExclusionReasonsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly ContactPolicyOptions Interest = new() { LegitimateInterest = ["marketing/Email"] };

    [Fact]
    public void AnAllowedContactHasNoExclusion() =>
        Assert.Null(ExclusionReasons.Of("marketing", ContactChannel.Email, [Granted()], [], ContactProvenance.Form, new ContactPolicyOptions(), Now));

    [Fact]
    public void ASuppressionIsNamedByItsReason()
    {
        Assert.Equal("suppressed:Bounced", Of([], [new Suppression(ContactChannel.Email, "bounced", Now.AddDays(-1))]));
        Assert.Equal("suppressed:Complained", Of([Granted()], [new Suppression(ContactChannel.Any, "complained", Now.AddDays(-1))]));
    }

    [Fact]
    public void AnUnsubscribeIsUnsubscribedNotASuppression() =>
        Assert.Equal(ExclusionReasons.Unsubscribed, Of([Granted()], [new Suppression(ContactChannel.Email, "unsubscribed", Now.AddDays(-1))]));

    [Fact]
    public void AWithdrawalWinsOverLegitimateInterest() =>
        Assert.Equal(ExclusionReasons.Withdrawn, Of([Granted() with { Decision = ConsentDecision.Withdrawn, Since = Now.AddDays(-1) }], [], Interest));

    [Fact]
    public void ARefusalIsDenied() =>
        Assert.Equal(ExclusionReasons.Denied, Of([Granted() with { Decision = ConsentDecision.Denied }], []));

    [Fact]
    public void NothingRecordedWithoutLegitimateInterestIsNoConsent() =>
        Assert.Equal(ExclusionReasons.NoConsent, Of([], []));

    [Fact]
    public void LegitimateInterestOverAContactOfUnknownProvenanceIsUnknownProvenance() =>
        Assert.Equal(ExclusionReasons.UnknownProvenance, ExclusionReasons.Of("marketing", ContactChannel.Email, [], [], ContactProvenance.Unknown, Interest, Now));

    [Fact]
    public void InactivityCountsFromTheLastSignOfLife()
    {
        Assert.False(ExclusionReasons.IsInactive(Now.AddMonths(-11), 12, Now));
        Assert.True(ExclusionReasons.IsInactive(Now.AddMonths(-13), 12, Now));
        Assert.True(ExclusionReasons.IsInactive(null, 12, Now));
        Assert.False(ExclusionReasons.IsInactive(null, 0, Now));
    }

    private static string? Of(ConsentStatus[] statuses, Suppression[] suppressions, ContactPolicyOptions? options = null) =>
        ExclusionReasons.Of("marketing", ContactChannel.Email, statuses, suppressions, ContactProvenance.Form, options ?? new ContactPolicyOptions(), Now);

    private static ConsentStatus Granted() => new("marketing", ContactChannel.Email, ConsentDecision.Granted, LegalBasis.Consent, Now.AddDays(-30), 1);
}
