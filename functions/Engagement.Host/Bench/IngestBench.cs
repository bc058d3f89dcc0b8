using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Engagement.Host.Bench;

/// <summary>
/// <c>engage bench ingest</c>: (a) raw batched table writes, (b) the ingestion handler on the same events, (b2) the
/// same through the stream queue, (c) b/a against its target, (d) the tracking API under concurrent load with a
/// check that nothing acknowledged is lost, (e) memory over many events. Prints one table with all figures.
/// </summary>
internal static class IngestBench
{
    /// <summary>Ingestion should keep at least this share of what the table service does with plain batched writes.</summary>
    private const double TargetRatio = 0.7;

    public static async Task<int> RunAsync(string? storageConnection, IngestBenchSettings settings, CancellationToken cancellationToken)
    {
        if (Console.IsOutputRedirected)
        {
            // Redirected to a file, Spectre would wrap tables at 80 columns.
            AnsiConsole.Profile.Width = 200;
        }

        // The load must measure the API, not the per-source rate limit.
        var overrides = new Dictionary<string, string?>
        {
            ["Tracking:EventsPerSecondPerSource"] = "1000000",
            ["Tracking:BurstEventsPerSource"] = "10000000",
        };
        // By default every part runs on a fresh in-memory Azurite ((a) and (b) on the same one), because Azurite slows
        // as its tables grow: no figure then depends on the parts run before it. With --storage all share that account.
        Task<BenchStorage> OpenStorageAsync() => BenchStorage.OpenAsync(storageConnection, overrides, cancellationToken);
        PrintHeader(storageConnection is null ? "in-memory Azurite, a fresh one for each part ((a) and (b) share one)" : "the account given with --storage, shared by all parts", settings);

        ThroughputComparison? comparison = null;
        if (!settings.Skip.Contains(BenchPart.Throughput))
        {
            await using var storage = await OpenStorageAsync();
            await using var services = await storage.CreateServicesAsync(cancellationToken);
            await using var eventsOnlyStorage = storageConnection is null ? await OpenStorageAsync() : null;
            await using var eventsOnlyServices = eventsOnlyStorage is null ? null : await eventsOnlyStorage.CreateServicesAsync(cancellationToken);
            comparison = await ThroughputBench.CompareAsync(
                services, eventsOnlyServices ?? services, settings, storage.AzuriteProcess, (eventsOnlyStorage ?? storage).AzuriteProcess, cancellationToken);
            Console.WriteLine($"  → (a) {comparison.Raw.EventsPerSecond:N0} events/s, (b) {comparison.Pipeline.EventsPerSecond:N0} events/s, " +
                $"b/a {comparison.Pipeline.EventsPerSecond / comparison.Raw.EventsPerSecond:F2}, (b′) {comparison.EventsOnly.EventsPerSecond:N0} events/s");
        }

        ThroughputFigure? queue = null;
        if (!settings.Skip.Contains(BenchPart.Queue))
        {
            await using var storage = await OpenStorageAsync();
            await using var services = await storage.CreateServicesAsync(cancellationToken);
            queue = await ThroughputBench.QueueAsync(services, settings, storage.AzuriteProcess, cancellationToken);
            Console.WriteLine($"  → (b2) {queue.EventsPerSecond:N0} events/s");
        }

        LoadFigure? load = null;
        if (!settings.Skip.Contains(BenchPart.Load))
        {
            await using var storage = await OpenStorageAsync();
            Console.WriteLine("(d) tracking API under load");
            load = await TrackingLoadBench.RunAsync(storage, settings, cancellationToken);
            Console.WriteLine($"  → (d) {load.AcceptedPerSecond:N0} accepted events/s, p50 {load.P50.TotalMilliseconds:N0} ms, p99 {load.P99.TotalMilliseconds:N0} ms, lost: {load.Lost:N0}");
        }

        MemoryFigure? memory = null;
        if (!settings.Skip.Contains(BenchPart.Memory))
        {
            await using var storage = await OpenStorageAsync();
            Console.WriteLine("(e) memory over many events");
            memory = await MemoryBench.RunAsync(storage, settings, cancellationToken);
        }

        if (memory is not null)
        {
            PrintCheckpoints(memory);
        }

        PrintSummary(settings, comparison, queue, load, memory);
        return load is { Lost: > 0 } or { CaughtUp: false } ? 1 : 0;
    }

