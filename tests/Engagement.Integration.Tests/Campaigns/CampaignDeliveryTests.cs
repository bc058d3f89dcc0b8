using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Email;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Templates;
using Engagement.Integration.Tests.Email;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Campaigns;

/// <summary>The send path of a campaign batch against Azurite and a real MailDev (and a scripted SMTP server for replies MailDev never gives).</summary>
[Collection(SharedAzurite.Name)]
public sealed partial class CampaignDeliveryTests(AzuriteFixture azurite, MailDevFixture mail) : IClassFixture<MailDevFixture>
{
    private const string Sender = "news@engagement360.local";
    private static readonly Uri PublicBase = new("https://engage.example.cz");

    [Fact]
    public async Task ABatchArrivesOncePerRecipientEvenWhenItIsSentTwice()
    {
        await using var arranged = await ArrangeAsync("twice", 3);
        var (services, campaign, template, recipients) = arranged;

        var batch = Batch(campaign, template, recipients);
        var first = await services.Get<CampaignDelivery>().SendAsync(batch);
        var second = await services.Get<CampaignDelivery>().SendAsync(batch);

        Assert.Equal(3, first.Sent);
        Assert.Equal((0, 3), (second.Sent, second.Skipped));
        using var inbox = new HttpClient { BaseAddress = mail.MailDev.WebAddress };
        var all = JsonNode.Parse(await inbox.GetStringAsync("api/email"))!.AsArray();
        foreach (var recipient in recipients)
        {
            var received = Assert.Single(all, m => (string?)m!["to"]![0]!["address"] == recipient.Email)!;
            var source = Unfold(await inbox.GetStringAsync($"api/email/{received["id"]}/source"));
            Assert.Contains($"<{new CampaignMessageId(campaign, "main", "A", recipient.SubjectKey).Format("engagement360.local")}>", source, StringComparison.Ordinal);
            Assert.Contains("List-Unsubscribe: <https://engage.example.cz/unsubscribe?t=", source, StringComparison.Ordinal);
            Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", source, StringComparison.Ordinal);
            Assert.Contains("https://engage.example.cz/t/o/", (string?)received["html"], StringComparison.Ordinal);
            Assert.Equal("Spring for you", (string?)received["subject"]);
        }

        var counts = Assert.Single(await services.Get<CampaignSendLedger>().CountsAsync(campaign));
        Assert.Equal((3, 0, 0), (counts.Sent, counts.Claimed, counts.Failed));
        Assert.Equal(3, (await services.Get<CampaignFrequencyStore>().ReadWeekOfAsync(recipients.Select(r => r.SubjectKey), DateTimeOffset.UtcNow)).Subjects);
    }

    [Fact]
    public async Task ABatchSentAgainAfterPartOfItWentOutSendsTheRestAndNamesWhomItSkipped()
    {
        await using var arranged = await ArrangeAsync("part", 30);
        var (services, campaign, template, recipients) = arranged;

        var first = await services.Get<CampaignDelivery>().SendAsync(Batch(campaign, template, recipients.Take(12).ToList()));
        var second = await services.Get<CampaignDelivery>().SendAsync(Batch(campaign, template, recipients));

        Assert.Equal(recipients.Take(12).Select(r => r.SubjectKey).Order(StringComparer.Ordinal), first.SentTo);
        Assert.Equal(recipients.Skip(12).Select(r => r.SubjectKey).Order(StringComparer.Ordinal), second.SentTo);
        Assert.Equal(recipients.Take(12).Select(r => r.SubjectKey).Order(StringComparer.Ordinal), second.SkippedOnes);
        Assert.Equal((18, 12), (second.Sent, second.Skipped));
        var counts = Assert.Single(await services.Get<CampaignSendLedger>().CountsAsync(campaign));
        Assert.Equal((30, 0), (counts.Sent, counts.Claimed));
        // Every message the relay took is counted against the frequency cap, those of the last marks included.
        Assert.Equal(30, (await services.Get<CampaignFrequencyStore>().ReadWeekOfAsync(recipients.Select(r => r.SubjectKey), DateTimeOffset.UtcNow)).Subjects);
        await EachGotOneMessageAsync(recipients);
    }

