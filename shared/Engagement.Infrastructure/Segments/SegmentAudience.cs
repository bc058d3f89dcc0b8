using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Data.Tables;
using Engagement.Core.Identity;
using Engagement.Core.Journeys;
using Engagement.Core.Segments;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Journeys;
using Engagement.Infrastructure.Models;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Storage;
using Engagement.Ml;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Segments;

/// <summary>Someone in a segment, as a preview lists them: pseudonymous key and, when known, user id.</summary>
/// <param name="Key">The pseudonymous profile (or identity) key.</param>
/// <param name="UserId">The user id, when known.</param>
public sealed record SegmentMember(string Key, string? UserId);

/// <summary>How many people a segment holds now and who some of them are.</summary>
/// <param name="SegmentId">The segment.</param>
/// <param name="Version">The version evaluated.</param>
/// <param name="Count">People in the segment.</param>
/// <param name="Evaluated">People looked at.</param>
/// <param name="Sample">The first members met (in storage order), at most the number asked for.</param>
/// <param name="EvaluatedAt">The <c>now</c> of the evaluation.</param>
public sealed record SegmentPreview(string SegmentId, int Version, long Count, long Evaluated, IReadOnlyList<SegmentMember> Sample, DateTimeOffset EvaluatedAt);

/// <summary>Someone a segment holds, as its evaluation streams them.</summary>
/// <param name="Person">What the segment was decided over (without events when it needs none: see <see cref="EventsRead"/>).</param>
/// <param name="IdentityKeys">The identities whose events are the person's (those of the profile, or the one identity of someone known only by events).</param>
/// <param name="EventsRead">Whether <see cref="SegmentPerson.Events"/> holds the person's events; false when the rule needed none and they were not read.</param>
public sealed record SegmentMatch(SegmentPerson Person, IReadOnlyList<string> IdentityKeys, bool EventsRead);

/// <summary>Part of a segment's evaluation: how many people it looked at and which of them are members, in storage order.</summary>
/// <param name="Evaluated">People looked at.</param>
/// <param name="Members">Those in the segment.</param>
/// <param name="Range">The profile keys covered; null for people known only by their events.</param>
public sealed record SegmentChunk(long Evaluated, IReadOnlyList<SegmentMatch> Members, PartitionRange? Range);

