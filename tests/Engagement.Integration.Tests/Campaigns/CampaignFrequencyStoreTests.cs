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
    public async Task ASendRecordedAgainUnderAnotherDayCountsOnceAtItsEarliestTime()
    {
        var subject = UniqueId.New("s");
        // The first record just before midnight; the same send recorded again (after its sender stopped) just after.
        await Store.RecordAsync([new FrequencySend(subject, "c1", "main", new DateTimeOffset(2026, 11, 20, 23, 59, 59, 900, TimeSpan.Zero))]);
        await Store.RecordAsync([new FrequencySend(subject, "c1", "main", new DateTimeOffset(2026, 11, 21, 0, 0, 0, 50, TimeSpan.Zero))]);

        var history = await Store.ReadWeekOfAsync([subject], Now);

        Assert.Equal(2, (await Store.ExportAsync(subject)).Count);
        Assert.True(history.Allows(new FrequencyCap(null, 2), subject, "c2", "main", Now));
        Assert.False(history.Allows(new FrequencyCap(null, 1), subject, "c2", "main", Now));
        // Counted from when it first went out: 24 hours later it no longer counts for the day (the later copy would).
        var dayLater = new DateTimeOffset(2026, 11, 21, 23, 59, 59, 990, TimeSpan.Zero);
        Assert.True(history.Allows(new FrequencyCap(1, null), subject, "c2", "main", dayLater));
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

    [Fact]
    public async Task ADaysSendsAreSpreadOverPartitionsByTheFirstCharacterOfTheSubjectKey()
    {
        var run = Guid.NewGuid().ToString("N");
        var (early, late, old) = ("0" + run, "f" + run, "7" + run);
        await Store.RecordAsync(
        [
            new FrequencySend(early, "c1", "main", Now.AddHours(-1)),
            new FrequencySend(late, "c1", "main", Now.AddHours(-1)),
            new FrequencySend(old, "c1", "main", Now.AddDays(-20)),
        ]);
        var table = azurite.Services.Get<Infrastructure.Storage.EngagementStorage>().CampaignFrequency;

        var partitions = await table.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"CampaignId eq {"c1"} and (SubjectKey eq {early} or SubjectKey eq {late} or SubjectKey eq {old})"))
            .Select(r => r.PartitionKey).ToListAsync();
        var week = await Store.ReadWeekAsync(Now);
        await Store.DeleteOlderThanAsync(Now, 14);

        Assert.Equal(["20261102|7", "20261122|0", "20261122|f"], partitions.Order(StringComparer.Ordinal));
        Assert.False(week.Allows(new FrequencyCap(1, null), early, "c2", "main", Now));
        Assert.False(week.Allows(new FrequencyCap(1, null), late, "c2", "main", Now));
        Assert.True(week.Allows(new FrequencyCap(1, null), old, "c2", "main", Now));
        Assert.Empty(await Store.ExportAsync(old));
        Assert.Single(await Store.ExportAsync(late));
    }

    [Fact]
    public async Task ABatchWhoseKeysBeginOneAnotherStillFindsEverySend()
    {
        // A row key is the subject key and "|": the rows of "k" sort after those of "k0", so the range a batch reads
        // cannot simply run from the first key's rows to the last key's.
        var key = "a" + Guid.NewGuid().ToString("N");
        string[] keys = [key, key + "0", key + "00", key + "1"];
        await Store.RecordAsync(keys.Select(k => new FrequencySend(k, "c1", "main", Now.AddHours(-2))));

        var history = await Store.ReadWeekOfAsync(keys, Now);

        Assert.Equal(keys.Length, history.Subjects);
        Assert.All(keys, k => Assert.False(history.Allows(new FrequencyCap(1, null), k, "c2", "main", Now)));
    }

    [Fact]
    public async Task ASparseBatchReadsByNameOnceAPageOfItsRangeHoldsTooFewOfIt()
    {
        var prefix = "b" + Guid.NewGuid().ToString("N") + "-";
        var all = Enumerable.Range(0, 1100).Select(i => prefix + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        await Store.RecordAsync(all.Select(k => new FrequencySend(k, "c1", "main", Now.AddHours(-2))));
        string[] wanted = [all[0], all[550], all[1099]];
        using var requests = new StorageRequests(azurite.ConnectionString);

        var history = await Store.ReadWeekOfAsync(wanted, Now);

        Assert.Equal(3, history.Subjects);
        // One page of the range, then one query naming the three.
        Assert.Equal(2, requests.FiltersOf("campaignfrequency").Count);
    }
}
