using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Core.Profiles;
using Engagement.Core.Segments;
using Engagement.Host.Cli;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Email;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Segments;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Templates;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Engagement.Host.Bench;

/// <summary>How <c>engage bench send</c> is set up.</summary>
/// <param name="Messages">Messages of (a) and of (b) each.</param>
/// <param name="Profiles">Profiles (with contacts) the audience of (c) is resolved over.</param>
/// <param name="Connections">SMTP connections of both (a) and (b).</param>
/// <param name="Chunks">Turns (a) and (b) take, so machine noise weighs on both alike.</param>
/// <param name="SkipSend">Leave out (a) and (b).</param>
/// <param name="SkipAudience">Leave out (c).</param>
internal sealed record SendBenchSettings(int Messages, int Profiles, int Connections, int Chunks, bool SkipSend, bool SkipAudience);

/// <summary>
/// <c>engage bench send</c>: (a) a raw MailKit loop over N connections sending pre-rendered campaign messages to a local
/// MailDev, (b) the full campaign path (claim, contact gate and frequency cap, personalise and render, track, send
/// through the pool, mark, record frequency) for the same number of recipients, taking turns chunk by chunk, and b/a
/// against its target; (c) resolving a segment's audience over many generated profiles and contacts, with time and
/// memory (working set, and the live heap after a full GC at checkpoints).
/// </summary>
internal static class SendBench
{
    /// <summary>The full path should keep at least this share of what MailKit alone sends.</summary>
    private const double TargetRatio = 0.8;

    /// <summary>Messages each path sends before timing starts.</summary>
    private const int WarmUp = 1_000;

    private const string Sender = "news@engagement360.local";
    private static readonly Uri PublicBase = new("https://engage.example.cz");

