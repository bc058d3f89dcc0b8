using Engagement.Core.Consent;

namespace Engagement.Core.Tests.Consent;

public sealed class ContactPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private static readonly ContactPolicyOptions SoftOptIn = new() { LegitimateInterest = ["marketing/Email"] };

    private static ConsentStatus Status(ConsentDecision decision, ContactChannel channel = ContactChannel.Email, LegalBasis basis = LegalBasis.Consent, int daysAgo = 10, long sequence = 1) =>
        new("marketing", channel, decision, basis, Now.AddDays(-daysAgo), sequence);

    private static ContactDecision Decide(IEnumerable<ConsentStatus> statuses, ContactChannel channel = ContactChannel.Email, IEnumerable<Suppression>? suppressions = null,
        ContactProvenance provenance = ContactProvenance.Order, ContactPolicyOptions? options = null) =>
        ContactPolicy.Decide("marketing", channel, statuses, suppressions ?? [], provenance, options ?? SoftOptIn, Now);

    [Fact]
    public void RecordedConsentAllowsTheContact()
    {
        var decision = Decide([Status(ConsentDecision.Granted)], provenance: ContactProvenance.Unknown);

        Assert.True(decision.Allowed);
        Assert.Equal(LegalBasis.Consent, decision.Basis);
    }

    [Fact]
    public void AWithdrawalWinsOverLegitimateInterest()
    {
        var decision = Decide([Status(ConsentDecision.Granted, daysAgo: 20), Status(ConsentDecision.Withdrawn, daysAgo: 2, sequence: 2)]);

        Assert.False(decision.Allowed);
        Assert.Contains("withdrawn", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SuppressionWinsOverConsent()
    {
        var decision = Decide([Status(ConsentDecision.Granted)], suppressions: [new Suppression(ContactChannel.Email, "hard bounce", Now.AddDays(-1))]);

        Assert.False(decision.Allowed);
        Assert.Contains("hard bounce", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExpiredSuppressionNoLongerApplies()
    {
        var decision = Decide([Status(ConsentDecision.Granted)], suppressions: [new Suppression(ContactChannel.Any, "soft bounces", Now.AddDays(-30), Now.AddDays(-1))]);

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void LegitimateInterestCoversOnlyTheConfiguredPurposeAndChannel()
    {
        Assert.True(Decide([]).Allowed);
        Assert.Equal(LegalBasis.LegitimateInterest, Decide([]).Basis);
        Assert.False(Decide([], channel: ContactChannel.Sms).Allowed);
        Assert.False(Decide([], options: new ContactPolicyOptions()).Allowed);
    }

    [Fact]
    public void ContactsOfUnknownProvenanceNeedReactivationFirst()
    {
        var decision = Decide([], provenance: ContactProvenance.Unknown);

        Assert.False(decision.Allowed);
        Assert.Contains("reactivation", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AConsentForEveryChannelCountsForEachChannel()
    {
        Assert.True(Decide([Status(ConsentDecision.Granted, ContactChannel.Any)], channel: ContactChannel.Phone).Allowed);
        Assert.False(Decide([Status(ConsentDecision.Granted, ContactChannel.Any, daysAgo: 9), Status(ConsentDecision.Denied, ContactChannel.Phone, daysAgo: 1, sequence: 2)], channel: ContactChannel.Phone).Allowed);
    }

    [Fact]
    public void ASubjectWithNoContactRecordHasNoProvenanceToDoubt()
    {
        var decision = ContactPolicy.Decide("marketing", ContactChannel.Email, [], [], provenance: null, SoftOptIn, Now);

        Assert.True(decision.Allowed);
    }

    [Fact]
    public void AskingForConsentNeedsOnlyThatTheChannelIsNotSuppressed()
    {
        var stop = new Suppression(ContactChannel.Sms, "stopReply", Now.AddDays(-3));

        Assert.True(ContactPolicy.MayAskForConsent(ContactChannel.Sms, [], Now).Allowed);
        Assert.True(ContactPolicy.MayAskForConsent(ContactChannel.Email, [stop], Now).Allowed);
        Assert.False(ContactPolicy.MayAskForConsent(ContactChannel.Sms, [stop], Now).Allowed);
        Assert.False(ContactPolicy.MayAskForConsent(ContactChannel.Sms, [stop with { Channel = ContactChannel.Any }], Now).Allowed);
        Assert.Contains("stopReply", ContactPolicy.MayAskForConsent(ContactChannel.Sms, [stop], Now).Reason, StringComparison.Ordinal);
    }
}