    private static void PrintHeader(string storage, IngestBenchSettings settings)
    {
        // Bound from the environment, as every command's services are (Ingestion__MaxConcurrency=64, say).
        var options = new ConfigurationBuilder().AddEnvironmentVariables().Build()
            .GetSection(IngestionOptions.SectionName).Get<IngestionOptions>() ?? new IngestionOptions();
        BenchHeader.Print("engage bench ingest");
        AnsiConsole.WriteLine($"storage:   {storage}; Azurite {AzuriteVersion()} on Node.js {NodeVersion()}");
        AnsiConsole.WriteLine($"ingestion: MaxConcurrency {options.MaxConcurrency}, ActivityCacheSize {options.ActivityCacheSize:N0}, QueueBatchSize {options.QueueBatchSize}");
        AnsiConsole.WriteLine($"traffic:   the demo's web visitors (page views, logins, products, orders), {settings.ActiveVisitors:N0} active at once, seed {settings.Seed}; " +
            $"deliveries of {ThroughputBench.RequestsPerDelivery} × {BenchTraffic.MessagesPerRequest}-message requests");
        AnsiConsole.WriteLine();
    }

    private static void PrintCheckpoints(MemoryFigure memory)
    {
        var table = new Table().Title("(e) memory while ingesting").AddColumns(
            new TableColumn("events").RightAligned(), new TableColumn("elapsed").RightAligned(), new TableColumn("events/s").RightAligned(),
            new TableColumn("managed heap").RightAligned(), new TableColumn("live after full GC").RightAligned(), new TableColumn("GC committed").RightAligned(),
            new TableColumn("working set").RightAligned(), new TableColumn("Azurite working set").RightAligned());
        foreach (var c in memory.Checkpoints)
        {
            table.AddRow(Cells($"{c.Events:N0}", $"{c.Elapsed.TotalSeconds:N0} s", $"{c.EventsPerSecond:N0}", MemoryBench.Mb(c.ManagedHeap), MemoryBench.Mb(c.HeapAfterGc),
                MemoryBench.Mb(c.Committed), MemoryBench.Mb(c.WorkingSet), c.AzuriteWorkingSet is { } a ? MemoryBench.Mb(a) : "–"));
        }

        AnsiConsole.Write(table);
    }

