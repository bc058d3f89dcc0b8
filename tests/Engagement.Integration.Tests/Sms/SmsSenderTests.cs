using System.Net;
using System.Text;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Sms;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Sms;

/// <summary>The SMS sender against a local Communication Services SMS route that checks signatures as the service does.</summary>
[Collection(SharedAzurite.Name)]
public sealed class SmsSenderTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly AskedPurpose Marketing = new("marketing", ContactChannel.Sms, ConsentTextCatalog.Default.Current("marketing-sms", "cs")!.Reference);

    private LocalSmsService _acs = null!;
    private EngagementServices _services = null!;

    public async Task InitializeAsync()
    {
        _acs = await LocalSmsService.StartAsync();
        _services = await ServicesAsync(_acs.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _acs.DisposeAsync();
    }

    private Task<EngagementServices> ServicesAsync(string connectionString) => azurite.CreateServicesAsync(new Dictionary<string, string?>
    {
        ["Sms:ConnectionString"] = connectionString,
        ["Sms:From"] = _acs.OurNumber,
        ["Sms:MaxAttempts"] = "3",
    });

    private async Task<(string Subject, PhoneNumber Phone)> ContactAsync(EngagementServices? services = null)
    {
        var subject = UniqueId.New("subject");
        var phone = new PhoneNumber("+420" + Random.Shared.Next(600_000_000, 799_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await (services ?? _services).Get<ContactStore>().PutAsync(subject, new ContactPoints(null, phone), new ContactSource(ContactProvenance.Form, "newsletter form", DateTimeOffset.UtcNow));
        return (subject, phone);
    }

    private Task<SmsSendResult> AskAsync(string subject, string key, EngagementServices? services = null) =>
        (services ?? _services).Get<SmsSender>().SendConsentRequestAsync(new SmsAddressee(subject, key), [Marketing], "Souhlasíte? Odpovězte ANO / NE.");

    [Fact]
    public async Task ASignedRequestIsAcceptedAndTheSendIsRecordedWithWhatItAsked()
    {
        var (subject, phone) = await ContactAsync();

        var result = await AskAsync(subject, "request-1");

        Assert.Equal(SmsSendStatus.Sent, result.Status);
        var message = Assert.Single(_acs.Messages, m => m.To == phone.Value);
        Assert.Equal((_acs.OurNumber, "Souhlasíte? Odpovězte ANO / NE.", result.MessageId), (message.From, message.Message, (string?)message.MessageId));
        Assert.Equal(result.RequestId, message.RepeatabilityRequestId);
        Assert.True(Guid.TryParseExact(message.RepeatabilityRequestId, "D", out _));
        var record = Assert.Single(await _services.Get<SmsHistory>().SentToAsync(subject));
        Assert.Equal((SmsSentStatus.Sent, phone.Value, SmsKind.ConsentRequest), (record.Status, record.To, record.Kind));
        Assert.Equal(Marketing, Assert.Single(record.Asked));
        Assert.Equal(record.FirstSent.ToString("r", System.Globalization.CultureInfo.InvariantCulture), message.RepeatabilityFirstSent);
    }

    [Fact]
    public async Task AWrongKeyIsRefusedAndNothingIsSent()
    {
        await using var wrong = await ServicesAsync(_acs.ConnectionStringWithWrongKey);
        var (subject, phone) = await ContactAsync(wrong);

        var result = await AskAsync(subject, "request-1", wrong);

        Assert.Equal(SmsSendStatus.Failed, result.Status);
        Assert.Contains("401", result.Detail, StringComparison.Ordinal);
        Assert.True(_acs.RefusedRequests >= 1);
        Assert.DoesNotContain(_acs.Messages, m => m.To == phone.Value);
    }

    [Fact]
    public async Task AnAlteredBodyOrAStaleDateIsRefusedByTheServiceCheck()
    {
        using var client = new HttpClient();
        var body = Encoding.UTF8.GetBytes("""{"from":"+420910000001","smsRecipients":[{"to":"+420777000000"}],"message":"hi"}""");
        var uri = new Uri(_acs.BaseAddress, "sms?api-version=2021-03-07");

        using var altered = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent("""{"from":"+420910000001","smsRecipients":[{"to":"+420777999999"}],"message":"hi"}""") };
        LocalSmsService.Sign(altered, body, _acs.AccessKey, DateTimeOffset.UtcNow);
        using var stale = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        LocalSmsService.Sign(stale, body, _acs.AccessKey, DateTimeOffset.UtcNow.AddMinutes(-20));
        using var good = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        LocalSmsService.Sign(good, body, _acs.AccessKey, DateTimeOffset.UtcNow);

        using var alteredAnswer = await client.SendAsync(altered);
        using var staleAnswer = await client.SendAsync(stale);
        using var goodAnswer = await client.SendAsync(good);

        Assert.Equal(HttpStatusCode.Unauthorized, alteredAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, staleAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, goodAnswer.StatusCode);
    }

    [Fact]
    public async Task ARetriedSendIsDeliveredOnce()
    {
        var (subject, phone) = await ContactAsync();
        _acs.LoseNextAnswer();

        var first = await AskAsync(subject, "request-7");
        var callerRetry = await AskAsync(subject, "request-7");

        Assert.Equal(SmsSendStatus.Sent, first.Status);
        Assert.False(first.Repeated);
        Assert.Equal(SmsSendStatus.Sent, callerRetry.Status);
        Assert.True(callerRetry.Repeated);
        Assert.Equal(first.MessageId, callerRetry.MessageId);
        Assert.Single(_acs.Messages, m => m.To == phone.Value);
        Assert.Equal(2, Assert.Single(await _services.Get<SmsHistory>().SentToAsync(subject)).Attempts);
    }

    [Fact]
    public async Task ThrottlingIsWaitedOutAsRetryAfterSays()
    {
        var (subject, phone) = await ContactAsync();
        _acs.ThrottleNext(retryAfterSeconds: 1);

        var result = await AskAsync(subject, "request-1");

        Assert.Equal(SmsSendStatus.Sent, result.Status);
        Assert.Single(_acs.Messages, m => m.To == phone.Value);
    }

    [Fact]
    public async Task ARecipientTheServiceRefusesIsReportedWhileTheOthersAreSent()
    {
        var recipients = new[] { await ContactAsync(), await ContactAsync(), await ContactAsync() };
        var contacts = _services.Get<ContactStore>();
        foreach (var (subject, _) in recipients)
        {
            await _services.Get<Infrastructure.Consent.ConsentStore>().AppendAsync(new ConsentRequest(subject, "marketing", ContactChannel.Sms, ConsentDecision.Granted,
                LegalBasis.Consent, CaptureChannel.Import, DateTimeOffset.UtcNow.AddDays(-1), Marketing.Text, new ConsentEvidence(), "crm"));
        }

        _acs.UndeliverableNumbers[recipients[1].Phone.Value] = true;
        await contacts.SuppressAsync(recipients[2].Subject, new ContactSuppression(ContactChannel.Sms, SuppressionReason.Manual, DateTimeOffset.UtcNow.AddMinutes(-1)));

        var results = await _services.Get<SmsSender>().SendAsync("marketing", "Sleva 20 % jen dnes.", recipients.Select(r => new SmsAddressee(r.Subject, "campaign-5")).ToList(), tag: "campaign-5");

        Assert.Equal([SmsSendStatus.Sent, SmsSendStatus.Failed, SmsSendStatus.Refused], results.Select(r => r.Status));
        Assert.Contains("Invalid To phone number", results[1].Detail, StringComparison.Ordinal);
        Assert.Contains("suppressed", results[2].Detail, StringComparison.Ordinal);
        Assert.Single(_acs.Messages, m => m.To == recipients[0].Phone.Value && m.Tag == "campaign-5");
        Assert.Equal(SmsSentStatus.Failed, Assert.Single(await _services.Get<SmsHistory>().SentToAsync(recipients[1].Subject)).Status);
        Assert.Empty(await _services.Get<SmsHistory>().SentToAsync(recipients[2].Subject));
    }

    [Fact]
    public async Task NothingIsSentWithoutABasisOrWithoutAPhone()
    {
        var (noConsent, phone) = await ContactAsync();
        var noPhone = UniqueId.New("subject");

        var refused = await _services.Get<SmsSender>().SendAsync("marketing", "Nabídka", [new SmsAddressee(noConsent, "k")]);
        var missing = await AskAsync(noPhone, "k");

        Assert.Equal(SmsSendStatus.Refused, Assert.Single(refused).Status);
        Assert.Equal(SmsSendStatus.NoPhone, missing.Status);
        Assert.DoesNotContain(_acs.Messages, m => m.To == phone.Value);
    }

    [Fact]
    public async Task WithoutAConnectionStringSendingIsReportedAsNotConfigured()
    {
        await using var unconfigured = await azurite.CreateServicesAsync();
        var (subject, _) = await ContactAsync(unconfigured);

        var result = await AskAsync(subject, "k", unconfigured);

        Assert.Equal(SmsSendStatus.NotConfigured, result.Status);
    }

    [Theory]
    [InlineData("Sms:ConnectionString", "endpoint=https://acs-x.communication.azure.com/")]
    [InlineData("Sms:ConnectionString", "endpoint=https://acs-x.communication.azure.com/;accesskey=not base64!")]
    [InlineData("Sms:From", "ACME")]
    [InlineData("Sms:WebhookKey", "too-short")]
    [InlineData("Contacts:DefaultCountryCode", "CZ")]
    public async Task SettingsThatCannotWorkStopTheStartWithTheirName(string key, string value)
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
        {
            _ = services.Get<Microsoft.Extensions.Options.IOptions<SmsOptions>>().Value;
            _ = services.Get<Microsoft.Extensions.Options.IOptions<ContactOptions>>().Value;
        });
        Assert.Contains(key.Split(':')[0], error.Message, StringComparison.Ordinal);
    }
}
