using Engagement.Core.Identity;
using Engagement.Core.Segments;
using Engagement.Infrastructure.Segments;
using Engagement.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static Engagement.Integration.Tests.Segments.SegmentAudienceFixture;

namespace Engagement.Integration.Tests.Segments;

/// <summary>Segments saved and evaluated over planted people on a real Azurite, streamed a page of profiles at a time.</summary>
[Collection(SegmentAudienceStore.Name)]
public sealed class SegmentAudienceTests(SegmentAudienceFixture fixture)
{
    private const string GoldRecentBuyersWithEmailConsent = """
        {"name":"Gold recent buyers","rule":{"all":[
          {"trait":{"path":"plan","op":"eq","value":"gold"}},
          {"event":{"name":"Order Completed","within":"P30D","count":{"op":"gte","n":2},"property":{"path":"total","op":"gt","value":100}}},
          {"consent":{"purpose":"marketing","channel":"email","status":"granted"}}
        ]}}
        """;

    private SegmentStore Store => fixture.Services.GetRequiredService<SegmentStore>();

    private SegmentAudience Audience => fixture.Services.GetRequiredService<SegmentAudience>();

    private async Task<string> SaveAsync(string json)
    {
        var id = "seg-" + Guid.NewGuid().ToString("N")[..12];
        var parsed = SegmentParser.Parse(json);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        var (outcome, _) = await Store.CreateAsync(id, json, parsed.Definition!);
        Assert.Equal(SegmentSaveOutcome.Created, outcome);
        return id;
    }

    [Fact]
    public async Task StreamedEvaluationCountsExactlyThePlantedMembers()
    {
        var id = await SaveAsync(GoldRecentBuyersWithEmailConsent);
        var expected = Enumerable.Range(0, People).Where(i => IsGold(i) && OrderedRecently(i) && GrantedEmail(i)).Select(UserOf).ToList();

        var preview = await Audience.PreviewAsync(id, sample: 100);

        Assert.NotNull(preview);
        Assert.Equal(expected.Count, preview.Count);
        Assert.Equal(People + Anonymous, preview.Evaluated);
        Assert.Equal(expected.Order(StringComparer.Ordinal), preview.Sample.Select(m => m.UserId!).Order(StringComparer.Ordinal));
        Assert.All(preview.Sample, m => Assert.Matches("^[0-9a-f]{16,}$", m.Key));
        Assert.Equal(Now, preview.EvaluatedAt);
    }

    [Fact]
    public async Task DidNotCountsPeopleKnownOnlyByTheirEventsToo()
    {
        var id = await SaveAsync("""{"name":"No recent order","rule":{"event":{"name":"Order Completed","within":"P30D","did":false}}}""");

        var preview = await Audience.PreviewAsync(id, sample: 0);

        Assert.Equal(Enumerable.Range(0, People).Count(i => !OrderedRecently(i)) + Anonymous, preview!.Count);
        Assert.Empty(preview.Sample);
    }

    [Fact]
    public async Task MembershipOfSavedSegmentsCombinesWithConsentAndTraits()
    {
        var noRecentOrder = await SaveAsync("""{"name":"No recent order","rule":{"event":{"name":"Order Completed","within":"P30D","did":false}}}""");
        var gold = await SaveAsync("""{"name":"Gold","rule":{"trait":{"path":"plan","op":"eq","value":"gold"}}}""");
        var id = await SaveAsync("""
            {"name":"Lapsed, withdrew e-mail, not gold","rule":{"all":[
              {"segment":{"id":"NO-RECENT-ORDER"}},
              {"consent":{"purpose":"marketing","channel":"email","status":"denied"}},
              {"not":{"segment":{"id":"GOLD"}}}
            ]}}
            """.Replace("NO-RECENT-ORDER", noRecentOrder, StringComparison.Ordinal).Replace("GOLD", gold, StringComparison.Ordinal));

        var preview = await Audience.PreviewAsync(id, sample: 5);

        Assert.Equal(Enumerable.Range(0, People).Count(i => !OrderedRecently(i) && WithdrewEmail(i) && !IsGold(i)), preview!.Count);
        Assert.Equal(5, preview.Sample.Count);
    }

    [Fact]
    public async Task TraitComparisonsAndEventValuesCountAcrossPages()
    {
        var id = await SaveAsync("""
            {"name":"Older small buyers","rule":{"all":[
              {"trait":{"path":"age","op":"gte","value":60}},
              {"event":{"name":"Order Completed","property":{"path":"total","op":"lt","value":100}}}
            ]}}
            """);

        var preview = await Audience.PreviewAsync(id, sample: 20);

        Assert.Equal(Enumerable.Range(0, People).Count(i => 20 + (i % 50) >= 60 && i % 4 == 1), preview!.Count);
    }

