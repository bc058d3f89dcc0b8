using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Storage;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Contacts;

[Collection(SharedAzurite.Name)]
public sealed class ContactStoreTests(AzuriteFixture azurite)
{
    private static readonly ContactSource FromOrder = new(ContactProvenance.Order, "order 1042", new DateTimeOffset(2026, 10, 1, 8, 0, 0, TimeSpan.Zero));

    private ContactStore Store => azurite.Services.Get<ContactStore>();

    private EngagementStorage Storage => azurite.Services.Get<EngagementStorage>();

    private static PhoneNumber UniquePhone() => new("+420" + Random.Shared.Next(600_000_000, 799_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task AContactIsFoundByItsPhoneThroughAnIndexThatHoldsNoNumber()
    {
        var subject = UniqueId.New("subject");
        var phone = UniquePhone();

        var written = await Store.PutAsync(subject, new ContactPoints(new EmailAddress("jana@example.cz"), phone), FromOrder);
        var found = await Store.SubjectsWithPhoneAsync(phone);

        Assert.Equal(ContactWriteOutcome.Created, written.Outcome);
        Assert.Equal([subject], found);
        var index = await Storage.ContactIndex.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {subject}")).ToListAsync();
        Assert.Equal(2, index.Count);
        Assert.All(index, row => Assert.DoesNotContain(phone.Value.TrimStart('+'), row.PartitionKey, StringComparison.Ordinal));
        Assert.All(index, row => Assert.DoesNotContain("jana", row.PartitionKey, StringComparison.Ordinal));
        Assert.All(index, row => Assert.DoesNotContain(row.Keys, k => k is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")));
    }

    [Fact]
    public async Task WritingTheSameContactAgainChangesNothingAndKeepsWhenItsSourceBegan()
    {
        var subject = UniqueId.New("subject");
        var points = new ContactPoints(null, UniquePhone());
        await Store.PutAsync(subject, points, FromOrder);

        var again = await Store.PutAsync(subject, points, FromOrder with { Since = FromOrder.Since.AddDays(30) });

        Assert.Equal(ContactWriteOutcome.Unchanged, again.Outcome);
        Assert.Equal(FromOrder.Since, again.Card!.Source!.Since);
    }

    [Fact]
    public async Task ANewNumberMovesTheIndexAndTheOldNumberNoLongerFindsTheSubject()
    {
        var subject = UniqueId.New("subject");
        var (old, current) = (UniquePhone(), UniquePhone());
        await Store.PutAsync(subject, new ContactPoints(null, old), FromOrder);

        var updated = await Store.PutAsync(subject, new ContactPoints(null, current), FromOrder);

        Assert.Equal(ContactWriteOutcome.Updated, updated.Outcome);
        Assert.Empty(await Store.SubjectsWithPhoneAsync(old));
        Assert.Equal([subject], await Store.SubjectsWithPhoneAsync(current));
        Assert.Single(await Storage.ContactIndex.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {subject}")).ToListAsync());
    }

    [Fact]
    public async Task AWriteOverAnOlderVersionIsRefusedAndConcurrentWritersLeaveOneConsistentContact()
    {
        var subject = UniqueId.New("subject");
        var first = await Store.PutAsync(subject, new ContactPoints(null, UniquePhone()), FromOrder);
        await Store.PutAsync(subject, new ContactPoints(null, UniquePhone()), FromOrder);

        var stale = await Store.PutAsync(subject, new ContactPoints(null, UniquePhone()), FromOrder, ifMatch: first.Card!.ETag);
        var phones = Enumerable.Range(0, 8).Select(_ => UniquePhone()).ToList();
        await Task.WhenAll(phones.Select(p => Store.PutAsync(subject, new ContactPoints(null, p), FromOrder)));

        Assert.Equal(ContactWriteOutcome.VersionMismatch, stale.Outcome);
        var card = (await Store.ReadAsync(subject))!;
        Assert.Contains(card.Phone!.Value, phones);
        Assert.Equal([subject], await Store.SubjectsWithPhoneAsync(card.Phone!.Value));
        foreach (var other in phones.Where(p => p != card.Phone))
        {
            Assert.Empty(await Store.SubjectsWithPhoneAsync(other));
        }
    }

    [Fact]
    public async Task ASuppressionIsAddedOnceAndLiftingItIsRecorded()
    {
        var subject = UniqueId.New("subject");
        var stop = new ContactSuppression(ContactChannel.Sms, SuppressionReason.StopReply, DateTimeOffset.UtcNow.AddMinutes(-1), Note: "reply SMS 1");

        var added = await Store.SuppressAsync(subject, stop);
        var again = await Store.SuppressAsync(subject, stop with { Reason = SuppressionReason.Manual });
        var lifted = await Store.LiftAsync(subject, ContactChannel.Sms, "customer asked by phone");
        var liftedAgain = await Store.LiftAsync(subject, ContactChannel.Sms, null);

        Assert.True(added.Added);
        Assert.False(again.Added);
        Assert.Equal(SuppressionReason.StopReply, again.Suppression.Reason);
        Assert.NotNull(lifted?.LiftedAt);
        Assert.Null(liftedAgain);
        var card = (await Store.ReadAsync(subject))!;
        Assert.Empty(card.Suppressions);
        var record = Assert.Single(card.Lifted);
        Assert.Equal(("customer asked by phone", SuppressionReason.StopReply), (record.LiftNote, record.Reason));
        Assert.Empty((await Store.FactsOfAsync(subject)).Suppressions);
    }

    [Fact]
    public async Task AnExpiredSuppressionIsKeptAsLiftedWhenANewOneTakesItsPlace()
    {
        var subject = UniqueId.New("subject");
        var now = DateTimeOffset.UtcNow;
        await Store.SuppressAsync(subject, new ContactSuppression(ContactChannel.Email, SuppressionReason.Bounced, now.AddDays(-200), now.AddDays(-20)));

        var renewed = await Store.SuppressAsync(subject, new ContactSuppression(ContactChannel.Email, SuppressionReason.Complained, now.AddMinutes(-1)));

        Assert.True(renewed.Added);
        var card = (await Store.ReadAsync(subject))!;
        Assert.Equal(SuppressionReason.Complained, Assert.Single(card.Suppressions).Reason);
        Assert.Equal("expired", Assert.Single(card.Lifted).LiftNote);
    }

    [Fact]
    public async Task EveryonesFactsAreReadInOnePassWithoutContactPoints()
    {
        var (unknown, suppressed) = (UniqueId.New("subject"), UniqueId.New("subject"));
        await Store.PutAsync(unknown, new ContactPoints(null, UniquePhone()), new ContactSource(ContactProvenance.Unknown, null, DateTimeOffset.UtcNow));
        await Store.SuppressAsync(suppressed, new ContactSuppression(ContactChannel.Any, SuppressionReason.Manual, DateTimeOffset.UtcNow.AddMinutes(-1)));

        var facts = await Store.AllFactsAsync();

        Assert.Equal(ContactProvenance.Unknown, facts[unknown].Provenance);
        Assert.Empty(facts[unknown].Suppressions);
        Assert.Null(facts[suppressed].Provenance);
        Assert.Equal(ContactChannel.Any, Assert.Single(facts[suppressed].Suppressions).Channel);
    }

    [Fact]
    public async Task ErasureRemovesTheContactItsSuppressionsAndEveryIndexEntry()
    {
        var subject = UniqueId.New("subject");
        var phone = UniquePhone();
        await Store.PutAsync(subject, new ContactPoints(new EmailAddress("erase@example.cz"), phone), FromOrder);
        await Store.SuppressAsync(subject, new ContactSuppression(ContactChannel.Email, SuppressionReason.Unsubscribed, DateTimeOffset.UtcNow.AddMinutes(-1)));

        var (rows, index) = await Store.EraseAsync(subject);

        Assert.Equal((2, 2), (rows, index));
        Assert.Null(await Store.ReadAsync(subject));
        Assert.Empty(await Store.SubjectsWithPhoneAsync(phone));
        Assert.Empty(await Storage.ContactIndex.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {subject}")).ToListAsync());
        Assert.NotEqual(azurite.Services.Get<Pseudonymizer>().KeyOf(phone).Value, phone.Value);
    }
}
