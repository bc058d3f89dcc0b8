using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Contacts;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Campaigns;

[Collection(SharedAzurite.Name)]
public sealed class EmailDeliveryEventsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private EngagementServices _services = null!;

    public async Task InitializeAsync() =>
        _services = await azurite.CreateServicesAsync(new Dictionary<string, string?>
        {
            ["Contacts:LegitimateInterest:0"] = "marketing/Email",
            ["DeliveryReports:SoftBounceLimit"] = "3",
        });

    public Task DisposeAsync() => _services.DisposeAsync().AsTask();

    private EmailDeliveryEvents Events => _services.Get<EmailDeliveryEvents>();

    private static string MessageId(string campaign, string subject, string variant = "a", string step = "test") =>
        new CampaignMessageId(campaign, step, variant, subject).Format("mail.example.com");

    private static EmailDeliveryReport Report(string messageId, string status, DateTimeOffset at, string? detail = null, string? eventId = null) =>
        new(eventId ?? Guid.NewGuid().ToString(), $"<{messageId}>", status, detail, at);

    private async Task<string> KnownContactAsync()
    {
        var subject = UniqueId.New("subject");
        await _services.Get<ContactStore>().PutAsync(subject, new ContactPoints(new EmailAddress("reader@example.cz"), null), new ContactSource(ContactProvenance.Order, null, DateTimeOffset.UtcNow.AddDays(-30)));
        return subject;
    }

    private Task<ContactDecision> GateAsync(string subject) => _services.Get<ContactGate>().DecideAsync(subject, "marketing", ContactChannel.Email);

    [Fact]
    public async Task EachDeliveryReportIsRecordedOncePerEventIdAndOthersMessagesAreNotRecorded()
    {
        var campaign = UniqueId.New("camp");
        var report = Report(MessageId(campaign, "s1"), "Delivered", DateTimeOffset.UtcNow.AddMinutes(-5));

        var first = await Events.RecordDeliveryAsync(report);
        var again = await Events.RecordDeliveryAsync(report);
        var notOurs = await Events.RecordDeliveryAsync(report with { EventId = "other", InternetMessageId = "<CAF=abc@mail.gmail.com>" });
        var undocumented = await Events.RecordDeliveryAsync(report with { EventId = "odd", Status = "Teleported" });

        Assert.Equal(("delivered", false), (first!.Recorded, first.Repeated));
        Assert.True(again!.Repeated);
        Assert.Null(notOurs);
        Assert.Null(undocumented);
        var recorded = Assert.Single(await Events.OfCampaignAsync(campaign));
        Assert.Equal((EmailDeliveryOutcome.Delivered, "test", "a"), (recorded.Outcome!.Value, recorded.Step, recorded.Variant));
    }

    [Fact]
    public async Task AHardBounceSuppressesEmailWithItsEvidenceAndTheContactGateHonoursIt()
    {
        var campaign = UniqueId.New("camp");
        var subject = await KnownContactAsync();
        var before = await GateAsync(subject);
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);

        var handled = await Events.RecordDeliveryAsync(Report(MessageId(campaign, subject), "Bounced", at, "550 5.1.1 The email account does not exist", "evt-hard-1"));
        var after = await GateAsync(subject);
        var suppression = Assert.Single((await _services.Get<ContactStore>().ReadAsync(subject))!.Suppressions);

        Assert.True(before.Allowed);
        Assert.Equal(("hardBounce", true), (handled!.Recorded, handled.Suppressed));
        Assert.False(after.Allowed);
        Assert.Contains("bounced", after.Reason, StringComparison.Ordinal);
        Assert.Equal((ContactChannel.Email, SuppressionReason.Bounced), (suppression.Channel, suppression.Reason));
        Assert.Equal(at.AddDays(180), suppression.Until);
        Assert.Contains(campaign, suppression.Note, StringComparison.Ordinal);
        Assert.Contains("evt-hard-1", suppression.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AComplaintSuppressesEmailUntilLifted()
    {
        var campaign = UniqueId.New("camp");
        var subject = await KnownContactAsync();

        var handled = await Events.RecordComplaintAsync(new EmailComplaint("fbl-1", MessageId(campaign, subject), "abuse", DateTimeOffset.UtcNow.AddMinutes(-1)));
        var repeated = await Events.RecordComplaintAsync(new EmailComplaint("fbl-1", MessageId(campaign, subject), "abuse", DateTimeOffset.UtcNow.AddMinutes(-1)));
        var decision = await GateAsync(subject);
        var suppression = Assert.Single((await _services.Get<ContactStore>().ReadAsync(subject))!.Suppressions);

        Assert.Equal(("complained", false, true), (handled!.Recorded, handled.Repeated, handled.Suppressed));
        Assert.True(repeated!.Repeated);
        Assert.False(decision.Allowed);
        Assert.Contains("complained", decision.Reason, StringComparison.Ordinal);
        Assert.Null(suppression.Until);
        Assert.Single(await Events.OfCampaignAsync(campaign));
    }

    [Fact]
    public async Task SoftBouncesSuppressOnlyWhenTheLimitIsReachedInARow()
    {
        var subject = await KnownContactAsync();
        var start = DateTimeOffset.UtcNow.AddDays(-10);
        var outcomes = new List<bool>();
        // Three campaigns: soft, soft, then delivered (the run ends), then soft, soft, soft (the limit is 3).
        foreach (var (status, day) in new[] { ("Failed", 0), ("Failed", 1), ("Delivered", 2), ("Failed", 3), ("Failed", 4) })
        {
            var handled = await Events.RecordDeliveryAsync(Report(MessageId(UniqueId.New("camp"), subject), status, start.AddDays(day), "452 4.2.2 Mailbox full"));
            outcomes.Add(handled!.Suppressed);
        }

        var beforeLimit = await GateAsync(subject);
        var last = await Events.RecordDeliveryAsync(Report(MessageId(UniqueId.New("camp"), subject), "Failed", start.AddDays(5), "452 4.2.2 Mailbox full"));

        Assert.All(outcomes, suppressed => Assert.False(suppressed));
        Assert.True(beforeLimit.Allowed);
        Assert.Equal(("softBounce", true), (last!.Recorded, last.Suppressed));
        Assert.False((await GateAsync(subject)).Allowed);
        Assert.Contains("3 soft bounces in a row", Assert.Single((await _services.Get<ContactStore>().ReadAsync(subject))!.Suppressions).Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailureNamingAPermanentAddressStatusIsAHardBounceAtOnce()
    {
        var subject = await KnownContactAsync();

        var handled = await Events.RecordDeliveryAsync(Report(MessageId(UniqueId.New("camp"), subject), "Failed", DateTimeOffset.UtcNow.AddMinutes(-1), "550 5.1.10 RESOLVER.ADR.RecipientNotFound"));

        Assert.Equal(("hardBounce", true), (handled!.Recorded, handled.Suppressed));
        Assert.False((await GateAsync(subject)).Allowed);
    }

    [Fact]
    public async Task RelayOpensAndClicksCountTogetherWithPixelOpensOncePerMessage()
    {
        var campaign = UniqueId.New("camp");
        var tracking = _services.Get<CampaignTracking>();
        var (m1, m2) = (MessageId(campaign, "s1"), MessageId(campaign, "s2"));
        await tracking.RecordOpenAsync(tracking.Signer!.IssueOpen(new TrackedMessage(campaign, "a", m1, "s1", DateTimeOffset.UtcNow.AddHours(-2))), "GET", Chrome, "pixel-1");
        var now = DateTimeOffset.UtcNow;

        var sameMessage = await Events.RecordEngagementAsync(new EmailEngagementReport("acs-1", $"<{m1}>", EngagementKind.Open, null, Chrome, now));
        var redelivered = await Events.RecordEngagementAsync(new EmailEngagementReport("acs-1", $"<{m1}>", EngagementKind.Open, null, Chrome, now));
        await Events.RecordEngagementAsync(new EmailEngagementReport("acs-2", $"<{m2}>", EngagementKind.Open, null, Chrome, now));
        await Events.RecordEngagementAsync(new EmailEngagementReport("acs-3", $"<{m2}>", EngagementKind.Click, "https://shop.example.com/sale", "Mimecast-LinkScanner", now));
        await Events.RecordEngagementAsync(new EmailEngagementReport("acs-4", $"<{m1}>", EngagementKind.Click, "https://shop.example.com/sale", Chrome, now));
        var notOurs = await Events.RecordEngagementAsync(new EmailEngagementReport("acs-5", null, EngagementKind.Open, null, Chrome, now));

        var variant = Assert.Single((await tracking.EngagementAsync(campaign)).Variants);
        Assert.Equal(("open", false), (sameMessage!.Recorded, sameMessage.Repeated));
        Assert.True(redelivered!.Repeated);
        Assert.Null(notOurs);
        Assert.Equal((2, 1), (variant.UniqueOpens, variant.UniqueClicks));
        Assert.Equal(1, variant.Flagged["scannerAgent"]);
    }

    [Fact]
    public async Task TheRelaysReportOfAClickAndOurLinkSeeingTheSameClickAreNoScannerBurst()
    {
        var campaign = UniqueId.New("camp");
        var tracking = _services.Get<CampaignTracking>();
        var messageId = MessageId(campaign, "s1");
        var click = tracking.Signer!.IssueClick(new TrackedClick(new TrackedMessage(campaign, "a", messageId, "s1", DateTimeOffset.UtcNow.AddHours(-1)), new Uri("https://shop.example.com/sale")));

        await Events.RecordEngagementAsync(new EmailEngagementReport("acs-click", $"<{messageId}>", EngagementKind.Click, $"https://track.example.com/t/c/{click}", Chrome, DateTimeOffset.UtcNow));
        await tracking.RecordClickAsync(click, "GET", Chrome, "our-click");

        var variant = Assert.Single((await tracking.EngagementAsync(campaign)).Variants);
        Assert.Equal(1, variant.UniqueClicks);
        Assert.Empty(variant.Flagged);
    }
}