/// <summary>
/// Decides a segment over everyone, streaming: the profile keys are split into ranges read side by side (a few at a
/// time, handed on in key order), each a page of up to <see cref="PageSize"/> profiles per request. Only what the rule
/// needs is read: a rule of traits (and consents) reads no events at all; an all-of rule whose event-free conditions
/// fail for someone reads no events of theirs; the events read, and (only when a rule asks) consent statuses, are read
/// a few ranges or partitions per query, never a query per person. Besides the ranges being worked on, only the
/// identity keys that profiles cover are held (compactly, and only when there are events at all), to find the people
/// known only by their events afterwards, as <see cref="JourneyStore.ReadAllAsync"/> does.
/// </summary>
public sealed class SegmentAudience(
    EngagementStorage storage,
    SegmentStore segments,
    ConsentStore consents,
    JourneyInterests interests,
    ModelRegistry registry,
    Pseudonymizer pseudonymizer,
    IOptions<ModelOptions> modelOptions,
    TimeProvider clock)
{
    /// <summary>Profiles read per request.</summary>
    public const int PageSize = 1000;

    /// <summary>Ranges the profile keys are split into.</summary>
    public const int Ranges = 256;

    /// <summary>Ranges worked on at once: enough to keep storage and this process busy together, few enough to bound memory.</summary>
    public const int Concurrency = 4;

    private static readonly string EventRowsFilter = $"RowKey gt '{EventRows.EventRowPrefix}'";

    /// <summary>Counts a saved segment's members now and takes a sample; null when no segment has the id.</summary>
    public async Task<SegmentPreview?> PreviewAsync(string segmentId, int sample, CancellationToken cancellationToken = default)
    {
        if (await segments.GetAsync(segmentId, cancellationToken) is not { } segment)
        {
            return null;
        }

        var all = await segments.AllAsync(cancellationToken);
        var now = clock.GetUtcNow();
        long count = 0, evaluated = 0;
        var members = new List<SegmentMember>();
        await foreach (var chunk in MembersAsync(segment.Definition, all, now, cancellationToken))
        {
            evaluated += chunk.Evaluated;
            count += chunk.Members.Count;
            members.AddRange(chunk.Members.Take(sample - members.Count).Select(m => new SegmentMember(m.Person.Key, m.Person.UserId)));
        }

        return new SegmentPreview(segment.Id, segment.Version, count, evaluated, members, now);
    }

    /// <summary>
    /// The members of <paramref name="definition"/> at <paramref name="now"/>, part by part in storage order: people
    /// with a profile (with the events of all their identities when the rule reads events), then people known only by
    /// their events.
    /// </summary>
    public async IAsyncEnumerable<SegmentChunk> MembersAsync(
        SegmentDefinition definition, IReadOnlyDictionary<string, SegmentDefinition> all, DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(all);
        var needs = NeedsOf(definition, all);
        var evaluation = new Evaluation(
            definition, new SegmentEvaluator(all), needs, SegmentGraph.EventFreePart(definition.Rule, all),
            needs.Scores ? await ChampionsAsync(cancellationToken) : [], now);
        // Without any event row there is nobody known only by events, and no need to remember whom profiles cover.
        var covered = await AnyEventAsync(cancellationToken) ? new CoveredIdentities() : null;
        var running = new Queue<Task<List<SegmentChunk>>>();
        foreach (var range in PartitionRange.HexSplit(Ranges))
        {
            running.Enqueue(RangeAsync(range, evaluation, covered, cancellationToken));
            if (running.Count >= Concurrency)
            {
                foreach (var chunk in await running.Dequeue())
                {
                    yield return chunk;
                }
            }
        }

        while (running.TryDequeue(out var next))
        {
            foreach (var chunk in await next)
            {
                yield return chunk;
            }
        }

        if (covered is not null)
        {
            await foreach (var chunk in EventsOnlyAsync(evaluation, covered, cancellationToken))
            {
                yield return chunk;
            }
        }
    }

    /// <summary>What evaluating <paramref name="definition"/> needs read, counting the segments it refers to.</summary>
    public static SegmentNeeds NeedsOf(SegmentDefinition definition, IReadOnlyDictionary<string, SegmentDefinition> all)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(all);
        var rules = new List<SegmentCondition>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<SegmentCondition>([definition.Rule]);
        while (queue.TryDequeue(out var rule))
        {
            rules.Add(rule);
            foreach (var (id, _) in SegmentGraph.References(rule))
            {
                if (seen.Add(id) && all.TryGetValue(id, out var other))
                {
                    queue.Enqueue(other.Rule);
                }
            }
        }

        return new SegmentNeeds(
            rules.Any(SegmentGraph.Uses<InterestCondition>),
            rules.Any(SegmentGraph.Uses<ScoreCondition>),
            rules.Any(SegmentGraph.Uses<ConsentCondition>),
            SegmentGraph.ReadsEvents(definition.Rule, all));
    }

    // One range of profile keys, a page of profiles per request; the range's chunks are handed on together, in order.
    private async Task<List<SegmentChunk>> RangeAsync(PartitionRange range, Evaluation evaluation, CoveredIdentities? covered, CancellationToken cancellationToken)
    {
        var chunks = new List<SegmentChunk>();
        var filter = string.Join(" and ", new[] { range.Filter(), TableClient.CreateQueryFilter($"RowKey eq {ProfileStore.ProfileRow}") }.Where(f => f.Length > 0));
        await foreach (var page in storage.Profiles.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, cancellationToken: cancellationToken).AsPages())
        {
            var profiles = new List<Core.Profiles.ProfileDocument>(page.Values.Count);
            foreach (var row in page.Values)
            {
                if (ProfileStore.DocumentOf(row) is not { } profile)
                {
                    continue;
                }

                covered?.AddRange(profile.IdentityKeys);
                // A merged profile's identities belong to the profile it was merged into, which reads their events.
                if (profile.MergedInto is null)
                {
                    profiles.Add(profile);
                }
            }

            var people = profiles.Select(p => new Candidate(p.ProfileKey, p, p.IdentityKeys.ToList())).ToList();
            chunks.Add(new SegmentChunk(people.Count, await DecideAsync(people, range, evaluation, cancellationToken), range));
        }

        return chunks;
    }

    // People known only by their events: one identity (partition) at a time, a page of them decided together.
    private async IAsyncEnumerable<SegmentChunk> EventsOnlyAsync(Evaluation evaluation, CoveredIdentities covered, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pending = new List<Candidate>();
        Candidate? current = null;
        await foreach (var entity in storage.Events.QueryAsync<TableEntity>(EventRowsFilter, cancellationToken: cancellationToken))
        {
            if (covered.Contains(entity.PartitionKey))
            {
                continue;
            }

            if (current?.Key != entity.PartitionKey)
            {
                if (current is { EventCount: > 0 })
                {
                    pending.Add(current);
                    if (pending.Count == PageSize)
                    {
                        yield return new SegmentChunk(pending.Count, await DecideAsync(pending, null, evaluation, cancellationToken), null);
                        pending = [];
                    }
                }

                current = new Candidate(entity.PartitionKey, null, [entity.PartitionKey]);
            }

            if (EventRows.ToEvent(entity) is { } ev)
            {
                // A rule that reads no events needs to know only that there are some.
                current.EventCount++;
                if (evaluation.Needs.Events)
                {
                    current.Events.Add(ev);
                }
            }
        }

        if (current is { EventCount: > 0 })
        {
            pending.Add(current);
        }

        if (pending.Count > 0)
        {
            yield return new SegmentChunk(pending.Count, await DecideAsync(pending, null, evaluation, cancellationToken), null);
        }
    }

    // Decides a page of people: the event-free part of the rule first, then events read only for those who pass it.
    private async Task<List<SegmentMatch>> DecideAsync(List<Candidate> people, PartitionRange? range, Evaluation evaluation, CancellationToken cancellationToken)
    {
        if (people.Count == 0)
        {
            return [];
        }

        // The consent ledger is keyed by the pseudonymous key of the user id: people known only by anonymous ids have none.
        var subjects = people.Select(p => p.Profile?.UserId is { } id ? pseudonymizer.KeyOf(IdentityRef.User(id)).Value : null).ToList();
        var statuses = evaluation.Needs.Consents
            ? await consents.StatusesOfAsync(subjects.OfType<string>().Distinct(StringComparer.Ordinal).ToList(), range, cancellationToken)
            : new Dictionary<string, IReadOnlyList<Core.Consent.ConsentStatus>>();
        var views = people.Select((p, i) => new SegmentPerson
        {
            Key = p.Key,
            UserId = p.Profile?.UserId,
            Traits = p.Profile?.Traits.ToDictionary(t => t.Key, t => t.Value.Value, StringComparer.Ordinal) ?? new Dictionary<string, JsonElement>(),
            Consents = subjects[i] is { } subject ? statuses.GetValueOrDefault(subject, []) : [],
        }).ToList();
        if (!evaluation.Needs.Events)
        {
            return views.Select((v, i) => (View: v, Index: i)).Where(v => evaluation.Evaluator.Matches(evaluation.Definition, v.View, evaluation.Now))
                .Select(v => new SegmentMatch(v.View, people[v.Index].IdentityKeys, EventsRead: false)).ToList();
        }

        var candidates = Enumerable.Range(0, people.Count)
            .Where(i => evaluation.Prefilter is null || evaluation.Evaluator.Matches(evaluation.Prefilter, views[i], evaluation.Now))
            .ToList();
        await ReadEventsAsync(candidates.Select(i => people[i]).ToList(), range, cancellationToken);
        var full = WithEvents(candidates.Select(i => (people[i], views[i])).ToList(), evaluation, cancellationToken);
        return full.Select((v, n) => (View: v, Person: people[candidates[n]]))
            .Where(v => evaluation.Evaluator.Matches(evaluation.Definition, v.View, evaluation.Now))
            .Select(v => new SegmentMatch(v.View, v.Person.IdentityKeys, EventsRead: true)).ToList();
    }

    // The events of people with a profile, all their identities' partitions in few queries (those in the range as one).
    private async Task ReadEventsAsync(List<Candidate> people, PartitionRange? range, CancellationToken cancellationToken)
    {
        var withProfile = people.Where(p => p.Profile is not null).ToList();
        if (withProfile.Count == 0)
        {
            return;
        }

        var keys = withProfile.SelectMany(p => p.IdentityKeys).Distinct(StringComparer.Ordinal).ToList();
        // Events can be many per person: read a range only when most of the people in it are wanted.
        var dense = range is not null && withProfile.Count * 2 >= PageSize ? range : null;
        var rows = await PartitionReads.ReadAsync(storage.Events, keys, dense, EventRowsFilter, cancellationToken);
        foreach (var person in withProfile)
        {
            foreach (var identityKey in person.IdentityKeys)
            {
                foreach (var row in rows.GetValueOrDefault(identityKey, []))
                {
                    if (EventRows.ToEvent(row) is { } ev)
                    {
                        person.Events.Add(ev);
                        person.EventCount++;
                    }
                }
            }
        }
    }

    private List<SegmentPerson> WithEvents(List<(Candidate Person, SegmentPerson View)> people, Evaluation evaluation, CancellationToken cancellationToken)
    {
        var scorers = evaluation.Scorers;
        var journeys = evaluation.Needs.Interests || scorers.Count > 0
            ? people.Select(p => new Journey(p.Person.Key, p.Person.Profile?.UserId, p.Person.Events.Select(JourneyStep.From))).ToList()
            : null;
        var scores = scorers.Select(s => s.Score(journeys!, people.Select(p => p.Person.Profile).ToList(), evaluation.Now, cancellationToken)).ToList();
        return people.Select((p, i) => p.View with
        {
            Interests = evaluation.Needs.Interests
                ? interests.Top(journeys![i].Steps, evaluation.Now, int.MaxValue).ToDictionary(s => s.Id, s => s.Score, StringComparer.Ordinal)
                : new Dictionary<string, double>(),
            Scores = scorers.Select((s, n) => (s.Goal, Score: scores[n][i])).ToDictionary(s => s.Goal, s => s.Score, StringComparer.Ordinal),
            Events = p.Person.Events.Select(e => new SegmentEvent(e.Kind, e.Name, e.Timestamp, PropertiesOf(e.PropertiesJson))).ToList(),
        }).ToList();
    }

    private async Task<bool> AnyEventAsync(CancellationToken cancellationToken)
    {
        await foreach (var page in storage.Events.QueryAsync<TableEntity>(EventRowsFilter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages())
        {
            if (page.Values.Count > 0)
            {
                return true;
            }

            if (page.ContinuationToken is null)
            {
                break;
            }
        }

        return false;
    }

    private static JsonElement? PropertiesOf(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Stored properties were validated at ingestion; a row that does not parse simply has none to compare.
            return null;
        }
    }

    private async Task<IReadOnlyList<Scorer>> ChampionsAsync(CancellationToken cancellationToken)
    {
        var scorers = new List<Scorer>();
        foreach (var goal in modelOptions.Value.EffectiveGoals())
        {
            if (await registry.GetChampionAsync(goal.Name, cancellationToken) is { } champion)
            {
                scorers.Add(new Scorer(goal, champion.Model, new JourneyFeatures(champion.Model.Schema, interests.Features)));
            }
        }

        return scorers;
    }

    /// <summary>Someone being decided: a profile (or an identity known only by events) and the events read for them.</summary>
    private sealed class Candidate(string key, Core.Profiles.ProfileDocument? profile, IReadOnlyList<string> identityKeys)
    {
        public string Key => key;

        public Core.Profiles.ProfileDocument? Profile => profile;

        public IReadOnlyList<string> IdentityKeys => identityKeys;

        public List<Core.Events.EngagementEvent> Events { get; } = [];

        public int EventCount { get; set; }
    }

    /// <summary>One evaluation's rule, what it reads, the part decided without events, and its <c>now</c>.</summary>
    private sealed record Evaluation(
        SegmentDefinition Definition, SegmentEvaluator Evaluator, SegmentNeeds Needs, SegmentCondition? EventFree, IReadOnlyList<Scorer> Scorers, DateTimeOffset Now)
    {
        /// <summary>The event-free part as a definition the evaluator takes; null when nothing is decided without events.</summary>
        public SegmentDefinition? Prefilter { get; } = EventFree is null ? null : Definition with { Rule = EventFree };
    }

    /// <summary>
    /// The identity keys profiles cover. Pseudonymous keys are 32 hexadecimal digits and are kept as 128-bit numbers
    /// (a sixth of their size as strings), so a million profiles' keys take tens of megabytes; any other key is kept as it is.
    /// </summary>
    private sealed class CoveredIdentities
    {
        private readonly HashSet<UInt128> _hex = [];
        private readonly HashSet<string> _other = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();

        public void AddRange(IEnumerable<string> keys)
        {
            lock (_gate)
            {
                foreach (var key in keys)
                {
                    _ = Hex(key) is { } number ? _hex.Add(number) : _other.Add(key);
                }
            }
        }

        public bool Contains(string key)
        {
            lock (_gate)
            {
                return Hex(key) is { } number ? _hex.Contains(number) : _other.Contains(key);
            }
        }

        // Lower-case hexadecimal only: an upper-case key is another key, kept as a string.
        private static UInt128? Hex(string key) =>
            key.Length == 32 && key.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f')
            && UInt128.TryParse(key, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var number)
                ? number
                : null;
    }

    /// <summary>A goal's champion model and how to build its rows.</summary>
    private sealed record Scorer(GoalDefinition GoalDefinition, TrainedModel Model, JourneyFeatures Features)
    {
        public string Goal => GoalDefinition.Name;

        public double[] Score(IReadOnlyList<Journey> journeys, List<Core.Profiles.ProfileDocument?> profiles, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var goal = GoalDefinition;
            var features = Features;
            var rows = journeys.Select((j, i) => features.Current(j, now, goal, JourneyFeatures.TraitTokens(new PersonJourney(j, profiles[i]).CategoricalTraits())));
            return Model.Score(rows, cancellationToken).Select(s => (double)s.Probability).ToArray();
        }
    }
}

/// <summary>What evaluating a segment needs beyond profiles.</summary>
/// <param name="Interests">Interest scores.</param>
/// <param name="Scores">Goal scores from the champion models.</param>
/// <param name="Consents">Consent statuses.</param>
/// <param name="Events">Events (an event condition, or interests or scores, which are computed from them).</param>
public sealed record SegmentNeeds(bool Interests, bool Scores, bool Consents, bool Events = true);
