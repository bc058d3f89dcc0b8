using System.Diagnostics;

namespace Engagement.Host.Bench;

/// <summary>How a benchmark run is set up.</summary>
/// <param name="MemoryEvents">Events ingested by the memory run (e).</param>
/// <param name="ThroughputEvents">Events of the throughput runs (a), (b), (b2).</param>
/// <param name="LoadDuration">How long the tracking API is loaded (d).</param>
/// <param name="Senders">Concurrent HTTP senders of the load (d).</param>
/// <param name="ActiveVisitors">Visitors whose traffic is interleaved at any moment.</param>
/// <param name="Seed">Seed of the generated traffic; each part draws its own visitors from it.</param>
/// <param name="Skip">Parts not run.</param>
internal sealed record IngestBenchSettings(
    long MemoryEvents,
    long ThroughputEvents,
    TimeSpan LoadDuration,
    int Senders,
    int ActiveVisitors,
    int Seed,
    IReadOnlySet<BenchPart> Skip);

/// <summary>Parts of <c>engage bench ingest</c> that can be skipped.</summary>
internal enum BenchPart
{
    /// <summary>(a), (b) and (c): raw table throughput against the ingestion handler.</summary>
    Throughput,

    /// <summary>(b2): the same through the stream queue.</summary>
    Queue,

    /// <summary>(d): the tracking API under concurrent load.</summary>
    Load,

    /// <summary>(e): memory while ingesting many events.</summary>
    Memory,
}

/// <summary>Events written in some time.</summary>
/// <param name="Events">Events written.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="Cpu">CPU used meanwhile by this process and by Azurite.</param>
/// <param name="Notes">What else is worth knowing.</param>
/// <param name="Requests">Storage requests sent, by method and table, when counted.</param>
internal sealed record ThroughputFigure(long Events, TimeSpan Elapsed, CpuUse Cpu, string Notes, IReadOnlyList<(string Request, long Count)>? Requests = null)
{
    public double EventsPerSecond => Events / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Storage requests per 1,000 events, in total and by kind.</summary>
    public (double Total, string ByKind)? RequestsPerThousand => Requests is null || Events == 0
        ? null
        : (Requests.Sum(r => r.Count) * 1000.0 / Events, string.Join(", ", Requests.Select(r => $"{r.Request} {r.Count * 1000.0 / Events:N0}")));
}

/// <summary>The tracking API under load.</summary>
internal sealed record LoadFigure(
    long Requests,
    long AcceptedEvents,
    TimeSpan Elapsed,
    TimeSpan P50,
    TimeSpan P99,
    TimeSpan Max,
    long TooManyRequests,
    long Unavailable,
    long OtherErrors,
    long RejectedMessages,
    TimeSpan CatchUp,
    long StoredRows,
    long Lost,
    TimeSpan CheckTime,
    bool CaughtUp,
    CpuUse Cpu)
{
    public double AcceptedPerSecond => AcceptedEvents / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>Memory after some events were ingested.</summary>
internal sealed record MemoryCheckpoint(long Events, TimeSpan Elapsed, double EventsPerSecond, long ManagedHeap, long HeapAfterGc, long Committed, long WorkingSet, long? AzuriteWorkingSet);

/// <summary>The memory run.</summary>
internal sealed record MemoryFigure(
    IReadOnlyList<MemoryCheckpoint> Checkpoints,
    long Events,
    TimeSpan Elapsed,
    long StartWorkingSet,
    long PeakWorkingSetDuringRun,
    long PeakManagedHeapDuringRun,
    long ProcessPeakWorkingSet,
    long? PeakAzuriteWorkingSet,
    int ActivityCacheSize,
    int Visitors,
    long Stored,
    CpuUse Cpu);

/// <summary>CPU seconds used by this process, by Azurite and by everything else on the machine over some time.</summary>
internal sealed record CpuUse(TimeSpan Engage, TimeSpan? Azurite, TimeSpan? Machine, TimeSpan Wall)
{
    public static CpuUse None { get; } = new(TimeSpan.Zero, null, null, TimeSpan.Zero);

    public CpuUse Plus(CpuUse other) => new(
        Engage + other.Engage,
        Azurite is { } a && other.Azurite is { } b ? a + b : Azurite ?? other.Azurite,
        Machine is { } m && other.Machine is { } n ? m + n : Machine ?? other.Machine,
        Wall + other.Wall);

    public override string ToString()
    {
        var wall = Math.Max(Wall.TotalSeconds, 1e-9);
        var text = $"CPU: engage {Engage.TotalSeconds / wall:P0}";
        if (Azurite is { } azurite)
        {
            text += $", Azurite {azurite.TotalSeconds / wall:P0}";
        }

        if (Machine is { } machine)
        {
            // What other processes took: on a shared machine this explains a slow figure.
            var others = machine - Engage - (Azurite ?? TimeSpan.Zero);
            text += $", other processes {Math.Max(0, others.TotalSeconds) / wall:P0}";
        }

        return text + " of one core";
    }
}

/// <summary>What this process allocated on the managed heap over some time, the collections it took and how long they paused it.</summary>
internal sealed record ManagedMemoryUse(long Allocated, int Collections, TimeSpan Paused)
{
    public static ManagedMemoryUse None { get; } = new(0, 0, TimeSpan.Zero);

    public ManagedMemoryUse Plus(ManagedMemoryUse other) => new(Allocated + other.Allocated, Collections + other.Collections, Paused + other.Paused);
}

/// <summary>Measures <see cref="ManagedMemoryUse"/> from its creation to <see cref="Stop"/>.</summary>
internal sealed class ManagedMemoryMeter
{
    private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: false);
    private readonly int _collections = GC.CollectionCount(0);
    private readonly TimeSpan _paused = GC.GetTotalPauseDuration();

    // Every collection counts at generation 0 (a gen 1 or gen 2 collection collects generation 0 too).
    public ManagedMemoryUse Stop() => new(GC.GetTotalAllocatedBytes(precise: false) - _allocated, GC.CollectionCount(0) - _collections, GC.GetTotalPauseDuration() - _paused);
}

/// <summary>Measures <see cref="CpuUse"/> from its creation to <see cref="Stop"/>.</summary>
internal sealed class CpuMeter
{
    // user, nice, system, irq, softirq, steal of the "cpu" line of /proc/stat: everything but idle and iowait.
    private static readonly int[] BusyFields = [1, 2, 3, 6, 7, 8];
    private readonly Process? _azurite;
    private readonly TimeSpan _engageStart;
    private readonly TimeSpan? _azuriteStart;
    private readonly TimeSpan? _machineStart;
    private readonly long _wallStart = Stopwatch.GetTimestamp();

    public CpuMeter(Process? azurite)
    {
        _azurite = azurite;
        _engageStart = EngageCpu();
        _azuriteStart = AzuriteCpu();
        _machineStart = MachineCpu();
    }

    public CpuUse Stop() => new(EngageCpu() - _engageStart, AzuriteCpu() - _azuriteStart, MachineCpu() - _machineStart, Stopwatch.GetElapsedTime(_wallStart));

    private static TimeSpan EngageCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Busy time of all cores together, from /proc/stat (Linux; null elsewhere).</summary>
    private static TimeSpan? MachineCpu()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // In clock ticks of 1/100 s.
            var busy = BusyFields.Sum(i => long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture));
            return TimeSpan.FromMilliseconds(busy * 10);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private TimeSpan? AzuriteCpu()
    {
        if (_azurite is null)
        {
            return null;
        }

        _azurite.Refresh();
        return _azurite.HasExited ? null : _azurite.TotalProcessorTime;
    }
}
