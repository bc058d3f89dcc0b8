using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Azure.Data.Tables;
using Engagement.Core.Identity;
using Engagement.Host.Cli;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Sources;
using Engagement.Infrastructure.Storage;

namespace Engagement.Host.Bench;

/// <summary>
/// (d) The self-hosted web host (tracking API and stream consumer) under concurrent loopback load from Segment-like
/// clients posting <c>/v1/batch</c>; then, once ingestion has caught up, every acknowledged message is looked for in
/// the events table.
/// </summary>
internal static class TrackingLoadBench
{
    private const int MaxAttempts = 10;
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromMinutes(20);

    public static async Task<LoadFigure> RunAsync(BenchStorage storage, IngestBenchSettings settings, CancellationToken cancellationToken)
    {
        var url = $"http://127.0.0.1:{Loopback.FreePort()}";
        await using var app = EngageWebHost.Build(storage.Settings, url, consume: true);
        await StorageContext.CheckReachableAsync(app.Services, cancellationToken);
        await app.StartAsync(cancellationToken);
        var sourceName = $"bench-load-{settings.Seed}";
        var added = await app.Services.GetRequiredService<SourceRegistry>().AddAsync(sourceName, cancellationToken: cancellationToken);
        var writeKey = added.WriteKey ?? throw new CommandLineException($"could not add source {sourceName}: {added.Error} (use another --seed)");
        var metrics = app.Services.GetRequiredService<IngestionMetrics>();
        var receivedBefore = metrics.Received;
        Console.WriteLine($"  (d) {settings.Senders} senders posting {BenchTraffic.MessagesPerRequest}-message batches to {url}/v1/batch for {settings.LoadDuration.TotalSeconds:N0} s");

        // Bodies are made ahead by one writer, so senders spend their time sending.
        var bodies = Channel.CreateBounded<(byte[] Body, SentMessage[] Messages)>(new BoundedChannelOptions(settings.Senders * 2) { SingleWriter = true });
        using var stopFeeding = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var traffic = new BenchTraffic(settings.Seed + 2, settings.ActiveVisitors);
        var feeder = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await bodies.Writer.WriteAsync(traffic.NextRequest(), stopFeeding.Token);
                }
            }
            catch (OperationCanceledException)
            {
                bodies.Writer.TryComplete();
            }
        }, CancellationToken.None);

        var histogram = new LatencyHistogram();
        var counters = new LoadCounters();
        var acknowledged = new List<SentMessage>[settings.Senders];
        var cpu = new CpuMeter(storage.AzuriteProcess);
        var clock = Stopwatch.StartNew();
        var deadline = settings.LoadDuration;
        var senders = Enumerable.Range(0, settings.Senders).Select(i => Task.Run(async () =>
        {
            acknowledged[i] = [];
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(100) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
            while (clock.Elapsed < deadline)
            {
                var (body, messages) = await bodies.Reader.ReadAsync(cancellationToken);
                await SendAsync(http, body, messages, acknowledged[i], histogram, counters, cancellationToken);
            }
        }, cancellationToken)).ToList();

        var reporter = Task.Run(async () =>
        {
            while (!senders.All(s => s.IsCompleted))
            {
                await Task.Delay(5000, cancellationToken);
                Console.WriteLine($"  (d) {clock.Elapsed.TotalSeconds:F0} s: {counters.AcceptedEvents:N0} events accepted ({counters.AcceptedEvents / clock.Elapsed.TotalSeconds:N0}/s), " +
                    $"p50 {histogram.Percentile(50).TotalMilliseconds:N0} ms, ingested {metrics.Received - receivedBefore:N0}");
            }
        }, cancellationToken);

        await Task.WhenAll(senders);
        var elapsed = clock.Elapsed;
        await stopFeeding.CancelAsync();
        await feeder;
        var loadCpu = cpu.Stop();

        // Ingestion has caught up once it has handled as many events as were acknowledged.
        var accepted = counters.AcceptedEvents;
        var caughtUp = true;
        var waiting = Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        while (metrics.Received - receivedBefore < accepted)
        {
            if (waiting.Elapsed > CatchUpLimit)
            {
                caughtUp = false;
                break;
            }

            if (waiting.Elapsed - lastLine > TimeSpan.FromSeconds(10))
            {
                lastLine = waiting.Elapsed;
                Console.WriteLine($"  (d) waiting for ingestion to catch up: {metrics.Received - receivedBefore:N0} / {accepted:N0}");
            }

            await Task.Delay(100, cancellationToken);
        }

        var catchUp = waiting.Elapsed;
        await reporter;

        await app.StopAsync(CancellationToken.None);
        var (found, lost, checkTime) = await CheckStoredAsync(app.Services, acknowledged.SelectMany(a => a), cancellationToken);
        return new LoadFigure(
            counters.Requests, accepted, elapsed, histogram.Percentile(50), histogram.Percentile(99), histogram.Max,
            counters.TooManyRequests, counters.Unavailable, counters.OtherErrors, counters.RejectedMessages,
            catchUp, found, lost, checkTime, caughtUp, loadCpu);
    }

    /// <summary>Sends one batch as a Segment client does: retries 429 and 5xx after the delay asked for, drops on other errors.</summary>
    private static async Task SendAsync(HttpClient http, byte[] body, SentMessage[] messages, List<SentMessage> acknowledged, LatencyHistogram histogram, LoadCounters counters, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var started = Stopwatch.GetTimestamp();
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync("/v1/batch", content, cancellationToken);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref counters.OtherErrors);
                await Task.Delay(200 * attempt, cancellationToken);
                continue;
            }

            using (response)
            {
                var reply = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                Interlocked.Increment(ref counters.Requests);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    histogram.Record(Stopwatch.GetElapsedTime(started));
                    var rejected = RejectedIndexes(reply);
                    Interlocked.Add(ref counters.RejectedMessages, rejected.Count);
                    for (var i = 0; i < messages.Length; i++)
                    {
                        if (!rejected.Contains(i))
                        {
                            acknowledged.Add(messages[i]);
                        }
                    }

                    Interlocked.Add(ref counters.AcceptedEvents, messages.Length - rejected.Count);
                    return;
                }

                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref counters.TooManyRequests);
                }
                else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref counters.Unavailable);
                }
                else
                {
                    Interlocked.Increment(ref counters.OtherErrors);
                    if ((int)response.StatusCode < 500)
                    {
                        return;
                    }
                }

                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
        }
    }

    private static HashSet<int> RejectedIndexes(byte[] reply)
    {
        var indexes = new HashSet<int>();
        using var document = JsonDocument.Parse(reply);
        if (document.RootElement.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in rejected.EnumerateArray())
            {
                indexes.Add(item.GetProperty("index").GetInt32());
            }
        }

        return indexes;
    }

    /// <summary>
    /// Looks up the row of every acknowledged message where ingestion must have stored it (its identity's partition,
    /// <see cref="EventRows.RowKeyOf"/>). Point reads, because Azurite answers every table query by scanning the
    /// whole table.
    /// </summary>
    private static async Task<(long Found, long Lost, TimeSpan Took)> CheckStoredAsync(IServiceProvider services, IEnumerable<SentMessage> acknowledged, CancellationToken cancellationToken)
    {
        var events = services.GetRequiredService<EngagementStorage>().Events;
        var pseudonymizer = services.GetRequiredService<Pseudonymizer>();
        var distinct = acknowledged.DistinctBy(m => m.MessageId, StringComparer.Ordinal).ToList();
        Console.WriteLine($"  (d) looking up {distinct.Count:N0} acknowledged messages in the events table");
        long found = 0, lost = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(distinct, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (message, ct) =>
        {
            var row = await events.GetEntityIfExistsAsync<TableEntity>(
                pseudonymizer.KeyOf(message.Identity).Value, EventRows.RowKeyOf(message.MessageId), select: ["RowKey"], cancellationToken: ct);
            Interlocked.Increment(ref row.HasValue ? ref found : ref lost);
        });
        return (found, lost, clock.Elapsed);
    }

    /// <summary>Shared counters of the senders.</summary>
    private sealed class LoadCounters
    {
#pragma warning disable CA1051 // Fields, so senders can update them with Interlocked.
        public long Requests;
        public long AcceptedEvents;
        public long TooManyRequests;
        public long Unavailable;
        public long OtherErrors;
        public long RejectedMessages;
#pragma warning restore CA1051
    }
}
