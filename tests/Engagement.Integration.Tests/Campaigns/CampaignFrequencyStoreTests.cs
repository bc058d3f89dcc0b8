using Engagement.Core.Campaigns;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Subjects;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Campaigns;

[Collection(SharedAzurite.Name)]
public sealed class CampaignFrequencyStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    private CampaignFrequencyStore Store => azurite.Services.Get<CampaignFrequencyStore>();

    [Fact]
    public async Task ABatchReadsOnlyItsRecipientsSendsOfTheLastWeek()
    {
        var (a, b, other) = (UniqueId.New("s"), UniqueId.New("s"), UniqueId.New("s"));
        await Store.RecordAsync(
        [
            new FrequencySend(a, "c1", "main", Now.AddHours(-3)),
            new FrequencySend(a, "c2", "main", Now.AddDays(-3)),
            new FrequencySend(b, "c1", "main", Now.AddDays(-8)),
            new FrequencySend(other, "c1", "main", Now.AddHours(-1)),
        ]);

        var history = await Store.ReadWeekOfAsync([a, b], Now);

        Assert.Equal(1, history.Subjects);
        Assert.False(history.Allows(new FrequencyCap(1, null), a, "c3", "main", Now));
        Assert.False(history.Allows(new FrequencyCap(null, 2), a, "c3", "main", Now));
        Assert.True(history.Allows(new FrequencyCap(1, 2), b, "c3", "main", Now));
    }

    [Fact]
    public async Task RecordingTheSameSendTwiceCountsItOnce()
    {
        var subject = UniqueId.New("s");
        var send = new FrequencySend(subject, "c1", "main", Now.AddHours(-2));

        await Store.RecordAsync([send]);
        await Store.RecordAsync([send]);

        Assert.True((await Store.ReadWeekOfAsync([subject], Now)).Allows(new FrequencyCap(null, 2), subject, "c9", "main", Now));
        Assert.Single(await Store.ExportAsync(subject));
    }

    [Fact]
    public async Task TheStepBeingSentDoesNotCountAgainstItself()
    {
        var subject = UniqueId.New("s");
        await Store.RecordAsync([new FrequencySend(subject, "c1", "main", Now.AddHours(-2))]);

        var history = await Store.ReadWeekAsync(Now);

        Assert.True(history.Allows(new FrequencyCap(1, 1), subject, "c1", "main", Now));
        Assert.False(history.Allows(new FrequencyCap(1, 1), subject, "c1", "reminder", Now));
    }

    [Fact]
    public async Task SubjectExportListsTheCountedSendsAndErasureRemovesThem()
    {
        var services = azurite.Services;
        var userId = UniqueId.New("user");
        var subjectKey = services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value;
        await Store.RecordAsync([new FrequencySend(subjectKey, "c1", "main", Now.AddDays(-1)), new FrequencySend(subjectKey, "c2", "main", Now)]);
        var rights = services.Get<SubjectRights>();

        var export = await rights.ExportAsync(userId);
        var erased = await rights.EraseAsync(userId);

        Assert.Equal(["c1", "c2"], export!.CampaignFrequency.Select(s => s.CampaignId));
        Assert.Equal(2, erased.CampaignFrequency);
        Assert.Empty(await Store.ExportAsync(subjectKey));
    }
}
