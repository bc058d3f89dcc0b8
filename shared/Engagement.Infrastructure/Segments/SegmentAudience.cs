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

/// <summary>
/// Decides a segment over everyone, streaming: profiles are read a page at a time, and for each page its people's
/// events and (only when a rule asks) the consent statuses of the page's people, a few ledgers per query, and goal
/// scores; a page is evaluated and let go before the next is read. Besides one page, only the set of identity keys
/// that profiles cover is held (to find the people known only by their events afterwards), as
/// <see cref="JourneyStore.ReadAllAsync"/> does.
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
    /// <summary>Profiles read per page.</summary>
    public const int PageSize = 200;

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
        var evaluator = new SegmentEvaluator(all);
        long count = 0, evaluated = 0;
        var members = new List<SegmentMember>();
        await foreach (var person in PeopleAsync(NeedsOf(segment.Definition, all), now, cancellationToken))
        {
            evaluated++;
            if (evaluator.Matches(segment.Definition, person, now))
            {
                count++;
                if (members.Count < sample)
                {
                    members.Add(new SegmentMember(person.Key, person.UserId));
                }
            }
        }

        return new SegmentPreview(segment.Id, segment.Version, count, evaluated, members, now);
    }

    /// <summary>
    /// Everyone, one at a time, with what <paramref name="needs"/> asks for: profiles with the events of all their
    /// identities, then identities that have events and no profile.
    /// </summary>
    public async IAsyncEnumerable<SegmentPerson> PeopleAsync(SegmentNeeds needs, DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(needs);
        var scorers = needs.Scores ? await ChampionsAsync(cancellationToken) : [];
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {ProfileStore.ProfileRow}");
        await foreach (var page in storage.Profiles.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, cancellationToken: cancellationToken).AsPages())
        {
            var pending = new List<(string Key, Core.Profiles.ProfileDocument? Profile, List<Core.Events.EngagementEvent> Events)>();
            foreach (var row in page.Values)
            {
                if (ProfileStore.DocumentOf(row) is not { } profile)
                {
                    continue;
                }

                covered.UnionWith(profile.IdentityKeys);
                if (profile.MergedInto is not null)
                {
                    // Its identities belong to the profile it was merged into, which reads their events.
                    continue;
                }

                var events = new List<Core.Events.EngagementEvent>();
                foreach (var identityKey in profile.IdentityKeys)
                {
                    await ReadEventsAsync(identityKey, events, cancellationToken);
                }

                pending.Add((profile.ProfileKey, profile, events));
            }

            foreach (var person in await ViewsAsync(pending, needs, scorers, now, cancellationToken))
            {
                yield return person;
            }
        }

        // People known only by their events: one identity (partition) at a time.
        string? partition = null;
        var current = new List<Core.Events.EngagementEvent>();
        await foreach (var entity in storage.Events.QueryAsync<TableEntity>(EventRowsFilter, cancellationToken: cancellationToken))
        {
            if (covered.Contains(entity.PartitionKey))
            {
                continue;
            }

            if (entity.PartitionKey != partition)
            {
                if (partition is not null && current.Count > 0)
                {
                    foreach (var person in await ViewsAsync([(partition, null, current)], needs, scorers, now, cancellationToken))
                    {
                        yield return person;
                    }
                }

                (partition, current) = (entity.PartitionKey, []);
            }

            if (EventRows.ToEvent(entity) is { } ev)
            {
                current.Add(ev);
            }
        }

        if (partition is not null && current.Count > 0)
        {
            foreach (var person in await ViewsAsync([(partition, null, current)], needs, scorers, now, cancellationToken))
            {
                yield return person;
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
            rules.Any(SegmentGraph.Uses<ConsentCondition>));
    }

    private async Task ReadEventsAsync(string identityKey, List<Core.Events.EngagementEvent> into, CancellationToken cancellationToken)
    {
        await foreach (var entity in storage.Events.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {identityKey}") + " and " + EventRowsFilter, cancellationToken: cancellationToken))
        {
            if (EventRows.ToEvent(entity) is { } ev)
            {
                into.Add(ev);
            }
        }
    }

    private async Task<List<SegmentPerson>> ViewsAsync(
        List<(string Key, Core.Profiles.ProfileDocument? Profile, List<Core.Events.EngagementEvent> Events)> people,
        SegmentNeeds needs,
        IReadOnlyList<Scorer> scorers,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var journeys = needs.Interests || scorers.Count > 0
            ? people.Select(p => new Journey(p.Key, p.Profile?.UserId, p.Events.Select(JourneyStep.From))).ToList()
            : null;
        var scores = scorers.Select(s => s.Score(journeys!, people.Select(p => p.Profile).ToList(), now, cancellationToken)).ToList();
        // The ledger is keyed by the pseudonymous key of the user id: people known only by anonymous ids have none.
        var subjects = people.Select(p => p.Profile?.UserId is { } id ? pseudonymizer.KeyOf(IdentityRef.User(id)).Value : null).ToList();
        var statuses = needs.Consents
            ? await consents.StatusesOfAsync(subjects.OfType<string>(), cancellationToken)
            : new Dictionary<string, IReadOnlyList<Core.Consent.ConsentStatus>>();
        var views = new List<SegmentPerson>(people.Count);
        for (var i = 0; i < people.Count; i++)
        {
            var (key, profile, events) = people[i];
            var userId = profile?.UserId;
            var consentStatus = subjects[i] is { } subject ? statuses.GetValueOrDefault(subject, []) : [];
            views.Add(new SegmentPerson
            {
                Key = key,
                UserId = userId,
                Traits = profile?.Traits.ToDictionary(t => t.Key, t => t.Value.Value, StringComparer.Ordinal) ?? new Dictionary<string, JsonElement>(),
                Interests = needs.Interests
                    ? interests.Top(journeys![i].Steps, now, int.MaxValue).ToDictionary(s => s.Id, s => s.Score, StringComparer.Ordinal)
                    : new Dictionary<string, double>(),
                Scores = scorers.Select((s, n) => (s.Goal, Score: scores[n][i])).ToDictionary(s => s.Goal, s => s.Score, StringComparer.Ordinal),
                Events = events.Select(e => new SegmentEvent(e.Kind, e.Name, e.Timestamp, PropertiesOf(e.PropertiesJson))).ToList(),
                Consents = consentStatus,
            });
        }

        return views;
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

/// <summary>What evaluating a segment needs beyond profiles and events.</summary>
/// <param name="Interests">Interest scores.</param>
/// <param name="Scores">Goal scores from the champion models.</param>
/// <param name="Consents">Consent statuses.</param>
public sealed record SegmentNeeds(bool Interests, bool Scores, bool Consents);
