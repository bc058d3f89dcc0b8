using System.Runtime.CompilerServices;
using System.Text.Json;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Core.Segments;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Segments;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>Whom a campaign is for.</summary>
/// <param name="CampaignId">The campaign; exclusions are recorded under it.</param>
/// <param name="Purpose">The consent purpose its e-mail is sent for (<c>marketing</c>).</param>
/// <param name="SegmentId">The saved segment whose members it reaches; null: every contact held.</param>
/// <param name="FrequencyCap">The campaign's frequency cap; null: the configured one.</param>
/// <param name="InactiveMonths">Months without a sign of life (an event, the contact given) after which a contact is left out; null: the configured number.</param>
public sealed record AudienceRequest(string CampaignId, string Purpose, string? SegmentId = null, FrequencyCap? FrequencyCap = null, int? InactiveMonths = null);

/// <summary>Someone a campaign may e-mail.</summary>
/// <param name="SubjectKey">Their pseudonymous subject key.</param>
/// <param name="Email">Their e-mail address.</param>
/// <param name="Name">Their name, when their profile gives one.</param>
/// <param name="Language">The language to write to them in, if known.</param>
/// <param name="TimeZone">Their time zone (IANA), when their profile gives one.</param>
public sealed record CampaignRecipient(string SubjectKey, string Email, string? Name, string? Language, string? TimeZone);

/// <summary>What resolving an audience found.</summary>
/// <param name="Evaluated">People looked at (every profile for a segment; every contact otherwise).</param>
/// <param name="Members">Of those, members of the segment (or contacts held).</param>
/// <param name="Included">Recipients handed on.</param>
/// <param name="Excluded">Members left out, per reason code (<see cref="ExclusionReasons"/>).</param>
public sealed record AudienceCounts(long Evaluated, long Members, long Included, IReadOnlyDictionary<string, long> Excluded);

