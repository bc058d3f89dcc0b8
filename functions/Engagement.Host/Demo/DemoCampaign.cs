using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Engagement.Core.Campaigns;
using Engagement.Host.Cli;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace Engagement.Host.Demo;

/// <summary>
/// The last part of the demo: a marketer's e-mail campaign to the customers who may be e-mailed, started over HTTP
/// with an A/B test of two subject lines and a reminder to those who did not open, hours compressed into seconds. The
/// messages go over real SMTP to MailDev; recipients open them (the tracking pixel) and click (the tracked link) through
/// the product's public endpoints, each by their own taste, with the second variant more appealing. Prints the report.
/// </summary>
internal static partial class DemoCampaign
{
    // The test is decided 45 s after its last batch; the reminder goes 30 s after the main step; conversions count for 20 s.
    private const double DecideAfterHours = 45.0 / 3600;
    private const double ReminderAfterDays = 30.0 / 86400;
    private const double AttributionDays = 20.0 / 86400;

    // People read their mail a while after it comes (a click within seconds of delivery looks like a scanner's).
    private static readonly TimeSpan ReadingDelay = TimeSpan.FromSeconds(12);

    // How likely people open and click each variant, and the reminder.
    private static readonly Dictionary<string, (double Open, double Click)> Appeal = new(StringComparer.Ordinal)
    {
        ["plain"] = (0.25, 0.20),
        ["personal"] = (0.55, 0.50),
        [CampaignSteps.Reminder] = (0.20, 0.30),
    };

