using System.Runtime;
using System.Runtime.InteropServices;
using Spectre.Console;

namespace Engagement.Host.Bench;

/// <summary>The lines every benchmark starts with: what ran, on what machine, in which build, under what load.</summary>
internal static class BenchHeader
{
    public static void Print(string command)
    {
#if DEBUG
        const string build = "Debug build: unoptimized, run with -c Release for figures worth comparing";
#else
        const string build = "Release build";
#endif
        var gc = GCSettings.IsServerGC ? "server GC" : "workstation GC";
        var memoryGb = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        AnsiConsole.MarkupLine($"[bold]Engagement 360 — {Markup.Escape(command)}[/]");
        AnsiConsole.WriteLine($"machine:   {Environment.ProcessorCount} cores, {memoryGb:N1} GB, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription} ({gc}{(GCSettings.LatencyMode == GCLatencyMode.Interactive ? ", concurrent" : string.Empty)}); {build}");
        if (IngestBench.LoadAverage() is { } load)
        {
            AnsiConsole.WriteLine($"load:      {load} (1/5/15 min) before the run; the CPU figures below show what other processes took meanwhile");
        }
    }
}
