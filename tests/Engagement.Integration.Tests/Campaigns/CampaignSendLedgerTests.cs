using Azure.Data.Tables;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Subjects;
using Engagement.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Campaigns;

[Collection(SharedAzurite.Name)]
public sealed class CampaignSendLedgerTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private async Task<(CampaignSendLedger Ledger, SettableClock Clock, EngagementServices Services)> StartAsync()
    {
        var clock = new SettableClock(Now);
        var services = await azurite.CreateServicesAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        return (services.Get<CampaignSendLedger>(), clock, services);
    }

    private static List<PlannedSend> Recipients(int count, string variant = "A") =>
        Enumerable.Range(0, count).Select(i => new PlannedSend($"s{i:D4}", variant, $"m{i:D4}")).ToList();

    [Fact]
    public async Task ASendIsClaimedOnceHoweverOftenTheBatchComesAgain()
    {
        var (ledger, _, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        var batch = Recipients(250);

        var first = await ledger.ClaimAsync(campaign, "main", batch, Lease);
        await ledger.MarkSentAsync(campaign, "main", first.Take(200).Select(c => c.Send.SubjectKey));
        var again = await ledger.ClaimAsync(campaign, "main", batch, Lease);

        Assert.Equal(250, first.Count);
        Assert.All(first, c => Assert.False(c.Resend));
        // The 50 not yet confirmed are still within their lease: their sender may be sending them right now.
        Assert.Empty(again);
        var counts = Assert.Single(await ledger.CountsAsync(campaign));
        Assert.Equal((200, 50, 0), (counts.Sent, counts.Claimed, counts.Failed));
    }

    [Fact]
    public async Task ABatchWhoseClaimsPartlyExistClaimsTheRestAndTakesOverOnlyTheClaimsOfAStoppedSender()
    {
        var (ledger, clock, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        // s0 went out; s1 and s2 were claimed by a sender that stopped; s3 is being sent by another sender right now.
        await ledger.ClaimAsync(campaign, "main", Recipients(3), Lease);
        await ledger.MarkSentAsync(campaign, "main", ["s0000"]);
        clock.Advance(Lease + TimeSpan.FromSeconds(1));
        await ledger.ClaimAsync(campaign, "main", Recipients(4).Skip(3).ToList(), Lease);

        var claims = await ledger.ClaimAsync(campaign, "main", Recipients(6, "B"), Lease);

        Assert.Equal(["s0001", "s0002", "s0004", "s0005"], claims.Select(c => c.Send.SubjectKey).Order());
        Assert.Equal(["s0001", "s0002"], claims.Where(c => c.Resend).Select(c => c.Send.SubjectKey).Order());
        // A takeover keeps the variant and Message-ID of the first claim; the fresh claims are the batch's own.
        Assert.All(claims.Where(c => c.Resend), c => Assert.Equal(("A", "m" + c.Send.SubjectKey[1..]), (c.Send.Variant, c.Send.MessageId)));
        Assert.All(claims.Where(c => !c.Resend), c => Assert.Equal("B", c.Send.Variant));
        var counts = await ledger.CountsAsync(campaign);
        Assert.Equal((1, 3), (counts.Single(c => c.Variant == "A").Sent, counts.Single(c => c.Variant == "A").Claimed));
        Assert.Equal(2, counts.Single(c => c.Variant == "B").Claimed);
    }

    [Fact]
    public async Task AClaimWhoseSenderStoppedIsTakenOverWithTheSameMessageIdOnce()
    {
        var (ledger, clock, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        await ledger.ClaimAsync(campaign, "main", Recipients(3), Lease);
        await ledger.MarkSentAsync(campaign, "main", ["s0000"]);
        clock.Advance(Lease + TimeSpan.FromSeconds(1));

        // The redelivered batch plans other Message-IDs (a new variant draw, say): the stored ones win.
        var takeover = await ledger.ClaimAsync(campaign, "main", Recipients(3, "B").Select(s => s with { MessageId = "other" + s.MessageId }).ToList(), Lease);
        var secondTakeover = await ledger.ClaimAsync(campaign, "main", Recipients(3), Lease);

        Assert.Equal(["s0001", "s0002"], takeover.Select(c => c.Send.SubjectKey).Order());
        Assert.All(takeover, c => Assert.True(c.Resend));
        Assert.Equal(["m0001", "m0002"], takeover.Select(c => c.Send.MessageId).Order());
        Assert.All(takeover, c => Assert.Equal("A", c.Send.Variant));
        Assert.Empty(secondTakeover);
    }

    [Fact]
    public async Task AClaimTheSameClaimantLeftBehindIsTakenBackAtOnceAndNobodyElsesIs()
    {
        var (ledger, _, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        await ledger.ClaimAsync(campaign, "main", Recipients(2), Lease, claimant: "campaign-1/send-main-1-1");

        // The same command runs again after its host died, well within the lease; another command may not touch them.
        var other = await ledger.ClaimAsync(campaign, "main", Recipients(2), Lease, claimant: "campaign-1/send-main-1-2");
        var again = await ledger.ClaimAsync(campaign, "main", Recipients(2), Lease, claimant: "campaign-1/send-main-1-1");

        Assert.Empty(other);
        Assert.Equal(["s0000", "s0001"], again.Select(c => c.Send.SubjectKey).Order());
        Assert.All(again, c => Assert.True(c.Resend));
        Assert.All(again, c => Assert.Equal(Now, c.FirstClaimedAt));
    }

    [Fact]
    public async Task AReleasedClaimIsClaimedAfreshAndAFailureIsNeverRetried()
    {
        var (ledger, _, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        await ledger.ClaimAsync(campaign, "main", Recipients(2), Lease);
        await ledger.ReleaseAsync(campaign, "main", ["s0000"]);
        await ledger.MarkFailedAsync(campaign, "main", [("s0001", "550 5.1.1 mailbox unknown")]);

        var again = await ledger.ClaimAsync(campaign, "main", Recipients(2), Lease);

        Assert.Equal("s0000", Assert.Single(again).Send.SubjectKey);
        Assert.False(again[0].Resend);
        var failed = await ledger.FindAsync(campaign, "main", "s0001");
        Assert.Equal(SendStatus.Failed, failed!.Status);
        Assert.Equal("550 5.1.1 mailbox unknown", failed.Detail);
    }

    [Fact]
    public async Task ExclusionsAreCountedByReasonAndKeepTheirFirstReason()
    {
        var (ledger, _, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        await ledger.RecordExclusionsAsync(campaign, "audience", [("s1", "noConsent"), ("s2", "suppressed:Bounced"), ("s3", "noConsent")]);
        await ledger.RecordExclusionsAsync(campaign, "audience", [("s1", "frequencyCap")]);
        await ledger.ClaimAsync(campaign, "test", [new PlannedSend("s4", "B", "m4")], Lease);

        var counts = await ledger.CountsAsync(campaign);
        var excluded = counts.Single(c => c.Step == "audience");
        var records = await ledger.ReadAsync(campaign, "audience").ToListAsync();

        Assert.Equal(2, excluded.Excluded["noConsent"]);
        Assert.Equal(1, excluded.Excluded["suppressed:Bounced"]);
        Assert.False(excluded.Excluded.ContainsKey("frequencyCap"));
        Assert.Equal(3, records.Count);
        Assert.Equal((1, "B"), (counts.Single(c => c.Step == "test").Claimed, counts.Single(c => c.Step == "test").Variant));
    }

    [Fact]
    public async Task StepsThatCouldBreakTheRowKeyAreRefused()
    {
        var (ledger, _, _) = await StartAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => ledger.ClaimAsync("camp", "main|x", Recipients(1), Lease));
    }

    [Fact]
    public async Task SubjectExportListsTheSendsAndErasureRemovesThem()
    {
        var (ledger, _, services) = await StartAsync();
        var userId = UniqueId.New("user");
        var subjectKey = services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(userId)).Value;
        var campaign = UniqueId.New("camp");
        await ledger.ClaimAsync(campaign, "main", [new PlannedSend(subjectKey, "A", "m1")], Lease);
        await ledger.MarkSentAsync(campaign, "main", [subjectKey]);
        await ledger.RecordExclusionsAsync(campaign, "reminder", [(subjectKey, "unsubscribed")]);
        var rights = services.Get<SubjectRights>();

        var export = await rights.ExportAsync(userId);
        var erased = await rights.EraseAsync(userId);

        Assert.Equal([SendStatus.Sent, SendStatus.Excluded], export!.CampaignSends.Select(s => s.Status).Order());
        Assert.Equal(2, erased.CampaignSends);
        Assert.Empty(await ledger.ExportAsync(subjectKey));
    }

    // Subject keys as pseudonyms look: lowercase hexadecimal, here one starting with each digit, unique to the test.
    private static List<string> KeysOverEveryPartition() =>
        "0123456789abcdef".Select(first => first + Guid.NewGuid().ToString("N")[1..]).ToList();

    private static async Task<List<TableEntity>> StoredRowsAsync(EngagementServices services, string campaign) =>
        await services.Get<EngagementStorage>().CampaignSends.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"CampaignId eq {campaign}")).ToListAsync();

    [Fact]
    public async Task ACampaignSpreadsOverAPartitionPerFirstKeyDigitAndIsStillReadCountedFoundExportedAndErasedWhole()
    {
        var (ledger, _, services) = await StartAsync();
        var campaign = UniqueId.New("camp");
        var keys = KeysOverEveryPartition();
        await ledger.ClaimAsync(campaign, "main", keys.Select(k => new PlannedSend(k, "A", "m" + k)).ToList(), Lease);
        await ledger.MarkSentAsync(campaign, "main", keys.Take(8));
        await ledger.RecordExclusionsAsync(campaign, "audience", [(keys[0], "noConsent"), (keys[15], "suppressed:Bounced")]);

        var stored = await StoredRowsAsync(services, campaign);
        var counts = await ledger.CountsAsync(campaign);
        var mainStep = await ledger.ReadAsync(campaign, "main").ToListAsync();
        var everyStep = await ledger.ReadAsync(campaign).ToListAsync();
        var found = await Task.WhenAll(keys.Select(k => ledger.FindAsync(campaign, "main", k)));
        var exported = await ledger.ExportAsync(keys[15]);

        Assert.Equal(18, stored.Count);
        Assert.All(stored, r => Assert.Equal($"{campaign}|{r.GetString("SubjectKey")![0]}", r.PartitionKey));
        Assert.Equal(16, stored.Select(r => r.PartitionKey).Distinct().Count());
        Assert.Equal((8, 8), (counts.Single(c => c.Step == "main").Sent, counts.Single(c => c.Step == "main").Claimed));
        Assert.Equal(2, counts.Single(c => c.Step == "audience").Excluded.Values.Sum());
        Assert.Equal(keys, mainStep.Select(r => r.SubjectKey).Order(StringComparer.Ordinal));
        Assert.Equal(18, everyStep.Count);
        Assert.All(everyStep, r => Assert.Equal(campaign, r.CampaignId));
        Assert.All(found, r => Assert.Equal(campaign, r!.CampaignId));
        Assert.Equal([SendStatus.Claimed, SendStatus.Excluded], exported.Select(r => r.Status).Order());
        Assert.All(exported, r => Assert.Equal(campaign, r.CampaignId));

        Assert.Equal(2, await ledger.EraseAsync(keys[15]));
        Assert.Null(await ledger.FindAsync(campaign, "main", keys[15]));
        Assert.Equal(1, (await ledger.CountsAsync(campaign)).Single(c => c.Step == "audience").Excluded.Values.Sum());
    }

    [Fact]
    public async Task AMarkThatWritesAnErasedSendAgainStillNamesItsCampaign()
    {
        var (ledger, _, services) = await StartAsync();
        var campaign = UniqueId.New("camp");
        var key = KeysOverEveryPartition()[10];
        await ledger.ClaimAsync(campaign, "main", [new PlannedSend(key, "A", "m1")], Lease);
        await ledger.EraseAsync(key);

        // The relay's answer arrives after the erasure: the merge writes a row of its own.
        await ledger.MarkSentAsync(campaign, "main", [key]);

        var row = Assert.Single(await StoredRowsAsync(services, campaign));
        Assert.Equal($"{campaign}|{key[0]}", row.PartitionKey);
        Assert.Equal(campaign, (await ledger.FindAsync(campaign, "main", key))!.CampaignId);
        Assert.Equal(campaign, Assert.Single(await ledger.ReadAsync(campaign, "main").ToListAsync()).CampaignId);
        Assert.Equal(1, await ledger.EraseAsync(key));
    }

    [Fact]
    public async Task CampaignsWhoseIdsBeginAlikeNeverSeeEachOthersSends()
    {
        var (ledger, _, _) = await StartAsync();
        var campaign = UniqueId.New("c1");
        // Ids that begin with the other's: a letter, a digit, '-' and '_' next.
        var alike = new[] { campaign + "x", campaign + "0", campaign + "-", campaign + "_" };
        var keys = KeysOverEveryPartition();
        await ledger.ClaimAsync(campaign, "main", keys.Take(4).Select(k => new PlannedSend(k, "A", "m" + k)).ToList(), Lease);
        foreach (var other in alike)
        {
            await ledger.ClaimAsync(other, "main", keys.Select(k => new PlannedSend(k, "B", "m" + k)).ToList(), Lease);
            await ledger.RecordExclusionsAsync(other, "audience", [(keys[0], "noConsent")]);
        }

        var counts = Assert.Single(await ledger.CountsAsync(campaign));
        var records = await ledger.ReadAsync(campaign).ToListAsync();
        var stepRecords = await ledger.ReadAsync(campaign, "main").ToListAsync();
        var otherCounts = await Task.WhenAll(alike.Select(o => ledger.CountsAsync(o)));
        var otherRecords = await Task.WhenAll(alike.Select(o => ledger.ReadAsync(o).ToListAsync().AsTask()));

        Assert.Equal(("A", 4), (counts.Variant, counts.Claimed));
        Assert.Equal(4, records.Count);
        Assert.All(records, r => Assert.Equal((campaign, "A"), (r.CampaignId, r.Variant)));
        Assert.Equal(4, stepRecords.Count);
        Assert.All(otherCounts, c => Assert.Equal((16, 1), (c.Single(s => s.Step == "main").Claimed, c.Single(s => s.Step == "audience").Excluded["noConsent"])));
        Assert.All(otherRecords.Zip(alike), o => Assert.All(o.First, r => Assert.Equal((o.Second, 17), (r.CampaignId, o.First.Count))));
    }

    [Fact]
    public async Task ABatchOverManyPartitionsPartlyHeldByAnotherSenderClaimsExactlyTheRestInTheBatchsOrder()
    {
        var (ledger, _, _) = await StartAsync();
        var campaign = UniqueId.New("camp");
        // 16 partitions, 15 recipients in each but the 'f' one, out of key order; every third is being sent by another sender.
        var batch = Enumerable.Range(0, 15 * 15)
            .Select(i => new PlannedSend($"{"0123456789abcde"[(i * 7) % 15]}{i:D3}{Guid.NewGuid():N}", "A", $"m{i}"))
            .Append(new PlannedSend("f" + Guid.NewGuid().ToString("N"), "A", "mf"))
            .ToList();
        var heldElsewhere = batch.Where((_, i) => i % 3 == 0).ToList();
        await ledger.ClaimAsync(campaign, "main", heldElsewhere, Lease, claimant: "campaign-1/send-main-1-1");

        var claims = await ledger.ClaimAsync(campaign, "main", batch, Lease, claimant: "campaign-1/send-main-1-2");
        var again = await ledger.ClaimAsync(campaign, "main", batch, Lease, claimant: "campaign-1/send-main-1-3");

        Assert.Equal(batch.Except(heldElsewhere).Select(s => s.SubjectKey), claims.Select(c => c.Send.SubjectKey));
        Assert.All(claims, c => Assert.False(c.Resend));
        Assert.Empty(again);
        Assert.Equal(batch.Count, Assert.Single(await ledger.CountsAsync(campaign)).Claimed);
    }
}