    private static void PrintSummary(IngestBenchSettings settings, ThroughputComparison? comparison, ThroughputFigure? queue, LoadFigure? load, MemoryFigure? memory)
    {
        var (raw, pipeline, eventsOnly) = (comparison?.Raw, comparison?.Pipeline, comparison?.EventsOnly);
        var table = new Table().Title("engage bench ingest").AddColumns(
            new TableColumn(string.Empty), new TableColumn("measure"), new TableColumn("figure").RightAligned(), new TableColumn("details"));
        if (raw is not null && pipeline is not null && eventsOnly is not null)
        {
            table.AddRow(Cells("(a)", "raw batched table writes", $"{raw.EventsPerSecond:N0} events/s",
                $"{raw.Events:N0} events in {raw.Elapsed.TotalSeconds:N1} s; {raw.Notes}; {comparison!.EventsPerPartition:F1} events per partition per delivery; {raw.Cpu}"));
            table.AddRow(Cells("(b)", "ingestion handler", $"{pipeline.EventsPerSecond:N0} events/s",
                $"{pipeline.Events:N0} events in {pipeline.Elapsed.TotalSeconds:N1} s; {pipeline.Notes}; {pipeline.Cpu}"));
            var ratio = pipeline.EventsPerSecond / raw.EventsPerSecond;
            table.AddRow(
                new Text("(c)"), new Text("b / a"),
                new Markup(ratio >= TargetRatio ? $"{ratio:F2} [green]PASS[/]" : $"{ratio:F2} [red]MISS[/]"),
                new Text($"target ≥ {TargetRatio:F2}"));
            table.AddRow(Cells("(b′)", "event store alone, no identity resolution", $"{eventsOnly.EventsPerSecond:N0} events/s",
                $"b′/a = {eventsOnly.EventsPerSecond / raw.EventsPerSecond:F2}; {eventsOnly.Events:N0} events in {eventsOnly.Elapsed.TotalSeconds:N1} s; {eventsOnly.Notes}; {eventsOnly.Cpu}"));
            foreach (var (label, figure) in new[] { ("(a)", raw), ("(b)", pipeline), ("(b′)", eventsOnly) })
            {
                if (figure.RequestsPerThousand is { } requests)
                {
                    table.AddRow(Cells(label, "storage requests", $"{requests.Total:N0} per 1,000 events", "per 1,000 events: " + requests.ByKind));
                }
            }
        }

        if (queue is not null)
        {
            table.AddRow(Cells("(b2)", "queue → consumer → ingestion", $"{queue.EventsPerSecond:N0} events/s",
                (raw is null ? string.Empty : $"b2/a = {queue.EventsPerSecond / raw.EventsPerSecond:F2}; ") + $"{queue.Events:N0} events in {queue.Elapsed.TotalSeconds:N1} s; {queue.Notes}; {queue.Cpu}"));
        }

        if (load is not null)
        {
            table.AddRow(Cells("(d)", "tracking API, accepted", $"{load.AcceptedPerSecond:N0} events/s",
                $"{load.AcceptedEvents:N0} events in {load.Requests:N0} requests over {load.Elapsed.TotalSeconds:N1} s from {settings.Senders} senders; {load.Cpu}"));
            table.AddRow(Cells("(d)", "request latency", $"p50 {load.P50.TotalMilliseconds:N0} ms",
                $"p99 {load.P99.TotalMilliseconds:N0} ms, max {load.Max.TotalMilliseconds:N0} ms (accepted requests, histogram ±2 %)"));
            table.AddRow(Cells("(d)", "retried", $"{load.TooManyRequests:N0} × 429, {load.Unavailable:N0} × 503",
                $"{load.OtherErrors:N0} other errors; {load.RejectedMessages:N0} invalid messages rejected (the demo's broken tags)"));
            table.AddRow(
                new Text("(d)"), new Text("lost"),
                new Markup(load.Lost == 0 && load.CaughtUp ? "[green]lost: 0[/]" : $"[red]lost: {load.Lost:N0}[/]"),
                new Text($"{load.StoredRows:N0} of {load.StoredRows + load.Lost:N0} distinct acknowledged messages found stored, row by row (in {load.CheckTime.TotalSeconds:N0} s); ingestion " +
                    (load.CaughtUp ? $"caught up {load.CatchUp.TotalSeconds:N1} s after the load ended" : $"had not caught up {load.CatchUp.TotalMinutes:N0} min after the load ended")));
        }

        if (memory is not null)
        {
            var first = memory.Checkpoints.Count > 0 ? memory.Checkpoints[0] : null;
            var last = memory.Checkpoints.Count > 0 ? memory.Checkpoints[^1] : null;
            table.AddRow(Cells("(e)", $"peak memory, {memory.Events:N0} events", $"{MemoryBench.Mb(memory.PeakWorkingSetDuringRun)} working set",
                $"at start {MemoryBench.Mb(memory.StartWorkingSet)}; managed heap peak {MemoryBench.Mb(memory.PeakManagedHeapDuringRun)}" +
                (first is null || last is null ? string.Empty : $", live heap after full GC {MemoryBench.Mb(first.HeapAfterGc)} at {first.Events:N0} events → {MemoryBench.Mb(last.HeapAfterGc)} at {last.Events:N0}") +
                $"; process peak over the whole run {MemoryBench.Mb(memory.ProcessPeakWorkingSet)}"));
            table.AddRow(Cells("(e)", "ingestion rate, memory run", $"{memory.Events / memory.Elapsed.TotalSeconds:N0} events/s",
                $"{memory.Events:N0} events ({memory.Stored:N0} stored) of {memory.Visitors:N0} visitors in {memory.Elapsed.TotalMinutes:N1} min, generated and parsed on the fly; {memory.Cpu}"));
            table.AddRow(Cells("(e)", "cache bound", $"ActivityCacheSize {memory.ActivityCacheSize:N0}",
                "activity rows (EventStore) and identity links (IdentityResolver), each an LRU of that many entries"));
            if (memory.PeakAzuriteWorkingSet is { } azurite)
            {
                table.AddRow(Cells("(e)", "Azurite (Node.js) peak", MemoryBench.Mb(azurite), "working set of the fresh in-memory Azurite of (e), which holds every row (e) wrote"));
            }
        }

        AnsiConsole.Write(table);
    }

    private static IRenderable[] Cells(params string[] texts) => texts.Select(t => (IRenderable)new Text(t)).ToArray();

    internal static string? LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string AzuriteVersion()
    {
        try
        {
            var package = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "node_modules", "azurite", "package.json")));
            return (string?)package?["version"] ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string NodeVersion()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            var version = node?.StandardOutput.ReadToEnd().Trim();
            node?.WaitForExit();
            return string.IsNullOrEmpty(version) ? "?" : version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }
}
