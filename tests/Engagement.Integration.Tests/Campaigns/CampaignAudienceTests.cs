using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Core.Segments;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Segments;
using Engagement.Integration.Tests.Segments;
using Engagement.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Engagement.Integration.Tests.Segments.SegmentAudienceFixture;

namespace Engagement.Integration.Tests.Campaigns;

/// <summary>
/// Campaign audiences resolved over the planted people of <see cref="SegmentAudienceFixture"/> (more than one page),
/// with contacts, suppressions and frequency-cap sends added for the gold-plan people.
/// </summary>
[Collection(SegmentAudienceStore.Name)]
public sealed class CampaignAudienceTests(SegmentAudienceFixture fixture)
{
    private const string Gold = """{"name":"Gold","rule":{"trait":{"path":"plan","op":"eq","value":"gold"}}}""";
    private const int Suppressed = 30;
    private const int Capped = 60;
    private static readonly FrequencyCap Cap = new(1, 3);

    private T Get<T>()
        where T : notnull => fixture.Services.GetRequiredService<T>();

    [Fact]
    public async Task ASegmentsMembersAreIncludedOrExcludedEachWithItsReason()
    {
        await PlantContactsAsync();
        var segment = await SaveSegmentAsync();
        var campaign = "c-" + Guid.NewGuid().ToString("N")[..12];
        var included = new List<CampaignRecipient>();

        var counts = await Get<CampaignAudience>().ResolveAsync(
            new AudienceRequest(campaign, "marketing", segment, Cap, InactiveMonths: 1),
            (page, _) => { included.AddRange(page); return Task.CompletedTask; });

        var gold = Enumerable.Range(0, People).Where(IsGold).ToList();
        Assert.Equal(People + Anonymous, counts!.Evaluated);
        Assert.Equal(gold.Count, counts.Members);
        Assert.Equal(gold.Where(i => Expected(i) is null).Select(KeyOf).Order(), included.Select(r => r.SubjectKey).Order());
        Assert.All(included, r => Assert.Equal(EmailOf(r.SubjectKey), r.Email));
        var expectedCounts = gold.Select(Expected).OfType<string>().GroupBy(r => r).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expectedCounts, counts.Excluded);
        Assert.Equal(
            new[] { ExclusionReasons.NoEmail, ExclusionReasons.NoConsent, ExclusionReasons.Withdrawn, ExclusionReasons.Inactive, ExclusionReasons.FrequencyCap, "suppressed:Complained" }.Order(),
            expectedCounts.Keys.Order());
        var ledger = Get<CampaignSendLedger>();
        foreach (var i in gold.Where(i => Expected(i) is not null))
        {
            var record = await ledger.FindAsync(campaign, CampaignAudience.Step, KeyOf(i));
            Assert.Equal((SendStatus.Excluded, Expected(i)), (record!.Status, record.Detail));
        }
    }

    [Fact]
    public async Task AMembersEventsAreReadOnlyWhenTheGateLetsThemThroughAndTheirContactIsTooOldToShowLife()
    {
        await PlantContactsAsync();
        var segment = await SaveSegmentAsync();
        var campaign = "c-" + Guid.NewGuid().ToString("N")[..12];
        using var requests = new StorageRequests(fixture.ConnectionString);

        var counts = await Get<CampaignAudience>().ResolveAsync(
            new AudienceRequest(campaign, "marketing", segment, Cap, InactiveMonths: 1), (_, _) => Task.CompletedTask);

        // The contacts were given 60 days ago, so with one month of inactivity allowed everyone the gate lets through is in question.
        var gold = Enumerable.Range(0, People).Where(IsGold).ToList();
        var passedTheGate = gold.Where(i => Expected(i) is null or ExclusionReasons.Inactive or ExclusionReasons.FrequencyCap).Select(KeyOf);
        Assert.Equal(passedTheGate.Order(StringComparer.Ordinal), requests.PartitionsNamedIn("events").Order(StringComparer.Ordinal));
        Assert.Equal(gold.Select(Expected).OfType<string>().GroupBy(r => r).ToDictionary(g => g.Key, g => (long)g.Count()), counts!.Excluded);
    }

    [Fact]
    public async Task WhenTheContactShowsLifeNoMembersEventsAreRead()
    {
        await PlantContactsAsync();
        var segment = await SaveSegmentAsync();
        var campaign = "c-" + Guid.NewGuid().ToString("N")[..12];
        using var requests = new StorageRequests(fixture.ConnectionString);

        var counts = await Get<CampaignAudience>().ResolveAsync(
            new AudienceRequest(campaign, "marketing", segment, Cap, InactiveMonths: 3), (_, _) => Task.CompletedTask);

        Assert.Empty(requests.PartitionsNamedIn("events"));
        Assert.False(counts!.Excluded.ContainsKey(ExclusionReasons.Inactive));
    }

    [Fact]
    public async Task ResolvingAgainRecordsNoExclusionTwice()
    {
        await PlantContactsAsync();
        var segment = await SaveSegmentAsync();
        var campaign = "c-" + Guid.NewGuid().ToString("N")[..12];
        var request = new AudienceRequest(campaign, "marketing", segment, Cap, InactiveMonths: 1);

        var first = await Get<CampaignAudience>().ResolveAsync(request, (_, _) => Task.CompletedTask);
        var second = await Get<CampaignAudience>().ResolveAsync(request, (_, _) => Task.CompletedTask);

        Assert.Equal(first!.Excluded, second!.Excluded);
        var stored = Assert.Single(await Get<CampaignSendLedger>().CountsAsync(campaign));
        Assert.Equal(first.Excluded.Values.Sum(), stored.Excluded.Values.Sum());
    }

    [Fact]
    public async Task WithoutASegmentEveryContactIsDecidedFromTheContactsAndActivityAlone()
    {
        await PlantContactsAsync();
        var campaign = "c-" + Guid.NewGuid().ToString("N")[..12];
        var included = new List<CampaignRecipient>();

        var counts = await Get<CampaignAudience>().ResolveAsync(
            new AudienceRequest(campaign, "marketing", null, Cap, InactiveMonths: 1),
            (page, _) => { included.AddRange(page); return Task.CompletedTask; });

        var withContact = Enumerable.Range(0, People).Where(HasContact).ToList();
        Assert.Equal(withContact.Count, counts!.Members);
        Assert.Equal(withContact.Where(i => Expected(i) is null).Select(KeyOf).Order(), included.Select(r => r.SubjectKey).Order());
        Assert.False(counts.Excluded.ContainsKey(ExclusionReasons.NoEmail));
        Assert.Equal(withContact.Count(i => Expected(i) == ExclusionReasons.Inactive), counts.Excluded[ExclusionReasons.Inactive]);
    }

    [Fact]
    public async Task AnUnknownSegmentResolvesToNothing() =>
        Assert.Null(await Get<CampaignAudience>().ResolveAsync(new AudienceRequest("c-unknown", "marketing", "no-such-segment"), (_, _) => Task.CompletedTask));

    // Half of the gold people have an e-mail contact; of those, the rules below decide in the audience's order.
    private static bool HasContact(int i) => i % 6 == 0;

    private static string? Expected(int i) =>
        !HasContact(i) ? ExclusionReasons.NoEmail
        : i == Suppressed ? "suppressed:Complained"
        : WithdrewEmail(i) ? ExclusionReasons.Withdrawn
        : !GrantedEmail(i) ? ExclusionReasons.NoConsent
        : !OrderedRecently(i) ? ExclusionReasons.Inactive
        : i == Capped ? ExclusionReasons.FrequencyCap
        : null;

    private string KeyOf(int i) => Get<Pseudonymizer>().KeyOf(IdentityRef.User(UserOf(i))).Value;

    private static string EmailOf(string subjectKey) => $"{subjectKey[..12]}@example.cz";

    private async Task PlantContactsAsync()
    {
        var contacts = Get<ContactStore>();
        foreach (var i in Enumerable.Range(0, People).Where(HasContact))
        {
            var key = KeyOf(i);
            await contacts.PutAsync(key, new ContactPoints(new EmailAddress(EmailOf(key)), null), new ContactSource(ContactProvenance.Form, null, Now.AddDays(-60)));
        }

        await contacts.SuppressAsync(KeyOf(Suppressed), new ContactSuppression(ContactChannel.Any, SuppressionReason.Complained, Now.AddDays(-1)));
        await Get<CampaignFrequencyStore>().RecordAsync([new FrequencySend(KeyOf(Capped), "earlier-campaign", "main", Now.AddHours(-3))]);
    }

    private async Task<string> SaveSegmentAsync()
    {
        var id = "seg-" + Guid.NewGuid().ToString("N")[..12];
        await Get<SegmentStore>().CreateAsync(id, Gold, SegmentParser.Parse(Gold).Definition!);
        return id;
    }
}
