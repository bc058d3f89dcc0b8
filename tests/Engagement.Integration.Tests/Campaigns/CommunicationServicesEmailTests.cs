using Engagement.Testing;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Email;
using Engagement.Infrastructure.Templates;
using Engagement.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Engagement.Integration.Tests.Campaigns;

/// <summary>Campaign e-mail through the Communication Services Email API (a local route that checks signatures and operation ids).</summary>
[Collection(SharedAzurite.Name)]
public sealed class CommunicationServicesEmailTests(AzuriteFixture azurite)
{
    private static readonly Uri PublicBase = new("https://engage.example.cz");

    [Fact]
    public async Task ABatchGoesOutSignedOncePerRecipientWithItsOwnOperationId()
    {
        await using var acs = await LocalEmailService.StartAsync();
        await using var services = await azurite.CreateServicesAsync(acs.EmailSettings);
        var campaign = UniqueId.New("c");
        var recipients = new List<DeliveryRecipient>();
        for (var i = 0; i < 3; i++)
        {
            recipients.Add(new DeliveryRecipient(await ContactAsync(services, $"acs{i}.{campaign}@example.cz"), "x@example.cz", "A"));
        }

        var batch = await BatchAsync(services, campaign, recipients);
        var first = await services.Get<CampaignDelivery>().SendAsync(batch);
        var second = await services.Get<CampaignDelivery>().SendAsync(batch);

        Assert.Equal((3, 0), (first.Sent, second.Sent));
        Assert.Equal(0, acs.RefusedRequests);
        Assert.Equal(3, acs.Messages.Count);
        foreach (var recipient in recipients)
        {
            var messageId = new CampaignMessageId(campaign, "main", "A", recipient.SubjectKey).Format("engagement360.local");
            var taken = Assert.Single(acs.Messages, m => m.OperationId == CommunicationServicesEmail.OperationIdOf(messageId).ToString());
            Assert.Equal($"<{messageId}>", taken.Headers["X-Campaign-Message-Id"]);
            Assert.StartsWith("<https://engage.example.cz/unsubscribe?t=", taken.Headers["List-Unsubscribe"], StringComparison.Ordinal);
            Assert.Equal("List-Unsubscribe=One-Click", taken.Headers["List-Unsubscribe-Post"]);
            Assert.True(taken.TrackingDisabled);
            Assert.Contains("https://engage.example.cz/t/o/", taken.Html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AMessageHandedOverAgainAfterATakeoverWithinTheWindowIsTheSameRequestAndGoesOutOnce()
    {
        var (acs, services, clock, campaign, subject) = await HandedOverThenStoppedAsync();
        await using var _ = acs;
        await using var __ = services;

        // The claim lease is held under the service's five-minute window, so the takeover comes within it.
        clock.Advance(TimeSpan.FromMinutes(4.5));
        var result = await services.Get<CampaignDelivery>().SendAsync(await BatchAsync(services, campaign, [new DeliveryRecipient(subject, "x@example.cz", "A")]));

        Assert.Equal((1, 1), (result.Sent, result.Resent));
        Assert.Equal(2, acs.AuthenticatedRequests);
        Assert.Single(acs.Messages);
    }

    [Fact]
    public async Task AMessageWhoseFirstAttemptTheServiceNoLongerTracksIsNotSentAgainButRecordedAsFailed()
    {
        var (acs, services, clock, campaign, subject) = await HandedOverThenStoppedAsync();
        await using var _ = acs;
        await using var __ = services;

        clock.Advance(TimeSpan.FromMinutes(6));
        var result = await services.Get<CampaignDelivery>().SendAsync(await BatchAsync(services, campaign, [new DeliveryRecipient(subject, "x@example.cz", "A")]));

        Assert.Equal(0, result.Sent);
        Assert.StartsWith("not sent again", Assert.Single(result.Failed).Reason, StringComparison.Ordinal);
        Assert.Single(acs.Messages);
        Assert.Equal(SendStatus.Failed, (await services.Get<CampaignSendLedger>().FindAsync(campaign, "main", subject))!.Status);
    }

    // A sender claimed a send, the service took the message (202), and the sender stopped before marking it.
    private async Task<(LocalEmailService Acs, EngagementServices Services, SettableClock Clock, string Campaign, string Subject)> HandedOverThenStoppedAsync()
    {
        // Requests are signed with the clock's time, which the service accepts within 15 minutes of its own.
        var clock = new SettableClock(DateTimeOffset.UtcNow.AddMinutes(-2));
        var acs = await LocalEmailService.StartAsync(clock);
        var services = await azurite.CreateServicesAsync(acs.EmailSettings, s => s.AddSingleton<TimeProvider>(clock));
        var campaign = UniqueId.New("c");
        var subject = await ContactAsync(services, $"takeover.{campaign}@example.cz");
        var messageId = new CampaignMessageId(campaign, "main", "A", subject).Format("engagement360.local");
        var claim = Assert.Single(await services.Get<CampaignSendLedger>().ClaimAsync(campaign, "main", [new PlannedSend(subject, "A", messageId)], TimeSpan.FromMinutes(15)));
        using var earlier = new MimeMessage { MessageId = messageId, Subject = "Spring for you", Body = new TextPart("html") { Text = "<p>first</p>" } };
        earlier.From.Add(MailboxAddress.Parse("news@engagement360.local"));
        earlier.To.Add(MailboxAddress.Parse($"takeover.{campaign}@example.cz"));
        Assert.True((await services.Get<ICampaignMailTransport>().SendAsync(earlier, claim.FirstClaimedAt)).Sent);
        return (acs, services, clock, campaign, subject);
    }

    [Fact]
    public async Task ThrottlingIsRetriedAfterItsRetryAfterAndARefusedAddressIsFailedForGood()
    {
        await using var acs = await LocalEmailService.StartAsync();
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>(acs.EmailSettings) { ["Email:Smtp:Connections"] = "1" });
        var campaign = UniqueId.New("c");
        var good = await ContactAsync(services, $"good.{campaign}@example.cz");
        var refused = await ContactAsync(services, $"refused.{campaign}@example.cz");
        acs.RefusedAddresses[$"refused.{campaign}@example.cz"] = true;
        acs.ThrottleNext(1);

        var result = await services.Get<CampaignDelivery>().SendAsync(await BatchAsync(services, campaign, [new DeliveryRecipient(good, "x@example.cz", "A"), new DeliveryRecipient(refused, "x@example.cz", "A")]));

        Assert.Equal(1, result.Sent);
        var failure = Assert.Single(result.Failed);
        Assert.Equal(refused, failure.SubjectKey);
        Assert.StartsWith("400", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(3, acs.AuthenticatedRequests);
        Assert.Equal(SendStatus.Failed, (await services.Get<CampaignSendLedger>().FindAsync(campaign, "main", refused))!.Status);
    }

    private static async Task<DeliveryBatch> BatchAsync(EngagementServices services, string campaign, IReadOnlyList<DeliveryRecipient> recipients)
    {
        var template = UniqueId.New("t");
        await services.Get<TemplateStore>().CreateAsync(template, new CampaignTemplate(
            "Spring", "Spring for you", "", "<html><body><a href=\"https://shop.example.cz/spring\">Shop</a></body></html>", "Shop at https://shop.example.cz/spring"));
        return new DeliveryBatch(campaign, "main", "marketing", new CampaignSender("news@engagement360.local"),
            new Dictionary<string, DeliveryVariant> { ["A"] = new(template) }, recipients, PublicBase);
    }

    private static async Task<string> ContactAsync(EngagementServices services, string email)
    {
        var subject = UniqueId.New("subject");
        await services.Get<ContactStore>().PutAsync(subject, new ContactPoints(new EmailAddress(email), null), new ContactSource(ContactProvenance.Form, null, DateTimeOffset.UtcNow.AddDays(-3)));
        await services.Get<ConsentStore>().AppendAsync(new ConsentRequest(subject, "marketing", ContactChannel.Email, ConsentDecision.Granted, LegalBasis.Consent, CaptureChannel.Import,
            DateTimeOffset.UtcNow.AddHours(-1), new ConsentTextReference("marketing-email", 1, "cs", new string('a', 64)), new ConsentEvidence(), "crm"));
        return subject;
    }
}