    public static async Task RunAsync(StorageContext context, int seed, CancellationToken cancellationToken)
    {
        await using var inbox = await MailDevProcess.StartAsync(cancellationToken);
        var (app, url) = await DemoMailHost.StartAsync(context, inbox, new Dictionary<string, string?> { ["Campaigns:Run:BatchSize"] = "100" }, cancellationToken);
        await using var _ = app;
        var services = app.Services;
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Add("X-Admin-Key", services.GetRequiredService<IOptions<AdminOptions>>().Value.Key);

        // What a marketer does: a segment, two templates, a campaign. The segment is every customer with an address;
        // the campaign leaves out, each with the reason, those who may not get e-mail offers.
        var run = $"demo-{seed}-{DateTimeOffset.UtcNow:HHmmss}";
        await PostAsync(http, "/api/segments", new
        {
            id = $"{run}-customers",
            name = "Customers with an e-mail address",
            rule = new { trait = new { path = "email", op = "exists" } },
        }, cancellationToken);
        foreach (var (variant, subject) in new[] { ("plain", "Jarní nabídka pojištění"), ("personal", "{{ profile.firstName | default: 'Dobrý den' }}, vybrali jsme pro vás jarní nabídku") })
        {
            await PostAsync(http, "/api/templates", new
            {
                id = $"{run}-{variant}",
                name = $"Spring offer ({variant})",
                subject,
                preheader = "Jen do konce měsíce",
                html = "<html><body><p>Dobrý den {{ profile.firstName | default: '' }},</p><p>máme pro vás <a href=\"https://www.example-finance.cz/pojisteni/jaro\">jarní nabídku</a>.</p>"
                    + "<p><a href=\"{{ unsubscribe_url }}\">Odhlásit odběr</a></p></body></html>",
                text = "Dobrý den, máme pro vás jarní nabídku: https://www.example-finance.cz/pojisteni/jaro\nOdhlásit: {{ unsubscribe_url }}",
            }, cancellationToken);
        }

        await PostAsync(http, "/api/campaigns", new
        {
            id = run,
            name = "Spring insurance offer",
            segmentId = $"{run}-customers",
            sender = new { from = "nabidky@example-finance.cz", name = "Example Finance" },
            variants = new[] { new { id = "plain", templateId = $"{run}-plain" }, new { id = "personal", templateId = $"{run}-personal" } },
            abTest = new { testShare = 0.5, metric = "clicks", decideAfterHours = DecideAfterHours, minimumSamplePerVariant = 30 },
            reminder = new { afterDays = ReminderAfterDays, to = "nonOpeners", subject = "Připomínáme: jarní nabídka končí" },
            conversion = new { @event = "Order Completed", attributionDays = AttributionDays },
            // The reminder is the campaign's second e-mail of the day: the cap across campaigns allows it.
            frequencyCap = new { perDay = 2, perWeek = 4 },
        }, cancellationToken);
        AnsiConsole.MarkupLine($"[bold]Campaign[/] {run}: A/B test of two subject lines on half the audience, the winner by clicks to the rest, a reminder to non-openers; e-mail to MailDev at {inbox.WebAddress}");

        var random = new Random(seed);
        using var reader = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        var runtime = services.GetRequiredService<IWorkflowRuntime>();
        var handled = new HashSet<string>(StringComparer.Ordinal);
        var until = DateTimeOffset.UtcNow.AddMinutes(6);
        WorkflowView? view;
        do
        {
            using var mailbox = new HttpClient { BaseAddress = inbox.WebAddress };
            foreach (var mail in JsonNode.Parse(await mailbox.GetStringAsync("api/email", cancellationToken))!.AsArray())
            {
                var mailId = (string)mail!["id"]!;
                var arrived = DateTimeOffset.Parse((string)mail["time"]!, CultureInfo.InvariantCulture);
                if (handled.Contains(mailId) || DateTimeOffset.UtcNow - arrived < ReadingDelay
                    || !CampaignMessageId.TryParse((string?)mail["messageId"] ?? (string?)mail["headers"]?["message-id"], out var message) || message.CampaignId != run)
                {
                    continue;
                }

                handled.Add(mailId);
                var (open, click) = Appeal[message.Step == CampaignSteps.Reminder ? CampaignSteps.Reminder : message.Variant];
                var html = (string?)mail["html"] ?? string.Empty;
                if (random.NextDouble() < open && PixelPattern().Match(html) is { Success: true } pixel)
                {
                    using var opened = await reader.GetAsync(pixel.Value, cancellationToken);
                    if (random.NextDouble() < click && ClickPattern().Match(html) is { Success: true } link)
                    {
                        // The redirect is not followed: the shop is not on this machine.
                        using var clicked = await reader.GetAsync(link.Value, cancellationToken);
                    }
                }
            }

            await Task.Delay(1000, cancellationToken);
            view = await runtime.GetAsync(run, cancellationToken);
        }
        while (view is { Status: WorkflowStatus.Running } && DateTimeOffset.UtcNow < until);

        var figures = await services.GetRequiredService<CampaignFigures>().ReportAsync(run, AbTestMetric.Clicks, cancellationToken: cancellationToken);
        var state = view is null ? null : Core.Workflows.WorkflowJson.Read<CampaignState>(view.State);
        await app.StopAsync(cancellationToken);
        if (state is null)
        {
            AnsiConsole.MarkupLine("[red]The campaign could not be read.[/]");
            return;
        }

        var report = CampaignReport.Of(state);
        string? chart = null;
        if (figures is not null)
        {
            CampaignCommands.Write(figures);
            chart = Path.Combine(RepoPaths.DataDirectory, "demo", "campaign.png");
            await File.WriteAllBytesAsync(chart, CampaignReportChart.Png(figures), cancellationToken);
        }

        var excluded = report.Audience?.Excluded is { Count: > 0 } reasons ? " (" + string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value:N0}")) + ")" : string.Empty;
        var ab = report.AbTest is { } result ? result.Conclusive ? $"winner {result.Winner}" : $"kept {result.Winner}: {result.Reason}" : "no A/B test";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Campaign headline: {figures?.Total.Sent ?? 0:N0} e-mails sent to {report.Audience?.Included ?? 0:N0} recipients, {report.Audience?.Excluded.Values.Sum() ?? 0:N0} left out{excluded}; A/B {ab}; {report.Outcome?.ToString().ToLowerInvariant() ?? view!.Status.ToString().ToLowerInvariant()}.{(chart is null ? string.Empty : $" Chart: {chart}")}"));
    }

    private static async Task<JsonNode> PostAsync(HttpClient http, string path, object body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(path, body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!;
    }

    [GeneratedRegex("/t/o/[^\"]+\\.gif")]
    private static partial Regex PixelPattern();

    [GeneratedRegex("/t/c/[^\"]+")]
    private static partial Regex ClickPattern();
}
