using Engagement.Core.Campaigns;

namespace Engagement.Core.Tests.Campaigns;

public sealed class EmailDeliveryStatusTests
{
    [Theory]
    [InlineData("Delivered", null, EmailDeliveryOutcome.Delivered)]
    [InlineData("Expanded", null, EmailDeliveryOutcome.Delivered)]
    [InlineData("Bounced", "452 4.2.2 Mailbox full", EmailDeliveryOutcome.HardBounce)]
    [InlineData("Suppressed", null, EmailDeliveryOutcome.Suppressed)]
    [InlineData("FilteredSpam", null, EmailDeliveryOutcome.SpamFiltered)]
    [InlineData("Quarantined", null, EmailDeliveryOutcome.Quarantined)]
    [InlineData("Failed", "452 4.2.2 Mailbox full", EmailDeliveryOutcome.SoftBounce)]
    [InlineData("Failed", null, EmailDeliveryOutcome.SoftBounce)]
    [InlineData("Failed", "550 5.1.1 User unknown", EmailDeliveryOutcome.HardBounce)]
    [InlineData("failed", "550 5.1.10 RESOLVER.ADR.RecipientNotFound", EmailDeliveryOutcome.HardBounce)]
    [InlineData("Failed", "554 5.7.1 Message rejected as spam (not 5.1.2025)", EmailDeliveryOutcome.SoftBounce)]
    public void EachDocumentedStatusMapsToOneOutcome(string status, string? message, EmailDeliveryOutcome expected) =>
        Assert.Equal(expected, EmailDeliveryStatus.Classify(status, message));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Teleported")]
    public void AnUndocumentedStatusHasNoOutcome(string? status) => Assert.Null(EmailDeliveryStatus.Classify(status, null));

    [Fact]
    public void NoStatusOfTheRelayIsAComplaint() =>
        Assert.DoesNotContain(EmailDeliveryStatus.Known, status => EmailDeliveryStatus.Classify(status, null) == EmailDeliveryOutcome.Complained);

    [Theory]
    [InlineData(4, 5, false)]
    [InlineData(5, 5, true)]
    [InlineData(9, 0, false)]
    public void SoftBouncesCountAsHardOnlyFromTheLimit(int inARow, int limit, bool expected) =>
        Assert.Equal(expected, EmailDeliveryStatus.SoftBouncesCountAsHard(inARow, limit));
}
