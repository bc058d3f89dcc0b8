using System.Diagnostics;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Ingestion;
using Microsoft.Extensions.Options;

namespace Engagement.Host.Bench;

/// <summary>
/// (e) Many events, generated lazily and ingested delivery by delivery, with memory at checkpoints: what ingestion
/// holds must not grow with the number of events (its caches are bounded by <see cref="IngestionOptions.ActivityCacheSize"/>).
/// </summary>
internal static class MemoryBench
{
    public static async Task<MemoryFigure> RunAsync(BenchStorage storage, IngestBenchSettings settings, CancellationToken cancellationToken)
    {
        // Start from what this process really holds, not from garbage of the parts before.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        await using var services = await storage.CreateServicesAsync(cancellationToken);
        var handler = services.GetRequiredService<IngestionHandler>();
        var cacheSize = services.GetRequiredService<IOptions<IngestionOptions>>().Value.ActivityCacheSize;
        var azurite = storage.AzuriteProcess;
        var traffic = new BenchTraffic(settings.Seed + 3, settings.ActiveVisitors);
        var every = Math.Max(1, settings.MemoryEvents / 10);
        var checkpoints = new List<MemoryCheckpoint>();
        var startWorkingSet = Environment.WorkingSet;
        var peaks = new Peaks();

        using var sampler = new Timer(_ => peaks.Sample(azurite), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
        var cpu = new CpuMeter(storage.AzuriteProcess);
        var clock = Stopwatch.StartNew();
        long done = 0, stored = 0, next = every, lastEvents = 0;
        var lastTime = TimeSpan.Zero;
        Console.WriteLine($"  (e) ingesting {settings.MemoryEvents:N0} events; working set at start {Mb(startWorkingSet)}");
        foreach (var delivery in traffic.Deliveries("bench-memory", settings.MemoryEvents, ThroughputBench.RequestsPerDelivery))
        {
            var result = await handler.HandleAsync(delivery, cancellationToken);
            done += result.Received;
            stored += result.Stored;
            if (done >= next || done == settings.MemoryEvents)
            {
                next = (done / every + 1) * every;
                var elapsed = clock.Elapsed;
                var managed = GC.GetTotalMemory(false);
                // What ingestion really holds: the heap after a full compacting collection (the heap after the last
                // collection of any generation would count garbage that simply has not been collected yet).
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                var live = GC.GetTotalMemory(false);
                var info = GC.GetGCMemoryInfo();
                var azuriteNow = peaks.Sample(azurite);
                var checkpoint = new MemoryCheckpoint(
                    done, elapsed, (done - lastEvents) / Math.Max((elapsed - lastTime).TotalSeconds, 1e-9),
                    managed, live, info.TotalCommittedBytes, Environment.WorkingSet, azuriteNow);
                checkpoints.Add(checkpoint);
                (lastEvents, lastTime) = (done, elapsed);
                Console.WriteLine($"  (e) {done,9:N0} events {elapsed.TotalSeconds,6:F0} s {checkpoint.EventsPerSecond,7:N0} events/s | managed heap {Mb(checkpoint.ManagedHeap)}, " +
                    $"live after full GC {Mb(checkpoint.HeapAfterGc)}, working set {Mb(checkpoint.WorkingSet)}" +
                    (checkpoint.AzuriteWorkingSet is { } a ? $" | Azurite {Mb(a)}" : string.Empty));
            }
        }

        clock.Stop();
        var used = cpu.Stop();
        peaks.Sample(azurite);
        using var self = Process.GetCurrentProcess();
        return new MemoryFigure(
            checkpoints, done, clock.Elapsed, startWorkingSet, peaks.WorkingSet, peaks.ManagedHeap, self.PeakWorkingSet64,
            azurite is null ? null : peaks.Azurite, cacheSize, traffic.Visitors, stored, used);
    }

    public static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):N0} MB";

    /// <summary>Highest values seen by the sampler.</summary>
    private sealed class Peaks
    {
        private readonly Lock _gate = new();

        public long WorkingSet { get; private set; }

        public long ManagedHeap { get; private set; }

        public long Azurite { get; private set; }

        /// <summary>Takes a sample; returns Azurite's working set now, when known.</summary>
        public long? Sample(Process? azurite)
        {
            lock (_gate)
            {
                WorkingSet = Math.Max(WorkingSet, Environment.WorkingSet);
                ManagedHeap = Math.Max(ManagedHeap, GC.GetTotalMemory(false));
                if (azurite is null)
                {
                    return null;
                }

                // Process is not thread-safe: the sampler and the checkpoints share it under this lock.
                azurite.Refresh();
                if (azurite.HasExited)
                {
                    return null;
                }

                Azurite = Math.Max(Azurite, azurite.WorkingSet64);
                return azurite.WorkingSet64;
            }
        }
    }
}
