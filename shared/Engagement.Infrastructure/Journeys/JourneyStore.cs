using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Journeys;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;

namespace Engagement.Infrastructure.Journeys;

/// <summary>A person's journey with their profile (null for someone known only by their events).</summary>
/// <param name="Journey">Everything they did, across their identities.</param>
/// <param name="Profile">Their profile, if they have one.</param>
public sealed record PersonJourney(Journey Journey, ProfileDocument? Profile)
{
    /// <summary>
    /// Trait values that can stand for a category (short strings, numbers, booleans), as recorded before
    /// <paramref name="before"/> when given: a training row must not learn from a trait set after its cut-off.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> CategoricalTraits(DateTimeOffset? before = null) =>
        Profile is null
            ? []
            : Profile.Traits
                .Where(t => t.Key is not ("email" or "phone" or "firstName" or "lastName" or "name" or "address")
                    && (before is null || t.Value.At < before)
                    && t.Value.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                .Select(t => KeyValuePair.Create(t.Key, t.Value.Value.ToString()));
}

/// <summary>What a rebuild of the journey aggregates did.</summary>
/// <param name="Identities">Identities whose events were read.</param>
/// <param name="Events">Events read.</param>
/// <param name="Changed">Activity rows whose content changed.</param>
public sealed record JourneyRebuildResult(long Identities, long Events, long Changed);

/// <summary>
/// Reads journeys back from stored events, and rebuilds the per-identity journey aggregates (the activity rows)
/// from them. Reads stream: one person's events at a time, whatever the table's size.
/// </summary>
public sealed partial class JourneyStore(EngagementStorage storage, ILogger<JourneyStore> logger)
{
    private const int MaxAttempts = 5;

    // Event rows sort after the activity row ("activity" < "ev…"): a filter on the row key skips it.
    private static readonly string EventRowsFilter = $"RowKey gt '{EventRows.EventRowPrefix}'";

    /// <summary>
    /// Every person's journey, one at a time: first each profile with the events of all its identities, then every
    /// identity that has events and no profile. Holds the set of identity keys that profiles cover, nothing more.
    /// </summary>
    public async IAsyncEnumerable<PersonJourney> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {ProfileStore.ProfileRow}");
        await foreach (var row in storage.Profiles.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (ProfileStore.DocumentOf(row) is not { } profile)
            {
                continue;
            }

            covered.UnionWith(profile.IdentityKeys);
            if (profile.MergedInto is not null)
            {
                // Its identities now belong to the profile it was merged into, which reads their events.
                continue;
            }

            var steps = new List<JourneyStep>();
            foreach (var identityKey in profile.IdentityKeys)
            {
                await foreach (var entity in storage.Events.QueryAsync<TableEntity>(
                    TableClient.CreateQueryFilter($"PartitionKey eq {identityKey}") + " and " + EventRowsFilter, cancellationToken: cancellationToken))
                {
                    if (EventRows.ToEvent(entity) is { } ev)
                    {
                        steps.Add(JourneyStep.From(ev));
                    }
                }
            }

            if (steps.Count > 0)
            {
                yield return new PersonJourney(new Journey(profile.ProfileKey, profile.UserId, steps), profile);
            }
        }

        string? partition = null;
        var pending = new List<JourneyStep>();
        await foreach (var entity in storage.Events.QueryAsync<TableEntity>(EventRowsFilter, cancellationToken: cancellationToken))
        {
            if (covered.Contains(entity.PartitionKey))
            {
                continue;
            }

            if (entity.PartitionKey != partition)
            {
                if (partition is not null && pending.Count > 0)
                {
                    yield return new PersonJourney(new Journey(partition, null, pending), null);
                }

                (partition, pending) = (entity.PartitionKey, []);
            }

            if (EventRows.ToEvent(entity) is { } ev)
            {
                pending.Add(JourneyStep.From(ev));
            }
        }

        if (partition is not null && pending.Count > 0)
        {
            yield return new PersonJourney(new Journey(partition, null, pending), null);
        }
    }

    /// <summary>The journey of one person: the events of the given identities.</summary>
    public async Task<Journey> ReadJourneyAsync(string profileKey, string? userId, IEnumerable<string> identityKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identityKeys);
        var steps = new List<JourneyStep>();
        foreach (var identityKey in identityKeys.Distinct(StringComparer.Ordinal))
        {
            await foreach (var entity in storage.Events.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {identityKey}") + " and " + EventRowsFilter, cancellationToken: cancellationToken))
            {
                if (EventRows.ToEvent(entity) is { } ev)
                {
                    steps.Add(JourneyStep.From(ev));
                }
            }
        }

        return new Journey(profileKey, userId, steps);
    }

    /// <summary>
    /// Recomputes every identity's activity row (its journey aggregates) from its stored events, in time order, so
    /// counters and sessions are exact. Safe while ingestion runs: a row changed meanwhile is recomputed again.
    /// </summary>
    public async Task<JourneyRebuildResult> RebuildAsync(IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        long identities = 0, events = 0, changed = 0;
        string? partition = null;
        await foreach (var entity in storage.Events.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (entity.PartitionKey == partition)
            {
                continue;
            }

            partition = entity.PartitionKey;
            var (count, didChange) = await RebuildPartitionAsync(partition, cancellationToken);
            identities++;
            events += count;
            changed += didChange ? 1 : 0;
            progress?.Report(identities);
        }

        LogRebuilt(logger, identities, events, changed);
        return new JourneyRebuildResult(identities, events, changed);
    }

    /// <summary>Recomputes one identity's activity row from its events; removes it when no event is left.</summary>
    internal async Task<(long Events, bool Changed)> RebuildPartitionAsync(string partitionKey, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TableEntity? activityRow = null;
            var rows = new List<Core.Events.EngagementEvent>();
            await foreach (var entity in storage.Events.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), cancellationToken: cancellationToken))
            {
                if (entity.RowKey == EventRows.ActivityRowKey)
                {
                    activityRow = entity;
                }
                else if (EventRows.ToEvent(entity) is { } ev)
                {
                    rows.Add(ev);
                }
            }

            if (rows.Count == 0)
            {
                if (activityRow is not null)
                {
                    // Every event is gone (retention): so is what was counted from them.
                    await storage.Events.DeleteEntityAsync(partitionKey, EventRows.ActivityRowKey, ETag.All, cancellationToken);
                    return (0, true);
                }

                return (0, false);
            }

            var summary = new ActivitySummary();
            foreach (var ev in rows.OrderBy(e => e.Timestamp).ThenBy(e => e.MessageId, StringComparer.Ordinal))
            {
                summary.Apply(ev);
            }

            var rebuilt = EventRows.ToEntity(partitionKey, summary);
            if (activityRow is not null && EventRows.SummaryJsonOf(activityRow) == EventRows.SummaryJsonOf(rebuilt))
            {
                return (rows.Count, false);
            }

            try
            {
                if (activityRow is null)
                {
                    await storage.Events.AddEntityAsync(rebuilt, cancellationToken);
                }
                else
                {
                    await storage.Events.UpdateEntityAsync(rebuilt, activityRow.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return (rows.Count, true);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Ingestion wrote to this identity meanwhile: read it again.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt journey aggregates of {Identities} identities from {Events} events; {Changed} rewritten")]
    private static partial void LogRebuilt(ILogger logger, long identities, long events, long changed);
}
