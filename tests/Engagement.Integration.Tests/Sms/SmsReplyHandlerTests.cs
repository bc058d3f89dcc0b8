using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Sms;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Sms;

/// <summary>Reply SMS turned into consent decisions, from the event JSON the Functions trigger hands over.</summary>
[Collection(SharedAzurite.Name)]
public sealed class SmsReplyHandlerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly ConsentText MarketingSms = ConsentTextCatalog.Default.Current("marketing-sms", "cs")!;

    private LocalSmsService _acs = null!;
    private EngagementServices _services = null!;

    public async Task InitializeAsync()
    {
        _acs = await LocalSmsService.StartAsync();
        _services = await azurite.CreateServicesAsync(new Dictionary<string, string?>
        {
            ["Sms:ConnectionString"] = _acs.ConnectionString,
            ["Sms:From"] = _acs.OurNumber,
        });
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _acs.DisposeAsync();
    }

    private async Task<(string Subject, PhoneNumber Phone)> ContactAsync(PhoneNumber? phone = null)
    {
        var subject = UniqueId.New("subject");
        var number = phone ?? new PhoneNumber("+420" + Random.Shared.Next(600_000_000, 799_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _services.Get<ContactStore>().PutAsync(subject, new ContactPoints(null, number), new ContactSource(ContactProvenance.Order, null, DateTimeOffset.UtcNow.AddDays(-10)));
        return (subject, number);
    }

    private async Task<SmsSendResult> AskAsync(string subject)
    {
        var result = await _services.Get<SmsSender>().SendConsentRequestAsync(new SmsAddressee(subject, UniqueId.New("ask")),
            [new AskedPurpose("marketing", ContactChannel.Sms, MarketingSms.Reference)], ConsentRequestSms.Compose([MarketingSms]));
        Assert.Equal(SmsSendStatus.Sent, result.Status);
        return result;
    }

    private Task<CommunicationEventsHandled> ReplyAsync(PhoneNumber from, string text, string? messageId = null, DateTimeOffset? receivedAt = null) =>
        _services.Get<CommunicationEvents>().HandleAsync(
            LocalSmsService.SmsReceivedEvent(from.Value, _acs.OurNumber, text, messageId ?? "Incoming_" + Guid.NewGuid().ToString("N"), receivedAt ?? DateTimeOffset.UtcNow));

    [Fact]
    public async Task AReplyAnswersARequestTheServiceTookWhoseAnswerWasLost()
    {
        // The sender stopped between the service taking the request and its record saying so: a reply proves it arrived.
        await using var oneAttempt = await azurite.CreateServicesAsync(new Dictionary<string, string?>
        {
            ["Sms:ConnectionString"] = _acs.ConnectionString,
            ["Sms:From"] = _acs.OurNumber,
            ["Sms:MaxAttempts"] = "1",
        });
        var (subject, phone) = await ContactAsync();
        _acs.LoseNextAnswer();
        var sent = await oneAttempt.Get<SmsSender>().SendConsentRequestAsync(new SmsAddressee(subject, UniqueId.New("ask")),
            [new AskedPurpose("marketing", ContactChannel.Sms, MarketingSms.Reference)], ConsentRequestSms.Compose([MarketingSms]));

        var handled = await ReplyAsync(phone, "ANO");

        Assert.Equal(SmsSendStatus.RetryLater, sent.Status);
        Assert.Contains(_acs.Messages, m => m.To == phone.Value);
        Assert.Equal(SmsReplyOutcome.Granted, Assert.Single(handled.Replies).Outcome);
    }

    [Fact]
    public async Task AYesAnswersTheConsentRequestWithItsTextAndTheSmsAsEvidence()
    {
        var (subject, phone) = await ContactAsync();
        var request = await AskAsync(subject);

        var handled = await ReplyAsync(phone, " Ano ", "Incoming_yes_1");

        Assert.Equal(SmsReplyOutcome.Granted, Assert.Single(handled.Replies).Outcome);
        var ledger = (await _services.Get<ConsentStore>().ReadAsync(subject))!;
        var record = Assert.Single(ledger.History).Request;
        Assert.Equal((ConsentDecision.Granted, "marketing", ContactChannel.Sms, CaptureChannel.ReplySms), (record.Decision, record.Purpose, record.Channel, record.CapturedVia));
        Assert.Equal(MarketingSms.Reference, record.Text);
        Assert.True(ConsentTextCatalog.Default.Holds(record.Text!));
        Assert.Equal("Incoming_yes_1", record.Evidence.SmsMessageId);
        var reply = Assert.Single(await _services.Get<SmsHistory>().RepliesAsync([subject]));
        Assert.Equal(request.RequestId, reply.AnsweredRequestId);
        Assert.True((await _services.Get<ContactGate>().DecideAsync(subject, "marketing", ContactChannel.Sms)).Allowed);
    }

    [Fact]
    public async Task AReplyDeliveredAfterANewerRequestAnswersTheRequestItFollowed()
    {
        var (subject, phone) = await ContactAsync();
        await AskAsync(subject);
        // Apart by more than the event's millisecond precision, on either side of the reply.
        await Task.Delay(20);
        var repliedAt = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        var profiling = ConsentTextCatalog.Default.Current("profiling", "cs")!;
        await _services.Get<SmsSender>().SendConsentRequestAsync(new SmsAddressee(subject, UniqueId.New("ask")),
            [new AskedPurpose("profiling", ContactChannel.Any, profiling.Reference)], ConsentRequestSms.Compose([profiling]));

        await ReplyAsync(phone, "ANO", receivedAt: repliedAt);

        Assert.Equal("marketing", Assert.Single((await _services.Get<ConsentStore>().ReadAsync(subject))!.History).Request.Purpose);
    }

    [Fact]
    public async Task ARedeliveredReplyRecordsNothingTwice()
    {
        var (subject, phone) = await ContactAsync();
        await AskAsync(subject);

        var first = await ReplyAsync(phone, "NE", "Incoming_no_1");
        var again = await ReplyAsync(phone, "NE", "Incoming_no_1");

        Assert.Equal(SmsReplyOutcome.Denied, Assert.Single(first.Replies).Outcome);
        Assert.True(Assert.Single(again.Replies).Repeated);
        Assert.Equal(ConsentDecision.Denied, Assert.Single((await _services.Get<ConsentStore>().ReadAsync(subject))!.History).Request.Decision);
        Assert.Single(await _services.Get<SmsHistory>().RepliesAsync([subject]));
    }

    [Fact]
    public async Task StopWithdrawsSmsMarketingAndSuppressesSmsForEveryoneAtTheNumber()
    {
        var (parent, phone) = await ContactAsync();
        var (child, _) = await ContactAsync(phone);
        await AskAsync(parent);
        await ReplyAsync(phone, "ANO");

        var handled = await ReplyAsync(phone, "Odhlásit", "Incoming_stop_1");
        await ReplyAsync(phone, "STOP", "Incoming_stop_1");

        Assert.Equal(SmsReplyOutcome.Stopped, Assert.Single(handled.Replies).Outcome);
        foreach (var subject in new[] { parent, child })
        {
            var card = (await _services.Get<ContactStore>().ReadAsync(subject))!;
            var suppression = Assert.Single(card.Suppressions);
            Assert.Equal((ContactChannel.Sms, SuppressionReason.StopReply), (suppression.Channel, suppression.Reason));
            var status = Assert.Single((await _services.Get<ConsentStore>().ReadAsync(subject))!.Status);
            Assert.Equal(ConsentDecision.Withdrawn, status.Decision);
            Assert.False((await _services.Get<ContactGate>().MayAskForConsentAsync(subject, ContactChannel.Sms)).Allowed);
        }

        Assert.Equal(2, (await _services.Get<ConsentStore>().ReadAsync(parent))!.History.Count);
        var refused = await _services.Get<SmsSender>().SendConsentRequestAsync(new SmsAddressee(parent, "after-stop"),
            [new AskedPurpose("marketing", ContactChannel.Sms, MarketingSms.Reference)], "Znovu?");
        Assert.Equal(SmsSendStatus.Refused, refused.Status);
    }

    [Fact]
    public async Task UnknownTextIsRecordedAndIgnored()
    {
        var (subject, phone) = await ContactAsync();
        await AskAsync(subject);

        var handled = await ReplyAsync(phone, "Kdo jste? Nevolejte mi.");

        Assert.Equal(SmsReplyOutcome.UnknownText, Assert.Single(handled.Replies).Outcome);
        Assert.Null(await _services.Get<ConsentStore>().ReadAsync(subject));
        var reply = Assert.Single(await _services.Get<SmsHistory>().RepliesAsync([subject]));
        Assert.Equal(("Kdo jste? Nevolejte mi.", SmsReplyIntent.Unknown), (reply.Message, reply.Intent));
    }

    [Fact]
    public async Task AYesWithNoConsentRequestToAnswerIsRecordedAndIgnored()
    {
        var (subject, phone) = await ContactAsync();

        var handled = await ReplyAsync(phone, "YES");

        Assert.Equal(SmsReplyOutcome.NoOpenRequest, Assert.Single(handled.Replies).Outcome);
        Assert.Null(await _services.Get<ConsentStore>().ReadAsync(subject));
        Assert.Contains("no consent request", Assert.Single(await _services.Get<SmsHistory>().RepliesAsync([subject])).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReplyFromANumberNoContactHasIsRecordedUnderTheNumbersHash()
    {
        var stranger = new PhoneNumber("+420" + Random.Shared.Next(600_000_000, 799_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture));

        var handled = await ReplyAsync(stranger, "STOP");

        Assert.Equal(SmsReplyOutcome.UnknownNumber, Assert.Single(handled.Replies).Outcome);
        var partition = SmsHistory.UnmatchedPartition(_services.Get<ContactStore>().PhoneKey(stranger));
        Assert.DoesNotContain(stranger.Value.TrimStart('+'), partition, StringComparison.Ordinal);
        Assert.Equal(stranger.Value, Assert.Single(await _services.Get<SmsHistory>().RepliesAsync([partition])).From);
    }

    [Fact]
    public async Task MalformedEventJsonIsSkippedAndOtherEventTypesAreAcknowledged()
    {
        var malformed = await _services.Get<CommunicationEvents>().HandleAsync("{not json");
        var deliveryReport = await _services.Get<CommunicationEvents>().HandleAsync(
            """{"id":"1","eventType":"Microsoft.Communication.SMSDeliveryReportReceived","data":{"messageId":"Outgoing_1","deliveryStatus":"Delivered"}}""");

        Assert.Equal(0, malformed.Events);
        Assert.Equal((1, 1), (deliveryReport.Events, deliveryReport.Ignored));
    }

    [Fact]
    public async Task AnUnresolvedKeyVaultReferenceNeverWorksAsTheWebhookKeyOrAsAConnectionString()
    {
        const string unresolved = "@Microsoft.KeyVault(VaultName=kv-eng360;SecretName=Sms--WebhookKey)";
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>
        {
            ["Sms:WebhookKey"] = unresolved,
            ["Sms:ConnectionString"] = "@Microsoft.KeyVault(VaultName=kv-eng360;SecretName=Sms--ConnectionString)",
            ["Sms:From"] = _acs.OurNumber,
        });
        var (subject, _) = await ContactAsync();

        var answer = await services.Get<CommunicationEvents>().ReceiveAsync(
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes(LocalSmsService.ValidationEvent("code"))), unresolved, null);
        var sent = await services.Get<SmsSender>().SendConsentRequestAsync(new SmsAddressee(subject, "k"),
            [new AskedPurpose("marketing", ContactChannel.Sms, MarketingSms.Reference)], "?");

        Assert.Equal(401, answer.Status);
        Assert.Equal(SmsSendStatus.NotConfigured, sent.Status);
    }
}
