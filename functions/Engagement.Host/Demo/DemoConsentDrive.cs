using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Core.Workflows;
using Engagement.Host.Cli;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Engagement.Infrastructure.ConsentDrives;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Engagement.Host.Demo;

/// <summary>
/// The third part of the demo: a consent drive over the demo's customers with days compressed into seconds. Customers
/// log in to the portal (the drive decides whether a form is due, and which variant), answer double opt-in e-mails
/// (real SMTP to MailDev, links clicked), and are called from the call-centre lists, each with its own willingness;
/// everything goes through the product's real endpoints. Prints the opt-in curve against the plan.
/// </summary>
internal static partial class DemoConsentDrive
{
    private static readonly TimeSpan Day = TimeSpan.FromSeconds(6);
    private const int Days = 12;

    // How willing people are, by what asks them: the pop-up that says what is in it for them converts best.
    private static readonly Dictionary<string, double> FormWillingness = new(StringComparer.Ordinal) { ["popup-plain"] = 0.06, ["popup-benefits"] = 0.22, ["page-full"] = 0.12 };
    private static readonly string[] Marketing = ["marketing"];
    private const double EmailWillingness = 0.3;
    private const double CallWillingness = 0.45;

    public static async Task RunAsync(StorageContext context, int seed, IReadOnlyList<(string UserId, string Email)> customers, CancellationToken cancellationToken)
    {
        await using var inbox = await MailDevProcess.StartAsync(cancellationToken);
        var (app, url) = await DemoMailHost.StartAsync(context, inbox, new Dictionary<string, string?>(), cancellationToken);
        await using var _ = app;
        var services = app.Services;
        var random = new Random(seed);
        var segment = $"demo-{seed}";

        // The CRM's contacts: most from orders and forms, some of unknown origin (they get the reactivation wave).
        var keys = services.GetRequiredService<Pseudonymizer>();
        var contacts = services.GetRequiredService<ContactStore>();
        var people = new List<(string UserId, string Key)>();
        foreach (var (userId, email) in customers)
        {
            var key = keys.KeyOf(IdentityRef.User(userId)).Value;
            var roll = random.NextDouble();
            var provenance = roll < 0.5 ? ContactProvenance.Order : roll < 0.75 ? ContactProvenance.Form : roll < 0.87 ? ContactProvenance.Competition : ContactProvenance.Unknown;
            var phone = random.NextDouble() < 0.7 ? new PhoneNumber($"+4207{random.Next(10_000_000, 99_999_999)}") : (PhoneNumber?)null;
            await contacts.PutAsync(key, new ContactPoints(new EmailAddress(email), phone, "cs", segment), new ContactSource(provenance, "demo CRM", DateTimeOffset.UtcNow.AddDays(-200)), cancellationToken: cancellationToken);
            people.Add((userId, key));
        }

        var admin = services.GetRequiredService<IOptions<AdminOptions>>().Value.Key;
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Add("X-Admin-Key", admin);
        var start = DateTimeOffset.UtcNow;
        using var started = await http.PostAsJsonAsync("/api/consent-drives", new
        {
            name = $"Demo consent drive (seed {seed})",
            purposes = Marketing,
            audience = new { segments = new[] { segment } },
            targetOptInShare = 0.45,
            startsAt = start,
            deadline = start + (Day * Days),
            channels = new object[]
            {
                new { channel = "webForm", variants = new[] { new { id = "popup-plain", placement = "portalPopup" }, new { id = "popup-benefits", placement = "portalPopup" }, new { id = "page-full", placement = "injectionPage" } } },
                new { channel = "email", batchSize = Math.Max(20, people.Count / 6), maxWaves = 4 },
                new { channel = "callCentre", batchSize = Math.Max(10, people.Count / 12), maxWaves = 3 },
            },
            seed,
            reviewEvery = Day.ToString("c", CultureInfo.InvariantCulture),
            curve = "frontLoaded",
            caps = new { perDay = 1, total = 4 },
        }, cancellationToken);
        var id = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync(cancellationToken))!["id"]!;
        AnsiConsole.MarkupLine($"[bold]Consent drive[/] {id}: {people.Count:N0} customers, target 45 % by day {Days}, one simulated day every {Day.TotalSeconds:F0} s; e-mail to MailDev at {inbox.WebAddress}");

