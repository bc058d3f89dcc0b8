using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Storage;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Consent;

[Collection(SharedAzurite.Name)]
public sealed class ConsentStoreTests(AzuriteFixture azurite)
{
    private ConsentStore Store => azurite.Services.Get<ConsentStore>();

    private static ConsentRequest Request(string subject, ConsentDecision decision, int minute) => new(
        subject, "ad-personalisation", ContactChannel.Any, decision, LegalBasis.Consent, CaptureChannel.Import,
        new DateTimeOffset(2026, 11, 22, 8, minute, 0, TimeSpan.Zero), new ConsentTextReference("ads", 1, "cs", new string('b', 64)), new ConsentEvidence(), "crm-import");

    [Fact]
    public async Task WritersAppendingAtOnceNeverForkTheChain()
    {
        var subject = UniqueId.New("subject");

        // More writers than a writer has attempts were it to lose every race but its last: none may give up.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Store.AppendAsync(Request(subject, i % 2 == 0 ? ConsentDecision.Granted : ConsentDecision.Withdrawn, i))));

        var view = (await Store.ReadAsync(subject))!;
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), view.History.Select(r => r.Sequence));
        Assert.Null(view.FirstBroken);
        Assert.Equal(ConsentDecision.Withdrawn, view.Status.Single().Decision);
    }

    [Fact]
    public async Task ARetriedRequestIsRecordedOnce()
    {
        var subject = UniqueId.New("subject");

        var first = await Store.AppendAsync(Request(subject, ConsentDecision.Granted, 1), requestId: "import-row-7");
        var again = await Store.AppendAsync(Request(subject, ConsentDecision.Granted, 1), requestId: "import-row-7");

        Assert.False(first.Repeated);
        Assert.True(again.Repeated);
        Assert.Equal(first.Record.Hash, again.Record.Hash);
        Assert.Single((await Store.ReadAsync(subject))!.History);
    }

    [Fact]
    public async Task ARecordChangedInStorageIsReportedAsBreakingTheChain()
    {
        var subject = UniqueId.New("subject");
        await Store.AppendAsync(Request(subject, ConsentDecision.Denied, 1));
        await Store.AppendAsync(Request(subject, ConsentDecision.Granted, 2));
        var table = azurite.Services.Get<EngagementStorage>().Consents;
        var oldest = (await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subject} and Sequence eq {1L}")).ToListAsync()).Single();
        oldest["Record"] = oldest.GetString("Record").Replace("\"Denied\"", "\"Granted\"", StringComparison.Ordinal);
        await table.UpdateEntityAsync(oldest, oldest.ETag, TableUpdateMode.Replace);

        var view = (await Store.ReadAsync(subject))!;

        Assert.Equal(1, view.FirstBroken);
    }

    [Fact]
    public async Task StatusesOfAPageOfSubjectsAreReadTogetherAndSubjectsWithNothingAreLeftOut()
    {
        var subjects = Enumerable.Range(0, 45).Select(_ => UniqueId.New("subject")).ToList();
        for (var i = 0; i < subjects.Count; i += 2)
        {
            await Store.AppendAsync(Request(subjects[i], ConsentDecision.Granted, 1));
            if (i % 4 == 0)
            {
                await Store.AppendAsync(Request(subjects[i], ConsentDecision.Withdrawn, 2));
            }
        }

        var statuses = await Store.StatusesOfAsync(subjects);

        Assert.Equal(subjects.Where((_, i) => i % 2 == 0).Order(StringComparer.Ordinal), statuses.Keys.Order(StringComparer.Ordinal));
        Assert.All(subjects.Where((_, i) => i % 2 == 0).Select((s, n) => (s, n)), x =>
            Assert.Equal(x.n % 2 == 0 ? ConsentDecision.Withdrawn : ConsentDecision.Granted, statuses[x.s].Single().Decision));
    }
}
