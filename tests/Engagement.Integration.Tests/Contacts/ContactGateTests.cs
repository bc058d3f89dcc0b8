using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Contacts;

[Collection(SharedAzurite.Name)]
public sealed class ContactGateTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private EngagementServices _services = null!;

    public async Task InitializeAsync() =>
        _services = await azurite.CreateServicesAsync(new Dictionary<string, string?> { ["Contacts:LegitimateInterest:0"] = "marketing/Email" });

    public Task DisposeAsync() => _services.DisposeAsync().AsTask();

    private ContactGate Gate => _services.Get<ContactGate>();

    private async Task<string> ContactAsync(ContactProvenance provenance)
    {
        var subject = UniqueId.New("subject");
        await _services.Get<ContactStore>().PutAsync(subject, new ContactPoints(new EmailAddress("a@example.cz"), new PhoneNumber("+420777000111")), new ContactSource(provenance, null, DateTimeOffset.UtcNow.AddDays(-1)));
        return subject;
    }

    private Task<ConsentAppendResult> GrantAsync(string subject, ContactChannel channel, ConsentDecision decision = ConsentDecision.Granted) =>
        _services.Get<ConsentStore>().AppendAsync(new ConsentRequest(subject, "marketing", channel, decision, LegalBasis.Consent, CaptureChannel.Import,
            DateTimeOffset.UtcNow.AddHours(-1), new ConsentTextReference("marketing-sms", 1, "cs", new string('a', 64)), new ConsentEvidence(), "crm"));

    [Fact]
    public async Task LegitimateInterestCoversAKnownContactButNotOneOfUnknownProvenance()
    {
        var known = await ContactAsync(ContactProvenance.Order);
        var unknown = await ContactAsync(ContactProvenance.Unknown);

        Assert.True((await Gate.DecideAsync(known, "marketing", ContactChannel.Email)).Allowed);
        var refused = await Gate.DecideAsync(unknown, "marketing", ContactChannel.Email);
        Assert.False(refused.Allowed);
        Assert.Contains("reactivation", refused.Reason, StringComparison.Ordinal);
        Assert.False((await Gate.DecideAsync(known, "marketing", ContactChannel.Sms)).Allowed);
    }

    [Fact]
    public async Task ASuppressionWinsOverConsentAndLiftingItRestoresTheConsent()
    {
        var subject = await ContactAsync(ContactProvenance.Unknown);
        await GrantAsync(subject, ContactChannel.Sms);
        Assert.True((await Gate.DecideAsync(subject, "marketing", ContactChannel.Sms)).Allowed);

        await _services.Get<ContactStore>().SuppressAsync(subject, new ContactSuppression(ContactChannel.Sms, SuppressionReason.StopReply, DateTimeOffset.UtcNow.AddMinutes(-1)));
        var suppressed = await Gate.DecideAsync(subject, "marketing", ContactChannel.Sms);
        var mayAsk = await Gate.MayAskForConsentAsync(subject, ContactChannel.Sms);
        await _services.Get<ContactStore>().LiftAsync(subject, ContactChannel.Sms, "asked to be contacted again");

        Assert.False(suppressed.Allowed);
        Assert.False(mayAsk.Allowed);
        Assert.Contains("stopReply", suppressed.Reason, StringComparison.Ordinal);
        Assert.True((await Gate.DecideAsync(subject, "marketing", ContactChannel.Sms)).Allowed);
        Assert.True((await Gate.MayAskForConsentAsync(subject, ContactChannel.Email)).Allowed);
    }

    [Fact]
    public async Task TheAudienceGateDecidesAsTheOneByOneGateDoes()
    {
        var subjects = new List<string>
        {
            await ContactAsync(ContactProvenance.Order),
            await ContactAsync(ContactProvenance.Unknown),
            await ContactAsync(ContactProvenance.Form),
            await ContactAsync(ContactProvenance.Competition),
            UniqueId.New("no-contact"),
        };
        await GrantAsync(subjects[1], ContactChannel.Email);
        await GrantAsync(subjects[2], ContactChannel.Email, ConsentDecision.Withdrawn);
        await _services.Get<ContactStore>().SuppressAsync(subjects[3], new ContactSuppression(ContactChannel.Any, SuppressionReason.Complained, DateTimeOffset.UtcNow.AddMinutes(-1)));

        var audience = await Gate.ForAudienceAsync("marketing");

        var now = DateTimeOffset.UtcNow;
        foreach (var subject in subjects)
        {
            Assert.Equal((await Gate.DecideAsync(subject, "marketing", ContactChannel.Email)).Allowed, audience.Decide(subject, ContactChannel.Email, now).Allowed);
        }

        Assert.Equal([true, true, false, false, true], subjects.Select(s => audience.Decide(s, ContactChannel.Email, now).Allowed));
        Assert.True(audience.HasRecordedDecision(subjects[1]));
        Assert.False(audience.HasRecordedDecision(subjects[0]));
    }

    [Fact]
    public async Task AConsentRequestEmailToASubjectWhoseEmailIsSuppressedIsRefusedByTheGate()
    {
        var subject = UniqueId.New("crm");
        var key = _services.Get<Core.Identity.Pseudonymizer>().KeyOf(Core.Identity.IdentityRef.User(subject)).Value;
        await _services.Get<ContactStore>().SuppressAsync(key, new ContactSuppression(ContactChannel.Email, SuppressionReason.Unsubscribed, DateTimeOffset.UtcNow.AddMinutes(-1)));
        var text = ConsentTextCatalog.Default.Current("marketing-email", "cs")!;

        var outcome = await _services.Get<EmailConsentHttp>().SendRequestAsync(key, "jana@example.cz", [text], "cs", "req-1", "http://localhost");

        Assert.Equal(EmailRequestStatus.Refused, outcome.Status);
        Assert.Contains("unsubscribed", outcome.Error, StringComparison.Ordinal);
        Assert.Empty(await _services.Get<ConsentRequestStore>().ListAsync(key));
    }

    [Fact]
    public async Task ABatchInKeyOrderIsDecidedFromOneRangeReadPerTable()
    {
        var prefix = UniqueId.New("range") + "-";
        var subjects = Enumerable.Range(0, 40).Select(i => prefix + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        await Task.WhenAll(subjects.Select(s => _services.Get<ContactStore>().PutAsync(
            s, new ContactPoints(new EmailAddress(s + "@example.cz"), null), new ContactSource(ContactProvenance.Form, null, DateTimeOffset.UtcNow.AddDays(-1)))));
        await GrantAsync(subjects[7], ContactChannel.Email, ConsentDecision.Withdrawn);
        using var requests = new StorageRequests(azurite.ConnectionString);

        var (cards, gate) = await Gate.ForBatchAsync("marketing", subjects);

        Assert.Equal(subjects, cards.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(subjects.Where((_, i) => i != 7), subjects.Where(s => gate.Decide(s, ContactChannel.Email, DateTimeOffset.UtcNow).Allowed));
        Assert.Single(requests.FiltersOf("contacts"));
        Assert.Single(requests.FiltersOf("consents"));
        Assert.Empty(requests.PartitionsNamedIn("contacts"));
    }

    [Fact]
    public async Task ASparseBatchStopsReadingItsRangeAfterAPageAndNamesTheRest()
    {
        // 1,100 contacts, of which a batch wants the first, one in the middle and the last: the range's first page holds
        // only two of them, so the rest are named rather than read through.
        var prefix = UniqueId.New("sparse") + "-";
        var all = Enumerable.Range(0, 1100).Select(i => prefix + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (s, token) => await _services.Get<ContactStore>().PutAsync(
            s, new ContactPoints(new EmailAddress(s + "@example.cz"), null), new ContactSource(ContactProvenance.Form, null, DateTimeOffset.UtcNow.AddDays(-1)), cancellationToken: token));
        string[] wanted = [all[0], all[550], all[1099]];
        using var requests = new StorageRequests(azurite.ConnectionString);

        var (cards, _) = await Gate.ForBatchAsync("marketing", wanted);

        Assert.Equal(wanted, cards.Keys.Order(StringComparer.Ordinal));
        Assert.All(wanted, s => Assert.Equal(s + "@example.cz", cards[s].Email!.Value.Value));
        Assert.Equal(2, requests.FiltersOf("contacts").Count);
        Assert.Equal([all[1099]], requests.PartitionsNamedIn("contacts"));
    }
}