        var runtime = services.GetRequiredService<IWorkflowRuntime>();
        var seenMail = new HashSet<string>(StringComparer.Ordinal);
        var seenLists = new HashSet<string>(StringComparer.Ordinal);
        var decided = new HashSet<string>(StringComparer.Ordinal);
        var storage = services.GetRequiredService<EngagementStorage>();
        var catalog = services.GetRequiredService<ConsentTextCatalog>();
        var until = start + (Day * (Days + 3));
        WorkflowView? view;
        do
        {
            // A day's portal logins: about one customer in eight.
            foreach (var (userId, _) in people.Where(_ => random.NextDouble() < 0.12))
            {
                await PortalLoginAsync(http, userId, random, cancellationToken);
            }

            // Double opt-in e-mails: some are confirmed.
            using var mailbox = new HttpClient { BaseAddress = inbox.WebAddress };
            foreach (var mail in JsonNode.Parse(await mailbox.GetStringAsync("api/email", cancellationToken))!.AsArray())
            {
                var mailId = (string)mail!["id"]!;
                if (seenMail.Add(mailId) && random.NextDouble() < EmailWillingness && LinkPattern().Match((string?)mail["text"] ?? string.Empty) is { Success: true } link)
                {
                    using var confirm = await http.PostAsync("/consent/confirm", new FormUrlEncodedContent([KeyValuePair.Create("t", Uri.UnescapeDataString(link.Groups[1].Value))]), cancellationToken);
                }
            }

            // The call centre works through its lists.
            await foreach (var list in storage.ConsentLists.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, id + "/", cancellationToken))
            {
                if (!seenLists.Add(list.Name))
                {
                    continue;
                }

                var lines = (await storage.ConsentLists.GetBlobClient(list.Name).DownloadContentAsync(cancellationToken)).Value.Content.ToString().Split('\n').Skip(1);
                foreach (var subjectKey in lines.Select(l => l.Split(',')[0]).Where(k => k.Length > 0 && decided.Add(k)))
                {
                    var userId = people.First(p => p.Key == subjectKey).UserId;
                    await CallAsync(http, catalog, userId, random.NextDouble() < CallWillingness, cancellationToken);
                }
            }

            await Task.Delay(Day / 2, cancellationToken);
            view = await runtime.GetAsync(id, cancellationToken);
        }
        while (view is { Status: WorkflowStatus.Running } && DateTimeOffset.UtcNow < until);

        var drive = await ConsentDriveHttp.ReadAsync(runtime, id, cancellationToken);
        await app.StopAsync(cancellationToken);
        if (drive is not { } found)
        {
            AnsiConsole.MarkupLine("[red]The consent drive could not be read.[/]");
            return;
        }

        Console.WriteLine(found.Report.ToText());
        var chart = Path.Combine(RepoPaths.DataDirectory, "demo", "consent-drive.png");
        await File.WriteAllBytesAsync(chart, ConsentDriveChart.Png(found.Report), cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Consent headline: {found.Report.Share:P1} of {(found.Report.Progress.Count > 0 ? found.Report.Progress[^1].AudienceSize : 0):N0} customers opted in (target {found.Report.Target:P1}); {found.View.Status.ToString().ToLowerInvariant()}, {found.Report.Escalations.Count} escalation(s). Chart: {chart}"));
    }

    private static async Task PortalLoginAsync(HttpClient http, string userId, Random random, CancellationToken cancellationToken)
    {
        using var issued = await http.PostAsJsonAsync("/api/consent-forms/tokens", new { subject = userId }, cancellationToken);
        var token = (string)JsonNode.Parse(await issued.Content.ReadAsStringAsync(cancellationToken))!["token"]!;
        var offer = JsonNode.Parse(await http.GetStringAsync($"/consent/prompt?token={Uri.EscapeDataString(token)}&lang=cs", cancellationToken))!;
        if (!(bool)offer["show"]!)
        {
            return;
        }

        var variant = (string)offer["variant"]!;
        var granted = random.NextDouble() < FormWillingness.GetValueOrDefault(variant, 0.1);
        var items = offer["form"]!["items"]!.AsArray().Where(i => (string?)i!["purpose"] == "marketing").ToList();
        using var answer = await http.PostAsJsonAsync("/consent/decisions", new
        {
            token,
            variant = (string)offer["placement"]! == "injectionPage" ? "page" : "popup",
            language = "cs",
            requestId = Guid.NewGuid().ToString("N"),
            decisions = items.Select(i => new { textId = (string)i!["textId"]!, version = (int)i["version"]!, language = (string)i["language"]!, sha256 = (string)i["sha256"]!, granted }),
        }, cancellationToken);
    }

    private static async Task CallAsync(HttpClient http, ConsentTextCatalog catalog, string userId, bool agrees, CancellationToken cancellationToken)
    {
        var text = catalog.CurrentFor("marketing", ContactChannel.Phone, "cs")!;
        using var recorded = await http.PostAsJsonAsync("/api/consents", new
        {
            subject = userId,
            purpose = "marketing",
            channel = "phone",
            decision = agrees ? "granted" : "denied",
            basis = "consent",
            capturedVia = "callCentre",
            decidedAt = DateTimeOffset.UtcNow,
            text = new { textId = text.TextId, version = text.Version, language = text.Language, sha256 = text.Reference.Sha256 },
            evidence = new { agentId = "demo-agent", callId = "demo-call-" + Guid.NewGuid().ToString("N")[..12] },
            sourceSystem = "call-centre",
        }, cancellationToken);
    }

    [GeneratedRegex(@"/consent/confirm\?t=([^\s""<>]+)")]
    private static partial Regex LinkPattern();
}
