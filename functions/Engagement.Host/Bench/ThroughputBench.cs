using System.Diagnostics;
using Azure.Data.Tables;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Microsoft.Extensions.Options;

namespace Engagement.Host.Bench;

/// <summary>
/// (a) what the table service does with the events written the simplest way, (b) what ingestion makes of the same
/// events, (b2) the same through the stream queue and its consumer.
/// </summary>
internal static class ThroughputBench
{
    /// <summary>Queue messages per delivery: what the self-hosted consumer takes at once (IngestionOptions.QueueBatchSize).</summary>
    public const int RequestsPerDelivery = 32;

    // Concurrent appends to the stream, as concurrent tracking calls make them.
    private const int Appenders = 8;

    private static readonly TimeSpan StallLimit = TimeSpan.FromMinutes(5);

    /// <summary>
    /// (a), (b) and (b′) on the same deliveries, taking turns delivery by delivery so that whatever else the machine
    /// does weighs on each alike.
    /// (a) writes the event rows ingestion writes (<see cref="EventRows.ToEntity(string, EngagementEvent)"/>, same
    /// partition keys), upserted in transactions of up to 100 per partition, as many partitions at once as ingestion
    /// writes, into a table of its own: no activity row, no profiles, no reads.
    /// (b) hands each delivery to the ingestion handler, as one stream consumer does.
    /// (b′) runs only the handler's first step, <see cref="EventStore"/> (event rows with their activity row): what
    /// ingestion costs without identity resolution. It writes to storage of its own when given one (Azurite slows as a
    /// table grows, so (b) must not pay for (b′)'s rows), and under partition keys of another secret, so that on shared
    /// storage it meets none of (b)'s rows.
    /// </summary>
    public static async Task<ThroughputComparison> CompareAsync(
        IServiceProvider services, IServiceProvider eventsOnlyServices, IngestBenchSettings settings, Process? azurite, Process? eventsOnlyAzurite, CancellationToken cancellationToken)
    {
        // Made before any clock starts and kept, so every part writes the very same events.
        Console.WriteLine($"Generating {settings.ThroughputEvents:N0} events for (a), (b) and (b′)…");
        var deliveries = new BenchTraffic(settings.Seed, settings.ActiveVisitors)
            .Deliveries("bench-web", settings.ThroughputEvents, RequestsPerDelivery).ToList();
        Console.WriteLine("(a) raw batched table writes, (b) ingestion handler, (b′) its event store alone, taking turns delivery by delivery");
        var storage = services.GetRequiredService<EngagementStorage>();
        var pseudonymizer = services.GetRequiredService<Pseudonymizer>();
        var otherKeys = new Pseudonymizer(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        var handler = services.GetRequiredService<IngestionHandler>();
        var eventStore = eventsOnlyServices.GetRequiredService<EventStore>();
        var concurrency = services.GetRequiredService<IOptions<IngestionOptions>>().Value.MaxConcurrency;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        var table = storage.TableService.GetTableClient($"benchraw{Environment.ProcessId}");
        await table.CreateIfNotExistsAsync(cancellationToken);
        try
        {
            var total = deliveries.Sum(d => (long)d.Count);
            long done = 0, transactions = 0, stored = 0, duplicates = 0, deadLettered = 0, eventsOnlyStored = 0;
            var progress = new BenchProgress("(a)+(b)+(b′)", total);
            using var requests = new RequestCounter();
            var raw = new PartTimer("a", requests, azurite);
            var pipeline = new PartTimer("b", requests, azurite);
            var eventsOnly = new PartTimer("b′", requests, eventsOnlyAzurite);
            foreach (var delivery in deliveries)
            {
                await raw.MeasureAsync(() => Parallel.ForEachAsync(
                    delivery.GroupBy(e => pseudonymizer.KeyOf(IdentityStitching.PrimaryIdentity(e)).Value),
                    parallel,
                    async (partition, ct) =>
                    {
                        foreach (var chunk in partition.Chunk(100))
                        {
                            var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, EventRows.ToEntity(partition.Key, e)));
                            await table.SubmitTransactionAsync(actions, ct);
                            Interlocked.Increment(ref transactions);
                        }
                    }));

                await pipeline.MeasureAsync(async () =>
                {
                    var result = await handler.HandleAsync(delivery, cancellationToken);
                    stored += result.Stored;
                    duplicates += result.Duplicates;
                    deadLettered += result.DeadLettered;
                });

                await eventsOnly.MeasureAsync(() => Parallel.ForEachAsync(
                    delivery.GroupBy(e => otherKeys.KeyOf(IdentityStitching.PrimaryIdentity(e)).Value),
                    parallel,
                    async (partition, ct) =>
                    {
                        var outcome = await eventStore.WritePartitionAsync(partition.Key, partition.ToList(), ct);
                        Interlocked.Add(ref eventsOnlyStored, outcome.Stored);
                    }));

                done += delivery.Count;
                progress.Report(done, raw.Elapsed + pipeline.Elapsed + eventsOnly.Elapsed,
                    $"(a) {done / raw.Elapsed.TotalSeconds:N0}, (b) {done / pipeline.Elapsed.TotalSeconds:N0}, (b′) {done / eventsOnly.Elapsed.TotalSeconds:N0} events/s");
            }

            return new ThroughputComparison(
                raw.Figure(done, $"{transactions:N0} transactions ({(double)done / transactions:F1} events each), {concurrency} partitions at once"),
                pipeline.Figure(done, $"{deliveries.Count:N0} deliveries of ≤{RequestsPerDelivery}×{BenchTraffic.MessagesPerRequest} events, {concurrency} partitions at once; " +
                    $"stored {stored:N0}, duplicates {duplicates:N0}, dead-lettered {deadLettered:N0}"),
                eventsOnly.Figure(done, $"stored {eventsOnlyStored:N0}; " +
                    (ReferenceEquals(eventsOnlyServices, services) ? "the same events under other partition keys, in the same table as (b)" : "the same events, on an Azurite of its own")),
                EventsPerPartition(pseudonymizer, deliveries));
        }
        finally
        {
            await table.DeleteAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// (b2) Tracking-sized batches appended to the stream queue (<see cref="QueueEventStreamProducer"/>) while the
    /// self-hosted consumer (<see cref="StreamConsumerService"/> over <see cref="QueueStreamConsumer"/>) ingests them;
    /// timed until every event is ingested.
    /// </summary>
    public static async Task<ThroughputFigure> QueueAsync(IServiceProvider services, IngestBenchSettings settings, Process? azurite, CancellationToken cancellationToken)
    {
        Console.WriteLine($"Generating {settings.ThroughputEvents:N0} events for (b2)…");
        var batches = new BenchTraffic(settings.Seed + 1, settings.ActiveVisitors).StreamBatches("bench-queue", settings.ThroughputEvents).ToList();
        Console.WriteLine("(b2) stream queue and consumer");
        var producer = services.GetRequiredService<IEventStreamProducer>();
        var metrics = services.GetRequiredService<IngestionMetrics>();
        var options = services.GetRequiredService<IOptions<IngestionOptions>>().Value;
        var total = batches.Sum(b => (long)b.Events.Count);
        var start = metrics.Received;
        var storedBefore = metrics.Stored;
        var progress = new BenchProgress("(b2) queue", total);
        using var consumer = new StreamConsumerService(services.GetRequiredService<QueueStreamConsumer>(), services.GetRequiredService<ILogger<StreamConsumerService>>());
        var cpu = new CpuMeter(azurite);
        var clock = Stopwatch.StartNew();
        await consumer.StartAsync(cancellationToken);
        TimeSpan appended;
        try
        {
            await Parallel.ForEachAsync(
                batches,
                new ParallelOptions { MaxDegreeOfParallelism = Appenders, CancellationToken = cancellationToken },
                async (batch, ct) => await producer.AppendAsync(batch, ct));
            appended = clock.Elapsed;
            var (lastSeen, lastProgress) = (metrics.Received, clock.Elapsed);
            while (metrics.Received - start < total)
            {
                progress.Report(metrics.Received - start, clock.Elapsed);
                if (metrics.Received != lastSeen)
                {
                    (lastSeen, lastProgress) = (metrics.Received, clock.Elapsed);
                }
                else if (clock.Elapsed - lastProgress > StallLimit)
                {
                    // Dead-lettered deliveries never count as received: report what was ingested rather than wait forever.
                    Console.WriteLine($"  (b2) no progress for {StallLimit.TotalMinutes:N0} min; {total - (metrics.Received - start):N0} events not ingested (see engage deadletters list)");
                    break;
                }

                await Task.Delay(50, cancellationToken);
            }

            clock.Stop();
            progress.Report(total, clock.Elapsed);
        }
        finally
        {
            await consumer.StopAsync(CancellationToken.None);
        }

        return new ThroughputFigure(metrics.Received - start, clock.Elapsed, cpu.Stop(),
            $"{batches.Count:N0} queue messages appended by {Appenders} writers in {appended.TotalSeconds:F1} s while 2 pumps took ≤{options.QueueBatchSize} at a time; " +
            $"stored {metrics.Stored - storedBefore:N0}");
    }

    /// <summary>Average events per partition per delivery: how much a transaction can carry.</summary>
    private static double EventsPerPartition(Pseudonymizer pseudonymizer, IEnumerable<List<EngagementEvent>> deliveries)
    {
        long events = 0, partitions = 0;
        foreach (var delivery in deliveries)
        {
            events += delivery.Count;
            partitions += delivery.Select(e => pseudonymizer.KeyOf(IdentityStitching.PrimaryIdentity(e)).Value).Distinct().Count();
        }

        return partitions == 0 ? 0 : (double)events / partitions;
    }
}

/// <summary>(a), (b) and (b′) of one run.</summary>
internal sealed record ThroughputComparison(ThroughputFigure Raw, ThroughputFigure Pipeline, ThroughputFigure EventsOnly, double EventsPerPartition);

/// <summary>Time, CPU and storage requests of one part, over the turns it takes.</summary>
internal sealed class PartTimer(string part, RequestCounter requests, Process? azurite)
{
    private CpuUse _cpu = CpuUse.None;