    [Fact]
    public async Task ATraitRuleReadsNobodysEventsAndFindsTheSameMembersAsEver()
    {
        var id = await SaveAsync("""{"name":"Gold","rule":{"trait":{"path":"plan","op":"eq","value":"gold"}}}""");
        using var requests = new StorageRequests(fixture.ConnectionString);

        var preview = await Audience.PreviewAsync(id, sample: People);

        Assert.Equal(Enumerable.Range(0, People).Where(IsGold).Select(UserOf).Order(StringComparer.Ordinal), preview!.Sample.Select(m => m.UserId!).Order(StringComparer.Ordinal));
        Assert.Equal(People + Anonymous, preview.Evaluated);
        // The events table is only scanned for the people known by events alone, never queried for a profile's identities.
        Assert.Empty(requests.PartitionsNamedIn("events"));
        Assert.NotEmpty(requests.FiltersOf("events"));
    }

    [Fact]
    public async Task AnAllOfRuleReadsTheEventsOnlyOfThoseWhoPassItsOtherConditions()
    {
        var id = await SaveAsync("""
            {"name":"Older small buyers","rule":{"all":[
              {"trait":{"path":"age","op":"gte","value":60}},
              {"event":{"name":"Order Completed","property":{"path":"total","op":"lt","value":100}}}
            ]}}
            """);
        var older = Enumerable.Range(0, People).Where(i => 20 + (i % 50) >= 60).ToList();
        var pseudonymizer = fixture.Services.GetRequiredService<Pseudonymizer>();
        using var requests = new StorageRequests(fixture.ConnectionString);

        var preview = await Audience.PreviewAsync(id, sample: People);

        Assert.Equal(older.Where(i => i % 4 == 1).Select(UserOf).Order(StringComparer.Ordinal), preview!.Sample.Select(m => m.UserId!).Order(StringComparer.Ordinal));
        Assert.Equal(
            older.Select(i => pseudonymizer.KeyOf(IdentityRef.User(UserOf(i))).Value).Order(StringComparer.Ordinal),
            requests.PartitionsNamedIn("events").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task APreviewOfAnUnknownSegmentIsNull()
    {
        Assert.Null(await Audience.PreviewAsync("no-such-segment", 20));
    }

    [Fact]
    public async Task ACancelledEvaluationStops()
    {
        var id = await SaveAsync(GoldRecentBuyersWithEmailConsent);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Audience.PreviewAsync(id, 20, cancelled.Token));
    }

    [Fact]
    public async Task ARepeatedCreateChangesNothingAndADifferentOneUnderTheSameIdIsAConflict()
    {
        var id = "seg-" + Guid.NewGuid().ToString("N")[..12];
        var definition = SegmentParser.Parse(GoldRecentBuyersWithEmailConsent).Definition!;
        var other = """{"name":"Gold","rule":{"trait":{"path":"plan","op":"eq","value":"gold"}}}""";

        var first = await Store.CreateAsync(id, GoldRecentBuyersWithEmailConsent, definition);
        var repeat = await Store.CreateAsync(id, GoldRecentBuyersWithEmailConsent, definition);
        var conflict = await Store.CreateAsync(id, other, SegmentParser.Parse(other).Definition!);

        Assert.Equal((SegmentSaveOutcome.Created, 1), (first.Outcome, first.Segment.Version));
        Assert.Equal((SegmentSaveOutcome.Repeated, 1), (repeat.Outcome, repeat.Segment.Version));
        Assert.Equal(SegmentSaveOutcome.Conflict, conflict.Outcome);
        Assert.Equal("Gold recent buyers", (await Store.GetAsync(id))!.Definition.Name);
    }

    [Fact]
    public async Task AnUpdateSavesTheNextVersionAndAStaleOneIsRefused()
    {
        var id = await SaveAsync(GoldRecentBuyersWithEmailConsent);
        var gold = """{"name":"Gold","rule":{"trait":{"path":"plan","op":"eq","value":"gold"}}}""";
        var silver = """{"name":"Silver","rule":{"trait":{"path":"plan","op":"eq","value":"silver"}}}""";

        var updated = await Store.UpdateAsync(id, gold, SegmentParser.Parse(gold).Definition!, ifMatchVersion: 1);
        var stale = await Store.UpdateAsync(id, silver, SegmentParser.Parse(silver).Definition!, ifMatchVersion: 1);
        var preview = await Audience.PreviewAsync(id, 0);

        Assert.Equal((SegmentUpdateOutcome.Updated, 2), (updated.Outcome, updated.Segment!.Version));
        Assert.Equal((SegmentUpdateOutcome.Stale, 2), (stale.Outcome, stale.Segment!.Version));
        Assert.Equal(2, preview!.Version);
        Assert.Equal(Enumerable.Range(0, People).Count(IsGold), preview.Count);
        Assert.Equal(SegmentUpdateOutcome.NotFound, (await Store.UpdateAsync("no-such-segment", gold, SegmentParser.Parse(gold).Definition!, null)).Outcome);
    }
}