    [Fact]
    public async Task ASendWhoseFrequencyRecordALostHostNeverWroteIsCountedWhenTheBatchRunsAgain()
    {
        await using var arranged = await ArrangeAsync("uncounted", 6);
        var (services, campaign, template, recipients) = arranged;
        var keys = recipients.Select(r => r.SubjectKey).ToList();
        var frequency = services.Get<CampaignFrequencyStore>();
        var batch = Batch(campaign, template, recipients);
        Assert.Equal(6, (await services.Get<CampaignDelivery>().SendAsync(batch)).Sent);
        // The host stopped after the marks and before the frequency records that trail them: those records never came.
        foreach (var key in keys.Take(4))
        {
            await frequency.EraseAsync(key);
        }

        Assert.Equal(2, (await frequency.ReadWeekOfAsync(keys, DateTimeOffset.UtcNow)).Subjects);

        var again = await services.Get<CampaignDelivery>().SendAsync(batch);

        Assert.Equal((0, 6), (again.Sent, again.Skipped));
        Assert.Equal(keys.Order(StringComparer.Ordinal), again.SkippedRecords.Keys.Order(StringComparer.Ordinal));
        Assert.All(again.SkippedRecords.Values, r => Assert.Equal(SendStatus.Sent, r!.Status));
        var history = await frequency.ReadWeekOfAsync(keys, DateTimeOffset.UtcNow);
        Assert.Equal(6, history.Subjects);
        Assert.All(keys, k => Assert.False(history.Allows(new FrequencyCap(1, null), k, UniqueId.New("c"), "main", DateTimeOffset.UtcNow)));
        // Written again, each send still counts once.
        Assert.All(keys, k => Assert.True(history.Allows(new FrequencyCap(null, 2), k, UniqueId.New("c"), "main", DateTimeOffset.UtcNow)));
        await EachGotOneMessageAsync(recipients);
    }

    [Fact]
    public async Task RecipientsWithAndWithoutAProfileInOneBatchAreEachPersonalised()
    {
        await using var services = await azurite.CreateServicesAsync(mail.MailDev.EmailSettings);
        var campaign = UniqueId.New("c");
        var template = await TemplateAsync(services);
        var user = UniqueId.New("user");
        await services.Get<IngestionHandler>().HandleAsync([EventBuilder.Identify("""{"firstName":"Zdeňka"}""").ForUser(user).At(DateTimeOffset.UtcNow.AddMinutes(-5)).Build()]);
        var known = services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(user)).Value;
        await services.Get<ContactStore>().PutAsync(known, new ContactPoints(new EmailAddress($"known.{campaign}@example.cz"), null), new ContactSource(ContactProvenance.Form, null, DateTimeOffset.UtcNow.AddDays(-3)));
        await GrantAsync(services, known);
        var unknown = await ContactAsync(services, $"unknown.{campaign}@example.cz");
        await GrantAsync(services, unknown);

        var result = await services.Get<CampaignDelivery>().SendAsync(Batch(campaign, template,
            [new DeliveryRecipient(unknown, $"unknown.{campaign}@example.cz", "A"), new DeliveryRecipient(known, $"known.{campaign}@example.cz", "A")]));