    public static async Task<int> RunAsync(string? storageConnection, SendBenchSettings settings, CancellationToken cancellationToken)
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200;
        }

        BenchHeader.Print("engage bench send");
        AnsiConsole.WriteLine($"storage:   {(storageConnection is null ? "in-memory Azurite, a fresh one for each part" : "the account given with --storage")}; SMTP sink: MailDev (Node.js) on loopback");
        AnsiConsole.WriteLine($"send:      {settings.Messages:N0} messages for (a) and for (b) each, {settings.Connections} connections each, in {settings.Chunks} alternating chunks; " +
            "marketing by legitimate interest (the gate still reads every recipient's ledger and contact)");
        AnsiConsole.WriteLine($"audience:  {settings.Profiles:N0} profiles with contacts, a trait segment holding half of them");
        AnsiConsole.WriteLine();

        SendFigures? send = null;
        if (!settings.SkipSend)
        {
            send = await SendAsync(storageConnection, settings, cancellationToken);
        }

        AudienceFigures? audience = null;
        if (!settings.SkipAudience)
        {
            audience = await AudienceAsync(storageConnection, settings, cancellationToken);
        }

        PrintSummary(settings, send, audience);
        return 0;
    }

    private static async Task<SendFigures> SendAsync(string? storageConnection, SendBenchSettings settings, CancellationToken cancellationToken)
    {
        await using var mail = await MailDevProcess.StartAsync(cancellationToken);
        var overrides = new Dictionary<string, string?>(mail.EmailSettings)
        {
            ["Email:From"] = Sender,
            ["Email:Smtp:Connections"] = settings.Connections.ToString(CultureInfo.InvariantCulture),
            ["Email:MaxPerSecond"] = "0",
            ["Contacts:LegitimateInterest:0"] = "marketing/Email",
        };
        await using var storage = await BenchStorage.OpenAsync(storageConnection, overrides, cancellationToken);
        await using var services = await storage.CreateServicesAsync(cancellationToken);
        var run = Guid.NewGuid().ToString("N")[..8];
        var templateId = "bench-" + run;
        var template = new CampaignTemplate(
            "Bench", "{{ profile.firstName | default: \"Hello\" }}, spring is here", "Picked for you",
            "<html><body><h1>Spring</h1><p>Dear {{ profile.firstName | default: \"customer\" }},</p><p>See <a href=\"https://shop.example.cz/spring\">the spring range</a> and " +
            "<a href=\"https://shop.example.cz/sale\">the sale</a>.</p><p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p></body></html>",
            "Dear {{ profile.firstName | default: \"customer\" }}, see https://shop.example.cz/spring. Unsubscribe: {{ unsubscribe_url }}");
        await services.GetRequiredService<TemplateStore>().CreateAsync(templateId, template, cancellationToken);

        Console.WriteLine($"Generating {settings.Messages:N0} contacts for (b) and {settings.Messages:N0} pre-rendered messages for (a)…");
        var storageTables = services.GetRequiredService<EngagementStorage>();
        // Recipients as a campaign has them: pseudonymous subject keys, planned in key order.
        var pseudonymizer = services.GetRequiredService<Pseudonymizer>();
        var recipients = Enumerable.Range(0, settings.Messages)
            .Select(i => new DeliveryRecipient(pseudonymizer.KeyOf(IdentityRef.User($"bench-{run}-{i:D7}")).Value, $"reader{i}.{run}@example.cz", "A"))
            .OrderBy(r => r.SubjectKey, StringComparer.Ordinal)
            .ToList();
        await Parallel.ForEachAsync(recipients, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (r, token) =>
            await storageTables.Contacts.UpsertEntityAsync(ContactRow(r.SubjectKey, r.Email, DateTimeOffset.UtcNow.AddDays(-30)), TableUpdateMode.Replace, token));
        var prerendered = PreRender(services, template, recipients, run);
        // A warm-up of each, not timed: the JIT compiles (and re-compiles, optimised) both paths before either is measured.
        var warmRecipients = Enumerable.Range(0, Math.Min(WarmUp, settings.Messages))
            .Select(i => new DeliveryRecipient(pseudonymizer.KeyOf(IdentityRef.User($"warm-{run}-{i:D7}")).Value, $"early{i}.{run}@example.cz", "A"))
            .OrderBy(r => r.SubjectKey, StringComparer.Ordinal)
            .ToList();
        await Parallel.ForEachAsync(warmRecipients, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (r, token) =>
            await storageTables.Contacts.UpsertEntityAsync(ContactRow(r.SubjectKey, r.Email, DateTimeOffset.UtcNow.AddDays(-30)), TableUpdateMode.Replace, token));
        var warmMessages = PreRender(services, template, warmRecipients, "w" + run);

        var delivery = services.GetRequiredService<CampaignDelivery>();
        // Storage requests of (b) only, counted from the Azure SDK's event source (what explains its figure).
        using var requests = new RequestCounter();
        var clients = new List<SmtpClient>();
        try
        {
            for (var i = 0; i < settings.Connections; i++)
            {
                var client = new SmtpClient();
                await client.ConnectAsync("127.0.0.1", mail.SmtpPort, SecureSocketOptions.None, cancellationToken);
                clients.Add(client);
            }

            var chunkSize = (int)Math.Ceiling(settings.Messages / (double)settings.Chunks);
            var raw = TimeSpan.Zero;
            var full = TimeSpan.Zero;
            var rawCpu = CpuUse.None;
            var fullCpu = CpuUse.None;
            var rawMemory = ManagedMemoryUse.None;
            var fullMemory = ManagedMemoryUse.None;
            var sent = 0;
            var campaign = "bench-" + run;
            Console.WriteLine($"Warming up: {warmMessages.Count:N0} messages through each, not timed");
            await RawLoopAsync(clients, warmMessages, cancellationToken);
            await delivery.SendAsync(
                new DeliveryBatch("warm-" + run, "main", "marketing", new CampaignSender(Sender, "Engagement 360"), new Dictionary<string, DeliveryVariant> { ["A"] = new(templateId) }, warmRecipients, PublicBase),
                cancellationToken);
            // Methods called often enough are re-compiled in the background a moment later.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            Console.WriteLine("(a) raw MailKit loop and (b) the full campaign path, taking turns chunk by chunk");
            for (var chunk = 0; chunk * chunkSize < settings.Messages; chunk++)
            {
                var messages = prerendered.Skip(chunk * chunkSize).Take(chunkSize).ToList();
                var batch = new DeliveryBatch(campaign, "main", "marketing", new CampaignSender(Sender, "Engagement 360"),
                    new Dictionary<string, DeliveryVariant> { ["A"] = new(templateId) }, recipients.Skip(chunk * chunkSize).Take(chunkSize).ToList(), PublicBase);
                // Alternate which goes first, so neither always meets a warmer or a busier machine.
                for (var turn = 0; turn < 2; turn++)
                {
                    var rawNow = (turn == 0) == (chunk % 2 == 0);
                    var cpu = new CpuMeter(storage.AzuriteProcess);
                    var memory = new ManagedMemoryMeter();
                    var clock = Stopwatch.StartNew();
                    if (rawNow)
                    {
                        await RawLoopAsync(clients, messages, cancellationToken);
                        raw += clock.Elapsed;
                        rawCpu = rawCpu.Plus(cpu.Stop());
                        rawMemory = rawMemory.Plus(memory.Stop());
                    }
                    else
                    {
                        requests.Part = "b";
                        var result = await delivery.SendAsync(batch, cancellationToken);
                        requests.Part = null;
                        full += clock.Elapsed;
                        fullCpu = fullCpu.Plus(cpu.Stop());
                        fullMemory = fullMemory.Plus(memory.Stop());
                        sent += result.Sent;
                        if (result.Sent != batch.Recipients.Count)
                        {
                            throw new CommandLineException($"the full path sent {result.Sent} of {batch.Recipients.Count} (failed {result.Failed.Count}, excluded {result.Excluded.Count}).");
                        }
                    }
                }

                Console.WriteLine($"  chunk {chunk + 1}: (a) {prerendered.Count(m => m.Sent) / Math.Max(raw.TotalSeconds, 1e-9):N0} e-mails/s, (b) {sent / Math.Max(full.TotalSeconds, 1e-9):N0} e-mails/s so far");
            }

            var pool = services.GetRequiredService<SmtpRelayPool>();
            return new SendFigures(settings.Messages, raw, rawCpu, rawMemory, sent, full, fullCpu, fullMemory, pool.ConnectsMade, requests.CountsOf("b"));
        }
        finally
        {
            foreach (var client in clients)
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(true, CancellationToken.None);
                }

                client.Dispose();
            }
        }
    }

    // The raw loop: each connection takes the next message and sends it, nothing else.
    private static async Task RawLoopAsync(List<SmtpClient> clients, List<PreRendered> messages, CancellationToken cancellationToken)
    {
        var queue = new ConcurrentQueue<PreRendered>(messages);
        await Task.WhenAll(clients.Select(async client =>
        {
            while (queue.TryDequeue(out var message))
            {
                await client.SendAsync(message.Message, cancellationToken);
                message.Sent = true;
            }
        }));
    }

    // What (b) renders, made beforehand with the same template, tracking and unsubscribe headers (for a person with no profile).
    private static List<PreRendered> PreRender(IServiceProvider services, CampaignTemplate template, List<DeliveryRecipient> recipients, string run)
    {
        var tracking = services.GetRequiredService<TrackingLinks>();
        var unsubscribe = services.GetRequiredService<UnsubscribeLinks>();
        var root = PublicBase.GetLeftPart(UriPartial.Authority);
        return recipients.Select(r =>
        {
            var messageId = new CampaignMessageId("raw-" + run, "main", "A", r.SubjectKey).Format("engagement360.local");
            var link = new UnsubscribeLink(r.SubjectKey, "marketing", "raw-" + run, messageId);
            var data = new TemplateData(Profile360.Compose(new ProfileDocument { ProfileKey = r.SubjectKey }, []), [], null, unsubscribe.Link(link, root), root + "/consent/page", new CampaignContext("Bench", "A"));
            var rendered = TemplateRenderer.Render(template, data).Message!;
            var message = new MimeMessage
            {
                Subject = rendered.Subject,
                MessageId = messageId,
                Date = DateTimeOffset.UtcNow,
                Body = new BodyBuilder
                {
                    HtmlBody = tracking.Rewrite(rendered.Html, new TrackedMessage("raw-" + run, "A", messageId, r.SubjectKey, DateTimeOffset.UtcNow), PublicBase),
                    TextBody = rendered.Text,
                }.ToMessageBody(),
            };
            message.From.Add(new MailboxAddress("Engagement 360", Sender));
            message.To.Add(MailboxAddress.Parse(r.Email));
            foreach (var (name, value) in unsubscribe.Headers(link, publicBase: root))
            {
                message.Headers.Add(name, value);
            }

            return new PreRendered(message);
        }).ToList();
    }

    private static async Task<AudienceFigures> AudienceAsync(string? storageConnection, SendBenchSettings settings, CancellationToken cancellationToken)
    {
        var overrides = new Dictionary<string, string?> { ["Contacts:LegitimateInterest:0"] = "marketing/Email" };
        // Azurite holds each entity in memory at a few kB (a million profiles with contacts and the exclusions recorded: about 8 GB).
        var heap = (int)Math.Max(AzuriteProcess.DefaultHeapMegabytes, 4096 + (settings.Profiles * 12L / 1000));
        await using var storage = await BenchStorage.OpenAsync(storageConnection, overrides, heap, cancellationToken);
        await using var services = await storage.CreateServicesAsync(cancellationToken);
        var tables = services.GetRequiredService<EngagementStorage>();
        var pseudonymizer = services.GetRequiredService<Pseudonymizer>();
        var now = DateTimeOffset.UtcNow;
        var run = Guid.NewGuid().ToString("N")[..8];

        Console.WriteLine($"(c) generating {settings.Profiles:N0} profiles and their contacts (timed apart from resolution)…");
        var generation = Stopwatch.StartNew();
        long written = 0;
        // One profile per partition, and its contact and suppression in one transaction of their partition: a row or
        // two per request, so Azurite is kept busy by many requests side by side.
        // Written in key order: Azurite keeps a sorted index of partition keys, and a key added at its end moves nothing.
        var order = Enumerable.Range(0, settings.Profiles).Select(i => (Key: pseudonymizer.KeyOf(IdentityRef.User($"bench-{run}-{i:D8}")).Value, Index: i))
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Index).ToArray();
        await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var userId = $"bench-{run}-{i:D8}";
            var key = pseudonymizer.KeyOf(IdentityRef.User(userId));
            var profile = new ProfileDocument { ProfileKey = key.Value, UserId = userId };
            profile.Link(IdentityRef.User(userId), key);
            profile.ApplyTraits($$"""{"plan":"{{(i % 2 == 0 ? "gold" : "silver")}}","firstName":"Jana{{i % 100}}"}""", now.AddDays(-40), $"m-{i}");
            await tables.Profiles.UpsertEntityAsync(ProfileStore.ToEntity(profile), TableUpdateMode.Replace, token);
            // Nine in ten have an e-mail contact; some are suppressed, of unknown provenance, long inactive or capped.
            if (i % 10 != 8)
            {
                var since = i % 20 == 4 ? now.AddDays(-500) : now.AddDays(-30);
                var row = ContactRow(key.Value, $"p{i}.{run}@example.cz", since);
                if (i % 25 == 1)
                {
                    row["Provenance"] = ContactProvenance.Unknown.ToString();
                }

                if (i % 50 == 0)
                {
                    var suppression = new TableEntity(key.Value, "suppression-Email") { ["Channel"] = "Email", ["Reason"] = "Bounced", ["Since"] = now.AddDays(-3) };
                    await tables.Contacts.SubmitTransactionAsync(
                        [new(TableTransactionActionType.UpsertReplace, row), new(TableTransactionActionType.UpsertReplace, suppression)], token);
                }
                else
                {
                    await tables.Contacts.UpsertEntityAsync(row, TableUpdateMode.Replace, token);
                }
            }

            var done = Interlocked.Increment(ref written);
            if (done % 100_000 == 0)
            {
                Console.WriteLine($"  {done:N0} profiles written ({generation.Elapsed.TotalSeconds:N0} s, {done / generation.Elapsed.TotalSeconds:N0} profiles/s; Azurite working set {AzuriteWorkingSet(storage)})");
            }
        });
        var capped = Enumerable.Range(0, settings.Profiles).Where(i => i % 100 == 6)
            .Select(i => new FrequencySend(pseudonymizer.KeyOf(IdentityRef.User($"bench-{run}-{i:D8}")).Value, "earlier", "main", now.AddHours(-5)));
        await services.GetRequiredService<CampaignFrequencyStore>().RecordAsync(capped, cancellationToken);
        const string gold = """{"name":"Gold","rule":{"trait":{"path":"plan","op":"eq","value":"gold"}}}""";
        await services.GetRequiredService<SegmentStore>().CreateAsync("gold", gold, SegmentParser.Parse(gold).Definition!, cancellationToken);
        var seeding = generation.Elapsed;
        Console.WriteLine($"  generated in {seeding.TotalSeconds:N0} s ({settings.Profiles / Math.Max(seeding.TotalSeconds, 1e-9):N0} profiles/s); Azurite working set {AzuriteWorkingSet(storage)}");

        FullCollect();
        var startWorkingSet = Environment.WorkingSet;
        var startLive = GC.GetTotalMemory(false);
        var azurite = storage.AzuriteProcess;
        long peakWorkingSet = startWorkingSet, peakHeap = startLive, peakAzurite = 0;
        var gate = new Lock();
        using var sampler = new Timer(_ =>
        {
            lock (gate)
            {
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                if (azurite is not null)
                {
                    azurite.Refresh();
                    peakAzurite = Math.Max(peakAzurite, azurite.WorkingSet64);
                }
            }
        }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));

        var checkpoints = new List<(long Included, TimeSpan Elapsed, long LiveAfterGc, long WorkingSet)>();
        var every = Math.Max(1, settings.Profiles / 2 / 10);
        long included = 0, next = every;
        var gcTime = TimeSpan.Zero;
        using var requests = new RequestCounter { Part = "c" };
        var cpu = new CpuMeter(storage.AzuriteProcess);
        var clock = Stopwatch.StartNew();
        Console.WriteLine("(c) resolving the audience of the gold segment");
        var counts = await services.GetRequiredService<CampaignAudience>().ResolveAsync(
            new AudienceRequest("bench-" + run, "marketing", "gold"),
            (page, _) =>
            {
                included += page.Count;
                if (included >= next)
                {
                    next += every;
                    // The live heap after a full compacting collection: what resolution really holds (its pause is not counted).
                    var pause = Stopwatch.StartNew();
                    FullCollect();
                    var live = GC.GetTotalMemory(false);
                    gcTime += pause.Elapsed;
                    checkpoints.Add((included, clock.Elapsed - gcTime, live, Environment.WorkingSet));
                    Console.WriteLine($"  {included,10:N0} included {(clock.Elapsed - gcTime).TotalSeconds,6:N0} s | live after full GC {MemoryBench.Mb(live)}, " +
                        $"working set {MemoryBench.Mb(Environment.WorkingSet)}, Azurite {AzuriteWorkingSet(storage)}");
                }

                return Task.CompletedTask;
            },
            cancellationToken);
        var elapsed = clock.Elapsed - gcTime;
        var used = cpu.Stop();
        requests.Part = null;
        lock (gate)
        {
            return new AudienceFigures(
                settings.Profiles, counts!, seeding, elapsed, used, startWorkingSet, startLive, peakWorkingSet, peakHeap, azurite is null ? null : peakAzurite,
                checkpoints, requests.CountsOf("c"), LoadAverage());
        }
    }

    private static TableEntity ContactRow(string subjectKey, string email, DateTimeOffset since) => new(subjectKey, "contact")
    {
        ["Email"] = email,
        ["Language"] = "cs",
        ["Provenance"] = ContactProvenance.Form.ToString(),
        ["ProvenanceSince"] = since,
        ["CreatedAt"] = since,
        ["UpdatedAt"] = since,
    };

    private static string AzuriteWorkingSet(BenchStorage storage)
    {
        if (storage.AzuriteProcess is not { } azurite)
        {
            return "n/a";
        }

        azurite.Refresh();
        return MemoryBench.Mb(azurite.WorkingSet64);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static void FullCollect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static void PrintSummary(SendBenchSettings settings, SendFigures? send, AudienceFigures? audience)
    {
        var table = new Table().Title("engage bench send").AddColumns(
            new TableColumn(string.Empty), new TableColumn("measure"), new TableColumn("figure").RightAligned(), new TableColumn("details"));
        if (send is not null)
        {
            var rawRate = send.Messages / Math.Max(send.Raw.TotalSeconds, 1e-9);
            var fullRate = send.Sent / Math.Max(send.Full.TotalSeconds, 1e-9);
            table.AddRow(Cells("(a)", "raw MailKit loop, pre-rendered", $"{rawRate:N0} e-mails/s",
                $"{send.Messages:N0} messages in {send.Raw.TotalSeconds:N1} s over {settings.Connections} connections; {send.RawCpu}"));
            table.AddRow(Cells("(b)", "full path: claim, gate, cap, render, track, send, mark", $"{fullRate:N0} e-mails/s",
                $"{send.Sent:N0} messages in {send.Full.TotalSeconds:N1} s in {settings.Chunks} batches; {send.Connects} SMTP connects in all; {send.FullCpu}"));
            var (total, byKind) = send.RequestsPerThousand;
            table.AddRow(Cells("(b)", "storage requests", $"{total:N0} per 1,000 e-mails", "per 1,000 e-mails: " + byKind));
            var ratio = fullRate / Math.Max(rawRate, 1e-9);
            // Where the time goes: on one machine the sink, the emulated storage and engage share the cores, so a part's
            // rate is the cores it keeps busy over the CPU each e-mail costs all of them together.
            var (rawEngage, _, rawOthers, rawTotal, _) = PerMessage(send.RawCpu, send.Messages);
            var (fullEngage, fullAzurite, fullOthers, fullTotal, fullCores) = PerMessage(send.FullCpu, send.Sent);
            if (rawTotal > 0 && fullTotal > 0)
            {
                var budget = fullCores / (TargetRatio * rawRate) * 1000;
                table.AddRow(Cells("(b/a)", "CPU per e-mail, all processes", $"(a) {rawTotal:F2} ms, (b) {fullTotal:F2} ms",
                    $"(a): engage {rawEngage:F2} + sink and kernel {rawOthers:F2} ms; (b): engage {fullEngage:F2} + Azurite {fullAzurite:F2} + sink and kernel {fullOthers:F2} ms; " +
                    $"with (b)'s {fullCores:F2} busy cores, {TargetRatio:F1} × (a) leaves (b) {budget:F2} ms per e-mail"));
            }

            if (send.Messages > 0 && send.Sent > 0)
            {
                // Garbage collection pauses every thread, the senders' too: what (b) allocates per e-mail costs it time as well as CPU.
                table.AddRow(Cells("(b/a)", "engage's heap per e-mail", $"(a) {send.RawMemory.Allocated / 1024.0 / send.Messages:N0} kB, (b) {send.FullMemory.Allocated / 1024.0 / send.Sent:N0} kB",
                    $"allocated on the managed heap; collections (a) {send.RawMemory.Collections}, (b) {send.FullMemory.Collections}, pausing engage " +
                    $"(a) {send.RawMemory.Paused.TotalSeconds / Math.Max(send.Raw.TotalSeconds, 1e-9):P1}, (b) {send.FullMemory.Paused.TotalSeconds / Math.Max(send.Full.TotalSeconds, 1e-9):P1} of the time"));
            }

            table.AddRow(new Text("(b/a)"), new Text("full path / raw loop"),
                new Markup(ratio >= TargetRatio ? $"{ratio:F2} [green]HIT[/]" : $"{ratio:F2} [red]MISS[/]"), new Text($"target ≥ {TargetRatio:F2}"));
        }

        if (audience is not null)
        {
            var c = audience.Counts;
            table.AddRow(Cells("(c)", $"seeding {audience.Profiles:N0} profiles and contacts (not in the figures below)", $"{audience.Seeding.TotalSeconds:N1} s",
                $"{audience.Profiles / Math.Max(audience.Seeding.TotalSeconds, 1e-9):N0} profiles/s"));
            table.AddRow(Cells("(c)", $"audience of {audience.Profiles:N0} profiles", $"{audience.Elapsed.TotalSeconds:N1} s",
                $"{c.Evaluated / Math.Max(audience.Elapsed.TotalSeconds, 1e-9):N0} profiles/s; {c.Members:N0} members, {c.Included:N0} included, excluded: " +
                string.Join(", ", c.Excluded.Select(e => $"{e.Key} {e.Value:N0}")) + $"; {audience.Cpu}; load average at the end {audience.LoadAverage}"));
            var perThousand = 1000.0 / Math.Max(c.Evaluated, 1);
            table.AddRow(Cells("(c)", "storage requests per 1,000 profiles", $"{audience.Requests.Sum(r => r.Count) * perThousand:N1}",
                string.Join(", ", audience.Requests.Select(r => $"{r.Request} {r.Count * perThousand:N1}")) + $" ({audience.Requests.Sum(r => r.Count):N0} requests in all)"));
            var first = audience.Checkpoints.Count > 0 ? audience.Checkpoints[0] : default;
            var last = audience.Checkpoints.Count > 0 ? audience.Checkpoints[^1] : default;
            table.AddRow(Cells("(c)", "peak memory while resolving", $"{MemoryBench.Mb(audience.PeakWorkingSet)} working set",
                $"at start {MemoryBench.Mb(audience.StartWorkingSet)} (live heap {MemoryBench.Mb(audience.StartLive)}); managed heap peak {MemoryBench.Mb(audience.PeakHeap)}" +
                (audience.PeakAzurite is { } peakAzurite ? $"; Azurite working set peak {MemoryBench.Mb(peakAzurite)}" : string.Empty) +
                (audience.Checkpoints.Count == 0 ? string.Empty
                    : $"; live heap after full GC {MemoryBench.Mb(first.LiveAfterGc)} at {first.Included:N0} included → {MemoryBench.Mb(last.LiveAfterGc)} at {last.Included:N0}")));
        }

        AnsiConsole.Write(table);
    }

    // CPU milliseconds per message of engage, Azurite, everything else (the sink, the kernel's loopback work), their sum,
    // and how many cores were busy on average; zeros where the machine's busy time is not known.
    private static (double Engage, double Azurite, double Others, double Total, double Cores) PerMessage(CpuUse cpu, int messages)
    {
        if (cpu.Machine is not { } machine || messages == 0 || cpu.Wall <= TimeSpan.Zero)
        {
            return default;
        }

        var engage = cpu.Engage.TotalMilliseconds / messages;
        var azurite = (cpu.Azurite ?? TimeSpan.Zero).TotalMilliseconds / messages;
        var total = machine.TotalMilliseconds / messages;
        return (engage, azurite, Math.Max(0, total - engage - azurite), total, machine / cpu.Wall);
    }

    private static IRenderable[] Cells(params string[] texts) => texts.Select(t => (IRenderable)new Text(t)).ToArray();

    private sealed class PreRendered(MimeMessage message)
    {
        public MimeMessage Message => message;

        public bool Sent { get; set; }
    }

    private sealed record SendFigures(
        int Messages, TimeSpan Raw, CpuUse RawCpu, ManagedMemoryUse RawMemory, int Sent, TimeSpan Full, CpuUse FullCpu, ManagedMemoryUse FullMemory, int Connects,
        IReadOnlyList<(string Request, long Count)> Requests)
    {
        /// <summary>Storage requests of (b) per 1,000 messages, in total and by kind.</summary>
        public (double Total, string ByKind) RequestsPerThousand => Sent == 0
            ? (0, string.Empty)
            : (Requests.Sum(r => r.Count) * 1000.0 / Sent, string.Join(", ", Requests.Select(r => $"{r.Request} {r.Count * 1000.0 / Sent:N0}")));
    }

    private sealed record AudienceFigures(
        int Profiles, AudienceCounts Counts, TimeSpan Seeding, TimeSpan Elapsed, CpuUse Cpu, long StartWorkingSet, long StartLive, long PeakWorkingSet, long PeakHeap,
        long? PeakAzurite, List<(long Included, TimeSpan Elapsed, long LiveAfterGc, long WorkingSet)> Checkpoints, IReadOnlyList<(string Request, long Count)> Requests,
        string LoadAverage);
}