/// <summary>
/// Resolves a campaign's audience: streams a segment's members (or every contact) part by part, finds each one's
/// e-mail contact point, decides with the contact gate for the campaign's purpose on e-mail, and leaves out the
/// inactive and those the frequency cap stops. What a part's decisions need is read for the whole part, a query per
/// table and key range (contacts with suppressions, the consent ledger) rather than per person, and a few parts are
/// read side by side; the events of a member the segment did not need them for are read only when the member's
/// activity is in question (the gate let them through and their contact is too old to show life). Decisions are then
/// taken in the members' storage order, a page of <see cref="PageSize"/> at a time: each page's recipients go to the
/// caller and its exclusions, with their reason codes, to the send ledger (step <see cref="Step"/>) before the next
/// page, so memory holds a few parts, the week's frequency history and what the segment stream itself keeps, never
/// the audience. Checks run cheapest-first and a member is left out for the first that fails: no e-mail, the contact
/// gate (suppression, then the consent ledger, then provenance), inactivity, the frequency cap.
/// </summary>
public sealed class CampaignAudience(
    SegmentStore segments,
    SegmentAudience segmentAudience,
    ContactStore contacts,
    ContactGate gate,
    CampaignFrequencyStore frequency,
    CampaignSendLedger ledger,
    EventStore events,
    Pseudonymizer pseudonymizer,
    IOptions<CampaignDeliveryOptions> options,
    TimeProvider clock)
{
    /// <summary>The ledger step audience exclusions are recorded under.</summary>
    public const string Step = "audience";

    /// <summary>Members decided together.</summary>
    public const int PageSize = 200;

    /// <summary>Parts whose contacts and ledgers are read at once.</summary>
    public const int Concurrency = 4;

    // Day partitions of the frequency store kept: a week of windows and a margin for late reports.
    private const int FrequencyDaysKept = 14;

    /// <summary>
    /// Resolves the audience, handing each page of recipients to <paramref name="include"/>; null when the segment does
    /// not exist. Running it again records no exclusion twice (the ledger keeps the first).
    /// </summary>
    public async Task<AudienceCounts?> ResolveAsync(
        AudienceRequest request,
        Func<IReadOnlyList<CampaignRecipient>, CancellationToken, Task> include,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(include);
        if (!CampaignMessageId.IsPart(request.CampaignId))
        {
            throw new ArgumentException($"The campaign id '{request.CampaignId}' may hold letters, digits, '-' and '_' only.", nameof(request));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(request.Purpose);
        var cap = request.FrequencyCap ?? options.Value.FrequencyCap.Cap();
        if (cap.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(request));
        }

        SavedSegment? segment = null;
        if (request.SegmentId is not null && (segment = await segments.GetAsync(request.SegmentId, cancellationToken)) is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        await frequency.DeleteOlderThanAsync(now, FrequencyDaysKept, cancellationToken);
        var history = cap == FrequencyCap.None ? new FrequencyHistory() : await frequency.ReadWeekAsync(now, cancellationToken);
        var run = new Resolution(request, cap, request.InactiveMonths ?? options.Value.InactiveMonths, history, now, include);
        var parts = segment is null ? ContactsAsync(run, cancellationToken) : SegmentMembersAsync(segment, run, cancellationToken);
        var reading = new Queue<Task<List<Prepared>>>();
        var page = new List<Prepared>(PageSize);
        try
        {
            await foreach (var part in parts)
            {
                reading.Enqueue(PrepareAsync(run, part, cancellationToken));
                if (reading.Count >= Concurrency)
                {
                    await TakeAsync(run, page, await reading.Dequeue(), cancellationToken);
                }
            }

            while (reading.TryDequeue(out var next))
            {
                await TakeAsync(run, page, await next, cancellationToken);
            }
        }
        finally
        {
            // A failed read or decision leaves nothing running behind the caller's back.
            await Task.WhenAll(reading).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        await DecideAsync(run, page, cancellationToken);
        return new AudienceCounts(run.Evaluated, run.Members, run.Included, run.Excluded.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
    }

    private async IAsyncEnumerable<AudiencePart> SegmentMembersAsync(SavedSegment segment, Resolution run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var all = await segments.AllAsync(cancellationToken);
        await foreach (var chunk in segmentAudience.MembersAsync(segment.Definition, all, run.Now, cancellationToken))
        {
            run.Evaluated += chunk.Evaluated;
            if (chunk.Members.Count == 0)
            {
                continue;
            }

            var members = new List<Member>(chunk.Members.Count);
            foreach (var match in chunk.Members)
            {
                var person = match.Person;
                // The contacts store and the ledger know people by their user id's key; someone known only by anonymous ids has no contact point.
                var subjectKey = person.UserId is { } userId ? pseudonymizer.KeyOf(IdentityRef.User(userId)).Value : null;
                DateTimeOffset? lastEvent = person.Events.Count == 0 ? null : person.Events.Max(e => e.Timestamp);
                members.Add(new Member(
                    subjectKey ?? person.Key, subjectKey is null, null, lastEvent, match.EventsRead ? null : match.IdentityKeys,
                    NameOf(person.Traits), Trait(person.Traits, "timezone", "timeZone", "time_zone")));
            }

            yield return new AudiencePart(members, chunk.Range);
        }
    }

    private async IAsyncEnumerable<AudiencePart> ContactsAsync(Resolution run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var members = new List<Member>(PageSize);
        await foreach (var card in contacts.AllAsync(cancellationToken))
        {
            run.Evaluated++;
            members.Add(new Member(card.SubjectKey, false, card, null, null, null, null));
            if (members.Count == PageSize)
            {
                // Contacts come in key order: a part's ledgers are one range.
                yield return new AudiencePart(members, PartitionRange.All);
                members = new List<Member>(PageSize);
            }
        }

        if (members.Count > 0)
        {
            yield return new AudiencePart(members, PartitionRange.All);
        }
    }

    // Reads what deciding a part's members needs: their contact cards, their ledgers, and the activity in question.
    private async Task<List<Prepared>> PrepareAsync(Resolution run, AudiencePart part, CancellationToken cancellationToken)
    {
        var identified = part.Members.Where(m => !m.Anonymous).ToList();
        var cards = await CardsAsync(identified, part.Range, cancellationToken);
        var partGate = await gate.ForRangeAsync(run.Request.Purpose, cards, part.Range, cancellationToken);
        var activity = await LastActivityAsync(run, identified, cancellationToken);
        // Events the segment did not need count only for those the gate lets through and whose other signs of life are too old.
        var inQuestion = identified
            .Where(m => m.UnreadEventsOf is not null && cards.GetValueOrDefault(m.SubjectKey) is { Email: not null } card
                && partGate.ExclusionOf(m.SubjectKey, ContactChannel.Email, run.Now) is null
                && ExclusionReasons.IsInactive(LastSignOfLife(m, card, activity), run.InactiveMonths, run.Now))
            .ToHashSet(ReferenceEqualityComparer.Instance);
        var latest = inQuestion.Count == 0
            ? new Dictionary<string, DateTimeOffset>()
            : await events.LatestEventTimesAsync(inQuestion.Cast<Member>().SelectMany(m => m.UnreadEventsOf!).Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
        return part.Members.Select(m =>
        {
            if (m.UnreadEventsOf is { } identities && inQuestion.Contains(m))
            {
                var times = identities.Where(latest.ContainsKey).Select(i => latest[i]).ToList();
                m = m with { LastEvent = times.Count == 0 ? null : times.Max() };
            }

            return new Prepared(m, m.Anonymous ? null : cards.GetValueOrDefault(m.SubjectKey), partGate, activity);
        }).ToList();
    }

    private async Task TakeAsync(Resolution run, List<Prepared> page, List<Prepared> prepared, CancellationToken cancellationToken)
    {
        foreach (var member in prepared)
        {
            page.Add(member);
            if (page.Count == PageSize)
            {
                await DecideAsync(run, page, cancellationToken);
                page.Clear();
            }
        }
    }

    private async Task DecideAsync(Resolution run, List<Prepared> page, CancellationToken cancellationToken)
    {
        if (page.Count == 0)
        {
            return;
        }

        run.Members += page.Count;
        var included = new List<CampaignRecipient>(page.Count);
        var excluded = new List<(string SubjectKey, string Reason)>();
        foreach (var (member, card, pageGate, activity) in page)
        {
            var reason = member.Anonymous || card?.Email is null ? ExclusionReasons.NoEmail
                : pageGate.ExclusionOf(member.SubjectKey, ContactChannel.Email, run.Now)
                ?? (ExclusionReasons.IsInactive(LastSignOfLife(member, card, activity), run.InactiveMonths, run.Now) ? ExclusionReasons.Inactive
                : run.History.Allows(run.Cap, member.SubjectKey, run.Request.CampaignId, Step, run.Now) ? null : ExclusionReasons.FrequencyCap);
            if (reason is null)
            {
                included.Add(new CampaignRecipient(member.SubjectKey, card!.Email!.Value.Value, member.Name, card.Language, member.TimeZone));
            }
            else
            {
                excluded.Add((member.SubjectKey, reason));
                run.Excluded[reason] = run.Excluded.GetValueOrDefault(reason) + 1;
            }
        }

        if (excluded.Count > 0)
        {
            await ledger.RecordExclusionsAsync(run.Request.CampaignId, Step, excluded, cancellationToken);
        }

        if (included.Count > 0)
        {
            run.Included += included.Count;
            await run.Include(included, cancellationToken);
        }
    }

    private async Task<IReadOnlyDictionary<string, ContactCard>> CardsAsync(List<Member> members, PartitionRange? range, CancellationToken cancellationToken)
    {
        if (members.All(m => m.Card is not null))
        {
            return members.ToDictionary(m => m.SubjectKey, m => m.Card!, StringComparer.Ordinal);
        }

        return await contacts.CardsOfAsync(members.Select(m => m.SubjectKey).Distinct(StringComparer.Ordinal).ToList(), range, cancellationToken);
    }

    // Members read from the contacts alone come without their events: their activity row says when they were last seen.
    private async Task<IReadOnlyDictionary<string, DateTimeOffset>> LastActivityAsync(Resolution run, List<Member> members, CancellationToken cancellationToken)
    {
        var unknown = members.Where(m => m.Card is not null && m.LastEvent is null).ToList();
        if (run.InactiveMonths == 0 || unknown.Count == 0)
        {
            return new Dictionary<string, DateTimeOffset>();
        }

        var found = await Task.WhenAll(unknown.Select(async m => (m.SubjectKey, Summary: await events.GetActivityAsync(m.SubjectKey, cancellationToken))));
        return found.Where(f => f.Summary?.LastSeen is not null).ToDictionary(f => f.SubjectKey, f => f.Summary!.LastSeen!.Value, StringComparer.Ordinal);
    }

    private static DateTimeOffset? LastSignOfLife(Member member, ContactCard card, IReadOnlyDictionary<string, DateTimeOffset> activity)
    {
        // When the contact was given counts; a later edit of the record (a CRM re-import) says nothing of the person.
        DateTimeOffset?[] signs = [member.LastEvent, activity.TryGetValue(member.SubjectKey, out var seen) ? seen : null, card.Source?.Since];
        return signs.Where(s => s is not null && s.Value > DateTimeOffset.MinValue).Max();
    }

    private static string? NameOf(IReadOnlyDictionary<string, JsonElement> traits)
    {
        var first = Trait(traits, "firstName", "first_name", "firstname");
        var last = Trait(traits, "lastName", "last_name", "lastname");
        var joined = string.Join(' ', new[] { first, last }.Where(n => !string.IsNullOrWhiteSpace(n)));
        return joined.Length > 0 ? joined : Trait(traits, "name");
    }

    private static string? Trait(IReadOnlyDictionary<string, JsonElement> traits, params string[] names)
    {
        foreach (var name in names)
        {
            if (traits.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
            {
                return text.Trim();
            }
        }

        return null;
    }

    /// <summary>
    /// A member of the audience as streamed: from the segment (with traits, and the latest event when the segment read
    /// events; otherwise the identities whose events are theirs) or from the contacts (with the card).
    /// </summary>
    private sealed record Member(
        string SubjectKey, bool Anonymous, ContactCard? Card, DateTimeOffset? LastEvent, IReadOnlyList<string>? UnreadEventsOf, string? Name, string? TimeZone);

    /// <summary>Members streamed together and the key range of their profiles (null when they do not come from one).</summary>
    private sealed record AudiencePart(List<Member> Members, PartitionRange? Range);

    /// <summary>A member with what deciding about them needs.</summary>
    private sealed record Prepared(Member Member, ContactCard? Card, AudienceGate Gate, IReadOnlyDictionary<string, DateTimeOffset> Activity);

    /// <summary>One resolution's settings and running counts.</summary>
    private sealed class Resolution(
        AudienceRequest request, FrequencyCap cap, int inactiveMonths, FrequencyHistory history, DateTimeOffset now,
        Func<IReadOnlyList<CampaignRecipient>, CancellationToken, Task> include)
    {
        public AudienceRequest Request => request;

        public FrequencyCap Cap => cap;

        public int InactiveMonths => inactiveMonths;

        public FrequencyHistory History => history;

        public DateTimeOffset Now => now;

        public Func<IReadOnlyList<CampaignRecipient>, CancellationToken, Task> Include => include;

        public long Evaluated { get; set; }

        public long Members { get; set; }

        public long Included { get; set; }

        public Dictionary<string, long> Excluded { get; } = new(StringComparer.Ordinal);
    }
}