        Assert.Equal(2, result.Sent);
        using var inbox = new HttpClient { BaseAddress = mail.MailDev.WebAddress };
        var all = JsonNode.Parse(await inbox.GetStringAsync("api/email"))!.AsArray();
        Assert.Contains("Hello Zdeňka", (string?)Assert.Single(all, m => (string?)m!["to"]![0]!["address"] == $"known.{campaign}@example.cz")!["html"], StringComparison.Ordinal);
        Assert.Contains("Hello </p>", (string?)Assert.Single(all, m => (string?)m!["to"]![0]!["address"] == $"unknown.{campaign}@example.cz")!["html"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATakeoverResendCarriesTheMessageIdOfTheFirstClaim()
    {
        var clock = new SettableClock(DateTimeOffset.UtcNow);
        await using var services = await azurite.CreateServicesAsync(mail.MailDev.EmailSettings, s => s.AddSingleton<TimeProvider>(clock));
        var campaign = UniqueId.New("c");
        var template = await TemplateAsync(services);
        var email = $"takeover.{campaign}@example.cz";
        var subject = await ContactAsync(services, email);
        await GrantAsync(services, subject);
        // A sender claimed the send as variant A and stopped before saying how it went.
        var firstId = new CampaignMessageId(campaign, "main", "A", subject).Format("engagement360.local");
        await services.Get<CampaignSendLedger>().ClaimAsync(campaign, "main", [new PlannedSend(subject, "A", firstId)], TimeSpan.FromMinutes(15));
        clock.Advance(TimeSpan.FromMinutes(16));

        // The retry would choose variant B today; the takeover keeps what the first claim chose.
        var result = await services.Get<CampaignDelivery>().SendAsync(Batch(campaign, template, [new DeliveryRecipient(subject, email, "B")], variants: ["A", "B"]));

        Assert.Equal((1, 1), (result.Sent, result.Resent));
        using var inbox = new HttpClient { BaseAddress = mail.MailDev.WebAddress };
        var received = Assert.Single(JsonNode.Parse(await inbox.GetStringAsync("api/email"))!.AsArray(), m => (string?)m!["to"]![0]!["address"] == email)!;
        Assert.Contains($"<{firstId}>", await inbox.GetStringAsync($"api/email/{received["id"]}/source"), StringComparison.Ordinal);
        Assert.Equal(SendStatus.Sent, (await services.Get<CampaignSendLedger>().FindAsync(campaign, "main", subject))!.Status);
    }

    [Fact]
    public async Task ContactsNoLongerReachableAtSendTimeAreExcludedWithTheirReasons()
    {
        await using var services = await azurite.CreateServicesAsync(mail.MailDev.EmailSettings);
        var campaign = UniqueId.New("c");
        var template = await TemplateAsync(services);
        var contacts = services.Get<ContactStore>();
        var allowed = await ContactAsync(services, $"ok.{campaign}@example.cz");
        var noConsent = await ContactAsync(services, $"noconsent.{campaign}@example.cz");
        var bounced = await ContactAsync(services, $"bounced.{campaign}@example.cz");
        var withdrawn = await ContactAsync(services, $"withdrawn.{campaign}@example.cz");
        var phoneOnly = UniqueId.New("subject");
        await contacts.PutAsync(phoneOnly, new ContactPoints(null, new PhoneNumber("+420777000222")), new ContactSource(ContactProvenance.Form, null, DateTimeOffset.UtcNow.AddDays(-3)));
        var capped = await ContactAsync(services, $"capped.{campaign}@example.cz");
        foreach (var subject in new[] { allowed, bounced, phoneOnly, capped })
        {
            await GrantAsync(services, subject);
        }

        await GrantAsync(services, withdrawn, ConsentDecision.Withdrawn);
        await contacts.SuppressAsync(bounced, new ContactSuppression(ContactChannel.Email, SuppressionReason.Bounced, DateTimeOffset.UtcNow.AddMinutes(-5)));
        await services.Get<CampaignFrequencyStore>().RecordAsync([new FrequencySend(capped, "another-campaign", "main", DateTimeOffset.UtcNow.AddHours(-2))]);
        var recipients = new[] { allowed, noConsent, bounced, withdrawn, phoneOnly, capped }.Select(s => new DeliveryRecipient(s, "was@example.cz", "A")).ToList();

        var result = await services.Get<CampaignDelivery>().SendAsync(Batch(campaign, template, recipients) with { FrequencyCap = new FrequencyCap(1, 3) });

        Assert.Equal(1, result.Sent);
        Assert.Equal(
            new Dictionary<string, string>
            {
                [noConsent] = ExclusionReasons.NoConsent,
                [bounced] = "suppressed:Bounced",
                [withdrawn] = ExclusionReasons.Withdrawn,
                [phoneOnly] = ExclusionReasons.NoEmail,
                [capped] = ExclusionReasons.FrequencyCap,
            },
            result.Excluded.ToDictionary(e => e.SubjectKey, e => e.Reason));
        var ledger = services.Get<CampaignSendLedger>();
        var stored = await ledger.FindAsync(campaign, "main", bounced);
        Assert.Equal((SendStatus.Excluded, "suppressed:Bounced"), (stored!.Status, stored.Detail));
        Assert.Equal(SendStatus.Sent, (await ledger.FindAsync(campaign, "main", allowed))!.Status);
        // The address the contact holds now is the one written to, not the one the audience was resolved with.
        using var inbox = new HttpClient { BaseAddress = mail.MailDev.WebAddress };
        Assert.Single(JsonNode.Parse(await inbox.GetStringAsync("api/email"))!.AsArray(), m => (string?)m!["to"]![0]!["address"] == $"ok.{campaign}@example.cz");
    }

    [Fact]
    public async Task ATransientReplyIsRetriedAndTheMessageSentOnce()
    {
        await using var smtp = new ScriptedSmtpServer(n => n == 1 ? "451 4.3.0 Mail server temporarily rejected message, try again later" : "250 2.1.5 OK");
        await using var services = await azurite.CreateServicesAsync(smtp.EmailSettings);
        var campaign = UniqueId.New("c");
        var template = await TemplateAsync(services);
        var subject = await ContactAsync(services, $"retry.{campaign}@example.cz");
        await GrantAsync(services, subject);

        var result = await services.Get<CampaignDelivery>().SendAsync(Batch(campaign, template, [new DeliveryRecipient(subject, "x@example.cz", "A")]));

        Assert.Equal(1, result.Sent);
        Assert.Empty(result.Failed);
        Assert.Equal(2, smtp.RcptAttempts);
        Assert.Single(smtp.Messages);
        Assert.Equal(SendStatus.Sent, (await services.Get<CampaignSendLedger>().FindAsync(campaign, "main", subject))!.Status);
    }

    [Fact]
    public async Task APermanentRefusalIsRecordedAsFailedWithTheRelaysReplyAndNotRetried()
    {
        await using var smtp = new ScriptedSmtpServer(_ => "550 5.1.1 Recipient address rejected: no such user");
        await using var services = await azurite.CreateServicesAsync(smtp.EmailSettings);
        var campaign = UniqueId.New("c");
        var template = await TemplateAsync(services);
        var subject = await ContactAsync(services, $"gone.{campaign}@example.cz");
        await GrantAsync(services, subject);
        var batch = Batch(campaign, template, [new DeliveryRecipient(subject, "x@example.cz", "A")]);

        var result = await services.Get<CampaignDelivery>().SendAsync(batch);
        var again = await services.Get<CampaignDelivery>().SendAsync(batch);

        var failure = Assert.Single(result.Failed);
        Assert.StartsWith("550", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("no such user", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(1, smtp.RcptAttempts);
        Assert.Equal((0, 1), (again.Sent, again.Skipped));
        var stored = await services.Get<CampaignSendLedger>().FindAsync(campaign, "main", subject);
        Assert.Equal(SendStatus.Failed, stored!.Status);
        Assert.Contains("no such user", stored.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARelayThatKeepsSayingTryLaterStopsTheBatchAndGivesTheClaimsBack()
    {
        await using var smtp = new ScriptedSmtpServer(_ => "421 4.7.0 Try again later, closing connection");
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>(smtp.EmailSettings) { ["Email:Retry:MaxAttempts"] = "3" });
        var campaign = UniqueId.New("c");
        var template = await TemplateAsync(services);
        var subject = await ContactAsync(services, $"later.{campaign}@example.cz");
        await GrantAsync(services, subject);

        await Assert.ThrowsAsync<EmailNotSentException>(() =>
            services.Get<CampaignDelivery>().SendAsync(Batch(campaign, template, [new DeliveryRecipient(subject, "x@example.cz", "A")])));

        Assert.Equal(3, smtp.RcptAttempts);
        // Each 421 closed the connection: the pool connected again rather than giving up.
        Assert.Equal(3, smtp.Connections);
        Assert.Null(await services.Get<CampaignSendLedger>().FindAsync(campaign, "main", subject));
    }

    [Theory]
    [InlineData("Email:Smtp:Connections", "0", "Email:Smtp:Connections")]
    [InlineData("Email:MaxPerSecond", "-1", "Email:MaxPerSecond")]
    [InlineData("Email:Retry:MaxAttempts", "0", "Email:Retry")]
    [InlineData("Email:Retry:BaseDelayMilliseconds", "60000", "Email:Retry")]
    [InlineData("Campaigns:FrequencyCap:MaxPerDay", "5", "Campaigns:FrequencyCap")]
    [InlineData("Campaigns:InactiveMonths", "-1", "InactiveMonths")]
    [InlineData("Campaigns:ClaimLeaseMinutes", "0", "ClaimLeaseMinutes")]
    [InlineData("Email:CommunicationServices:ConnectionString", "endpoint=https://acs-x.communication.azure.com/", "Email:CommunicationServices:ConnectionString")]
    public async Task SendingSettingsThatCannotWorkStopTheStartWithTheirName(string key, string value, string named)
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
        {
            _ = services.Get<Microsoft.Extensions.Options.IOptions<EmailOptions>>().Value;
            _ = services.Get<Microsoft.Extensions.Options.IOptions<CampaignDeliveryOptions>>().Value;
        });
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABatchThatCannotBeSentAsWrittenIsRefusedBeforeAnythingIsClaimed()
    {
        await using var services = await azurite.CreateServicesAsync(mail.MailDev.EmailSettings);
        var campaign = UniqueId.New("c");
        var template = await TemplateAsync(services);
        var subject = UniqueId.New("subject");
        var batch = Batch(campaign, template, [new DeliveryRecipient(subject, "x@example.cz", "A")]);
        var delivery = services.Get<CampaignDelivery>();

        await Assert.ThrowsAsync<ArgumentException>(() => delivery.SendAsync(batch with { Recipients = [new DeliveryRecipient(subject, "x@example.cz", "Z")] }));
        await Assert.ThrowsAsync<ArgumentException>(() => delivery.SendAsync(batch with { Step = "main|x" }));
        await Assert.ThrowsAsync<ArgumentException>(() => delivery.SendAsync(batch with { Variants = new Dictionary<string, DeliveryVariant> { ["A"] = new("no-such-template") } }));
        await Assert.ThrowsAsync<ArgumentException>(() => delivery.SendAsync(batch with { Sender = new CampaignSender("not an address") }));

        Assert.Null(await services.Get<CampaignSendLedger>().FindAsync(campaign, "main", subject));
    }

    // Services, a campaign id, a saved template and consenting recipients of variant A.
    private async Task<Arranged> ArrangeAsync(string name, int count)
    {
        var services = await azurite.CreateServicesAsync(mail.MailDev.EmailSettings);
        var campaign = UniqueId.New("c");
        return new Arranged(services, campaign, await TemplateAsync(services), await ConsentingRecipientsAsync(services, name, campaign, count));
    }

    // MailDev holds exactly one message to each recipient's address.
    private async Task EachGotOneMessageAsync(IEnumerable<DeliveryRecipient> recipients)
    {
        using var inbox = new HttpClient { BaseAddress = mail.MailDev.WebAddress };
        var all = JsonNode.Parse(await inbox.GetStringAsync("api/email"))!.AsArray();
        Assert.All(recipients, r => Assert.Single(all, m => (string?)m!["to"]![0]!["address"] == r.Email));
    }

    private static DeliveryBatch Batch(string campaign, string templateId, IReadOnlyList<DeliveryRecipient> recipients, string[]? variants = null) => new(
        campaign,
        "main",
        "marketing",
        new CampaignSender(Sender, "Engagement 360"),
        (variants ?? ["A"]).ToDictionary(v => v, _ => new DeliveryVariant(templateId)),
        recipients,
        PublicBase);

    private static async Task<string> TemplateAsync(EngagementServices services)
    {
        var id = UniqueId.New("t");
        await services.Get<TemplateStore>().CreateAsync(id, new CampaignTemplate(
            "Spring", "Spring for you", "Our picks", "<html><body><p>Hello {{ profile.firstName }}</p><a href=\"https://shop.example.cz/spring\">Shop</a></body></html>", "Hello, see https://shop.example.cz/spring"));
        return id;
    }

    private static async Task<string> ContactAsync(EngagementServices services, string email)
    {
        var subject = UniqueId.New("subject");
        await services.Get<ContactStore>().PutAsync(subject, new ContactPoints(new EmailAddress(email), null), new ContactSource(ContactProvenance.Form, null, DateTimeOffset.UtcNow.AddDays(-3)));
        return subject;
    }

    // Contacts who granted marketing e-mail, each a recipient of variant A at an address naming the campaign.
    private static async Task<List<DeliveryRecipient>> ConsentingRecipientsAsync(EngagementServices services, string name, string campaign, int count)
    {
        var recipients = new List<DeliveryRecipient>();
        for (var i = 0; i < count; i++)
        {
            var email = $"{name}{i}.{campaign}@example.cz";
            var subject = await ContactAsync(services, email);
            await GrantAsync(services, subject);
            recipients.Add(new DeliveryRecipient(subject, email, "A"));
        }

        return recipients;
    }

    private static Task<ConsentAppendResult> GrantAsync(EngagementServices services, string subject, ConsentDecision decision = ConsentDecision.Granted) =>
        services.Get<ConsentStore>().AppendAsync(new ConsentRequest(subject, "marketing", ContactChannel.Email, decision, LegalBasis.Consent, CaptureChannel.Import,
            DateTimeOffset.UtcNow.AddHours(-1), new ConsentTextReference("marketing-email", 1, "cs", new string('a', 64)), new ConsentEvidence(), "crm"));

    // Header lines may be folded (RFC 5322 2.2.3): unfold before reading them.
    private static string Unfold(string source) => Folded().Replace(source, " ");

    [GeneratedRegex(@"\r?\n[ \t]+")]
    private static partial Regex Folded();

    private sealed record Arranged(EngagementServices Services, string Campaign, string Template, List<DeliveryRecipient> Recipients) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Services.DisposeAsync();
    }
}
