using System.Runtime.CompilerServices;
using System.Text.Json;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Core.Segments;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Segments;
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
/// Resolves a campaign's audience: streams a segment's members (or every contact) a page at a time, finds each one's
/// e-mail contact point, decides with the contact gate for the campaign's purpose on e-mail, and leaves out the
/// inactive and those the frequency cap stops. Each page's recipients go to the caller and its exclusions, with their
/// reason codes, to the send ledger (step <see cref="Step"/>) before the next page is read, so memory holds a page,
/// the week's frequency history and what the segment stream itself keeps, never the audience.
/// Checks run cheapest-first and a member is left out for the first that fails: no e-mail, the contact gate
/// (suppression, then the consent ledger, then provenance), inactivity, the frequency cap.
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
        var members = segment is null ? ContactsAsync(run, cancellationToken) : SegmentMembersAsync(segment, run, cancellationToken);
        var page = new List<Member>(PageSize);
        await foreach (var member in members)
        {
            page.Add(member);
            if (page.Count == PageSize)
            {
                await DecideAsync(run, page, cancellationToken);
                page.Clear();
            }
        }

        await DecideAsync(run, page, cancellationToken);
        return new AudienceCounts(run.Evaluated, run.Members, run.Included, run.Excluded.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
    }

    private async IAsyncEnumerable<Member> SegmentMembersAsync(SavedSegment segment, Resolution run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var all = await segments.AllAsync(cancellationToken);
        var evaluator = new SegmentEvaluator(all);
        await foreach (var person in segmentAudience.PeopleAsync(SegmentAudience.NeedsOf(segment.Definition, all), run.Now, cancellationToken))
        {
            run.Evaluated++;
            if (!evaluator.Matches(segment.Definition, person, run.Now))
            {
                continue;
            }

            // The contacts store and the ledger know people by their user id's key; someone known only by anonymous ids has no contact point.
            var subjectKey = person.UserId is { } userId ? pseudonymizer.KeyOf(IdentityRef.User(userId)).Value : null;
            DateTimeOffset? lastEvent = person.Events.Count == 0 ? null : person.Events.Max(e => e.Timestamp);
            yield return new Member(subjectKey ?? person.Key, subjectKey is null, null, lastEvent, NameOf(person.Traits), Trait(person.Traits, "timezone", "timeZone", "time_zone"));
        }
    }

    private async IAsyncEnumerable<Member> ContactsAsync(Resolution run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var card in contacts.AllAsync(cancellationToken))
        {
            run.Evaluated++;
            yield return new Member(card.SubjectKey, false, card, null, null, null);
        }
    }

    private async Task DecideAsync(Resolution run, List<Member> page, CancellationToken cancellationToken)
    {
        if (page.Count == 0)
        {
            return;
        }

        run.Members += page.Count;
        var identified = page.Where(m => !m.Anonymous).ToList();
        var cards = await CardsAsync(identified, cancellationToken);
        var pageGate = await gate.ForPageAsync(run.Request.Purpose, cards, cancellationToken);
        var activity = await LastActivityAsync(run, identified, cancellationToken);
        var included = new List<CampaignRecipient>(page.Count);
        var excluded = new List<(string SubjectKey, string Reason)>();
        foreach (var member in page)
        {
            var card = cards.GetValueOrDefault(member.SubjectKey);
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

    private async Task<IReadOnlyDictionary<string, ContactCard>> CardsAsync(List<Member> members, CancellationToken cancellationToken)
    {
        if (members.All(m => m.Card is not null))
        {
            return members.ToDictionary(m => m.SubjectKey, m => m.Card!, StringComparer.Ordinal);
        }

        return await contacts.CardsOfAsync(members.Select(m => m.SubjectKey), cancellationToken);
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

    /// <summary>A member of the audience as streamed: from the segment (with events and traits) or from the contacts (with the card).</summary>
    private sealed record Member(string SubjectKey, bool Anonymous, ContactCard? Card, DateTimeOffset? LastEvent, string? Name, string? TimeZone);

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