    public TimeSpan Elapsed { get; private set; }

    public async Task MeasureAsync(Func<Task> work)
    {
        requests.Part = part;
        var cpu = new CpuMeter(azurite);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await work();
        }
        finally
        {
            Elapsed += Stopwatch.GetElapsedTime(started);
            _cpu = _cpu.Plus(cpu.Stop());
            requests.Part = null;
        }
    }

    public ThroughputFigure Figure(long events, string notes) => new(events, Elapsed, _cpu, notes, requests.CountsOf(part));
}

/// <summary>Progress lines of a long part: about every tenth of the way, at most every few seconds.</summary>
internal sealed class BenchProgress(string part, long total)
{
    private long _nextReport = Math.Max(1, total / 10);
    private TimeSpan _lastPrinted;

    public void Report(long done, TimeSpan elapsed, string? rate = null)
    {
        if ((done < _nextReport && elapsed - _lastPrinted < TimeSpan.FromSeconds(15)) || done == 0)
        {
            return;
        }

        _lastPrinted = elapsed;
        while (_nextReport <= done)
        {
            _nextReport += Math.Max(1, total / 10);
        }

        Console.WriteLine($"  {part}: {done:N0} / {total:N0} events, {elapsed.TotalSeconds:F1} s, {rate ?? $"{done / Math.Max(elapsed.TotalSeconds, 1e-9):N0} events/s"}");
    }
}
