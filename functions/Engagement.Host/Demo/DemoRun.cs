using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Engagement.Host.Cli;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Ads;
using Engagement.Infrastructure.Models;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Sources;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Spectre.Console;

namespace Engagement.Host.Demo;

/// <summary>
/// <c>engage demo</c>: runs the self-hosted platform, sends a generated week of traffic through the real tracking
/// API (as a Segment client would) and the ad import, waits until ingestion has caught up, and reports what is stored.
/// </summary>
internal static class DemoRun
{
    private const int BatchSize = 100;
    private const int Senders = 4;

    public static async Task<int> RunAsync(StorageContext context, int seed, int visitors, DateTimeOffset weekStart, CancellationToken cancellationToken)
    {
        var url = $"http://127.0.0.1:{Loopback.FreePort()}";
        await using var app = EngageWebHost.Build(context.Settings, url);
        await StorageContext.CheckReachableAsync(app.Services, cancellationToken);
        await app.StartAsync(cancellationToken);
        var services = app.Services;

        var webKey = await EnsureSourceAsync(services, "demo-web", context.Settings.GetValueOrDefault("Demo:WebKey"), cancellationToken);
        await EnsureSourceAsync(services, "ad-server", context.Settings.GetValueOrDefault("Demo:AdKey"), cancellationToken);

        var traffic = new DemoTraffic(seed, weekStart);
        var messages = new List<JsonObject>();
        var adRows = new List<string>();
        for (var i = 0; i < visitors; i++)
        {
            var week = traffic.NextVisitor(i);
            messages.AddRange(week.Messages);
            adRows.AddRange(week.AdRows);
        }

        // A tracking library sends in the order events happen.
        messages.Sort((a, b) => string.CompareOrdinal((string)a["timestamp"]!, (string)b["timestamp"]!));
        var adLog = Path.Combine(RepoPaths.DataDirectory, "demo", $"ads-{seed}.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(adLog)!);
        await File.WriteAllLinesAsync(adLog, adRows.Prepend(DemoTraffic.AdLogHeader), cancellationToken);

        var metrics = services.GetRequiredService<IngestionMetrics>();
        var startReceived = metrics.Received;
        long acceptedWeb = 0, rejectedWeb = 0;
        AdImportReport? adReport = null;
        AnsiConsole.MarkupLine($"[bold]Engagement 360 demo[/] — {visitors:N0} visitors, seed {seed}, week from {weekStart:yyyy-MM-dd}, API at {url}");

        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var send = progress.AddTask($"Sending {messages.Count:N0} web events", maxValue: messages.Count);
                var import = progress.AddTask($"Importing {adRows.Count:N0} ad records", maxValue: adRows.Count);
                var ingest = progress.AddTask("Ingesting", maxValue: messages.Count + adRows.Count);

                using var http = new HttpClient { BaseAddress = new Uri(url) };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(webKey + ":")));
                var batches = messages.Chunk(BatchSize).ToList();
                await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = Senders, CancellationToken = cancellationToken }, async (batch, ct) =>
                {
                    var (accepted, rejected) = await SendBatchAsync(http, batch, ct);
                    Interlocked.Add(ref acceptedWeb, accepted);
                    Interlocked.Add(ref rejectedWeb, rejected);
                    send.Increment(batch.Length);
                    ingest.Value = metrics.Received - startReceived;
                });

                using (var reader = File.OpenText(adLog))
                {
                    adReport = await services.GetRequiredService<AdImporter>().ImportAsync(
                        reader, AdLogFormat.Csv, "ad-server", new Progress<long>(n => import.Value = n), cancellationToken);
                }

                import.Value = import.MaxValue;
                var expected = acceptedWeb + adReport.Accepted;
                ingest.MaxValue = expected;
                var consumer = services.GetRequiredService<QueueStreamConsumer>();
                while (metrics.Received - startReceived < expected || await consumer.BacklogAsync(cancellationToken) > 0)
                {
                    ingest.Value = Math.Min(expected, metrics.Received - startReceived);
                    await Task.Delay(250, cancellationToken);
                }

                ingest.Value = expected;
            });

        await ReportAsync(services, metrics, acceptedWeb, rejectedWeb, adReport!, cancellationToken);
        await app.StopAsync(cancellationToken);
        var learned = await LearnAndPublishAsync(context, cancellationToken);
        var customers = messages
            .Where(m => (string?)m["type"] == "identify" && m["userId"] is not null && m["traits"]?["email"] is not null)
            .Select(m => ((string)m["userId"]!, (string)m["traits"]!["email"]!))
            .DistinctBy(c => c.Item1)
            .ToList();
        await DemoConsentDrive.RunAsync(context, seed, customers, cancellationToken);
        await DemoCampaign.RunAsync(context, seed, cancellationToken);
        return learned;
    }

    /// <summary>
    /// The second half of the demo: train the goal models on what was just stored, publish the lists, and show how
    /// well the models find the signal the traffic planted (personas differ in what they read, see and buy).
    /// </summary>
    private static async Task<int> LearnAndPublishAsync(StorageContext context, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>(DemoModelSettings(), StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in context.Settings)
        {
            settings[key] = value;
        }

        await using var services = await StorageContext.CreateServicesAsync(settings, cancellationToken);
        AnsiConsole.MarkupLine("[bold]Training[/] the goal models on the stored journeys (LightGBM, FastTree, logistic regression; the newest day held out)…");
        var reports = await services.GetRequiredService<ModelTraining>().TrainAllAsync(cancellationToken);
        Cli.ModelPrinter.Print(reports);
        AnsiConsole.MarkupLine("[bold]Publishing[/] scores: bid lists and next-best-offer lists…");
        var published = await services.GetRequiredService<ScorePublisher>().PublishAsync(cancellationToken);
        Cli.ModelPrinter.Print(published);
        if (reports.FirstOrDefault(r => r.Goal == "order") is { Metrics: { } order })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Headline: the order model ranks people with AUC {order.Auc:F2}; the top decile orders {order.TopDecileLift:F1}× as often as everyone (targets: AUC ≥ 0.75, lift ≥ 3×)."));
        }

        return 0;
    }

    /// <summary>The demo's goals: any order (which sets the bids), and one per product family for next-best offers.</summary>
    private static Dictionary<string, string?> DemoModelSettings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Models:BidGoal"] = "order",
            ["Models:AdPersonalisationDefault"] = "Denied",
            ["Models:Goals:0:Name"] = "order",
            ["Models:Goals:0:Kind"] = "Conversion",
            ["Models:Goals:0:EventName"] = "Order Completed",
        };
        var index = 1;
        foreach (var (family, products) in DemoTraffic.ProductFamilies)
        {
            settings[$"Models:Goals:{index}:Name"] = "order-" + family;
            settings[$"Models:Goals:{index}:Kind"] = "Conversion";
            settings[$"Models:Goals:{index}:EventName"] = "Order Completed";
            settings[$"Models:Goals:{index}:ProductFamily"] = family;
            for (var p = 0; p < products.Count; p++)
            {
                settings[$"Models:Goals:{index}:Products:{p}"] = products[p];
            }

            index++;
        }

        return settings;
    }

    private static async Task<(int Accepted, int Rejected)> SendBatchAsync(HttpClient http, JsonObject[] batch, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["batch"] = new JsonArray(batch.Select(m => (JsonNode)m.DeepClone()).ToArray()), ["sentAt"] = DateTimeOffset.UtcNow.ToString("O") };
        for (var attempt = 1; ; attempt++)
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("/v1/batch", content, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var rejected = reply?["rejected"]?.AsArray().Count ?? 0;
                return (batch.Length - rejected, rejected);
            }

            // Behave like a Segment client: retry 429 and 5xx after the delay asked for, drop on other 4xx.
            if ((response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500) && attempt < 10)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromMilliseconds(200 * attempt);
                await Task.Delay(wait, cancellationToken);
                continue;
            }

            throw new InvalidOperationException($"The tracking API answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private static async Task<string> EnsureSourceAsync(IServiceProvider services, string name, string? key, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<SourceRegistry>();
        if (key is not null && await registry.AuthenticateAsync(key, cancellationToken) == name)
        {
            return key;
        }

        var added = await registry.AddAsync(name, key, cancellationToken);
        return added.WriteKey
            ?? throw new CommandLineException($"source \"{name}\" exists with a key this demo does not know (set Demo__{(name == "demo-web" ? "WebKey" : "AdKey")}): {added.Error}");
    }

    private static async Task ReportAsync(IServiceProvider services, IngestionMetrics metrics, long acceptedWeb, long rejectedWeb, AdImportReport ads, CancellationToken cancellationToken)
    {
        var storage = services.GetRequiredService<EngagementStorage>();
        long eventRows = 0;
        await foreach (var _ in storage.Events.QueryAsync<TableEntity>(e => e.RowKey.CompareTo("ev") >= 0 && e.RowKey.CompareTo("ew") < 0, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            eventRows++;
        }

        // A person is a profile row (identities linked, traits known) or an identity with events only.
        var active = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in storage.Events.QueryAsync<TableEntity>(e => e.RowKey == "activity", select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            active.Add(row.PartitionKey);
        }

        await foreach (var row in storage.Profiles.QueryAsync<TableEntity>(e => e.RowKey == ProfileStore.LinkRow, select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            active.Remove(row.PartitionKey);
        }

        long profiles = active.Count, known = 0, stitched = 0;
        string? sampleUser = null;
        await foreach (var row in storage.Profiles.QueryAsync<TableEntity>(e => e.RowKey == ProfileStore.ProfileRow, select: ["PartitionKey", "UserId", "MergedInto", "DocumentChunks", "Document0"], cancellationToken: cancellationToken))
        {
            if (row.GetString("MergedInto") is { Length: > 0 })
            {
                continue;
            }

            profiles++;
            if (row.GetString("UserId") is { } userId)
            {
                known++;
                if ((row.GetString("Document0") ?? string.Empty).Contains("\"anonymousIds\":[\"", StringComparison.Ordinal))
                {
                    stitched++;
                    sampleUser ??= userId;
                }
            }
        }

        var deadLetters = await services.GetRequiredService<DeadLetterStore>().CountByStageAsync(cancellationToken);
        var table = new Table().AddColumn("What is stored").AddColumn(new TableColumn("Count").RightAligned());
        table.AddRow("Web events accepted by the API", $"{acceptedWeb:N0}");
        table.AddRow("Web events rejected (invalid, dead-lettered)", $"{rejectedWeb:N0}");
        table.AddRow("Ad records imported", $"{ads.Accepted:N0}");
        table.AddRow("Ad records rejected (bad rows, dead-lettered)", $"{ads.Errors.Count:N0}");
        table.AddRow("Events stored (this run: new / already stored)", $"{eventRows:N0} ({metrics.Stored:N0} / {metrics.Duplicates:N0})");
        table.AddRow("People (360° profiles)", $"{profiles:N0}");
        table.AddRow("Known customers", $"{known:N0}");
        table.AddRow("Stitched identities (anonymous history joined to a customer)", $"{stitched:N0}");
        table.AddRow("Dead letters", deadLetters.Count == 0 ? "0" : string.Join(", ", deadLetters.Select(d => $"{d.Key}: {d.Value}")));
        AnsiConsole.Write(table);

        if (sampleUser is not null && await services.GetRequiredService<ProfileQuery>().GetAsync(sampleUser, cancellationToken) is { } profile)
        {
            AnsiConsole.MarkupLine($"[bold]Sample profile[/] {Markup.Escape(sampleUser)}: {profile.EventCount} events from {profile.FirstSeen:yyyy-MM-dd HH:mm} to {profile.LastSeen:yyyy-MM-dd HH:mm}, " +
                $"{profile.AnonymousIds.Count} anonymous id(s), traits {Markup.Escape(string.Join(", ", profile.Traits.Keys))}");
            AnsiConsole.MarkupLine("  by type: " + Markup.Escape(string.Join(", ", profile.CountsByType.Select(c => $"{c.Key} {c.Value}"))));
            AnsiConsole.MarkupLine("  top pages: " + Markup.Escape(string.Join(", ", profile.Pages.Take(3).Select(p => $"{p.Key} ({p.Value})"))));
            AnsiConsole.MarkupLine("  ad domains: " + Markup.Escape(string.Join(", ", profile.AdDomains.Select(d => $"{d.Key} ({d.Value.Impressions} impressions, {d.Value.Clicks} clicks)"))));
        }
    }
}
