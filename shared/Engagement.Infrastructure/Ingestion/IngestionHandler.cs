using System.Text.Json;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Ingestion;

/// <summary>What an ingestion call did.</summary>
/// <param name="Received">Events handed in.</param>
/// <param name="Stored">New events stored.</param>
/// <param name="Duplicates">Events already stored before.</param>
/// <param name="DeadLettered">Events that could not be stored and were dead-lettered.</param>
public sealed record IngestionResult(int Received, int Stored, int Duplicates, int DeadLettered);

/// <summary>
/// Stores events from the stream: per identity, the events and their activity counters in one transaction;
/// then identity links, traits and groups; then signals the events that concern triggered e-mails. Throws only for infrastructure faults, in which case the whole
/// delivery is retried and converges.
/// </summary>
public sealed partial class IngestionHandler(
    EventStore events,
    IdentityResolver identities,
    DeadLetterStore deadLetters,
    Pseudonymizer pseudonymizer,
    IngestionMetrics metrics,
    IOptions<IngestionOptions> options,
    ILogger<IngestionHandler> logger,
    Triggers.IngestionTriggerSignals triggers)
{
    /// <summary>Stores a delivery of events.</summary>
    public async Task<IngestionResult> HandleAsync(IReadOnlyList<EngagementEvent> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var partitions = batch
            .GroupBy(e => pseudonymizer.KeyOf(IdentityStitching.PrimaryIdentity(e)).Value)
            .ToList();

        int stored = 0, duplicates = 0, deadLettered = 0;
        var writeEvents = Parallel.ForEachAsync(
            partitions,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrency, CancellationToken = cancellationToken },
            async (partition, ct) =>
            {
                var outcome = await events.WritePartitionAsync(partition.Key, partition.ToList(), ct);
                foreach (var (ev, reason) in outcome.Rejected)
                {
                    await deadLetters.WriteAsync("ingestion", reason, JsonSerializer.Serialize(ev, EngagementJson.Default.EngagementEvent), ev.SourceId, ev.MessageId, ct);
                }

                Interlocked.Add(ref stored, outcome.Stored);
                Interlocked.Add(ref duplicates, outcome.Duplicates);
                Interlocked.Add(ref deadLettered, outcome.Rejected.Count);
            });

        // Links, traits and groups do not depend on the event rows, so both are written at once; except for an alias,
        // which looks at whether its previous id has stored events and so waits for this delivery's events.
        if (batch.Any(e => e.Kind == EventKind.Alias))
        {
            await writeEvents;
            await identities.ApplyAsync(batch, cancellationToken);
        }
        else
        {
            await Task.WhenAll(writeEvents, identities.ApplyAsync(batch, cancellationToken));
        }

        // Only once the delivery is stored: a run never starts for an event that could still be lost. A redelivery
        // signals again, which the signal handler recognises (run ids and event ids are deterministic).
        await triggers.SignalAsync(batch, cancellationToken);
        var result = new IngestionResult(batch.Count, stored, duplicates, deadLettered);
        metrics.Add(result);
        LogIngested(logger, result.Received, result.Stored, result.Duplicates, result.DeadLettered);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingested {Received} events: {Stored} stored, {Duplicates} duplicates, {DeadLettered} dead-lettered")]
    private static partial void LogIngested(ILogger logger, int received, int stored, int duplicates, int deadLettered);
}
