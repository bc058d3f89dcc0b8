using System.CommandLine;
using System.Globalization;
using Engagement.Core.Campaigns;
using Engagement.Infrastructure.Campaigns;
using Spectre.Console;

namespace Engagement.Host.Cli;

/// <summary><c>engage campaigns report &lt;id&gt;</c>: a campaign's figures per step and variant, the A/B verdict, and optionally its chart as a PNG.</summary>
internal static class CampaignCommands
{
    public static Command Create(Option<string?> storage)
    {
        var campaign = new Argument<string>("campaign") { Description = "The campaign's id." };
        var png = new Option<FileInfo?>("--png") { Description = "Also write the chart (rates per variant, opens and clicks over time) to this PNG file." };
        var metric = new Option<string>("--metric") { Description = "The rate variants are compared on: opens, clicks or conversions.", DefaultValueFactory = _ => "clicks" };
        metric.Validators.Add(r =>
        {
            if (!CampaignReportHttp.TryMetric(r.GetValueOrDefault<string>(), out _))
            {
                r.AddError("--metric must be opens, clicks or conversions.");
            }
        });
        var report = new Command("report", "Show a campaign's sent, delivered, bounces, opens, clicks, unsubscribes, complaints, conversions and revenue per step and variant, with the A/B verdict.")
        {
            campaign, png, metric,
        };
        report.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var id = parse.GetValue(campaign)!;
            CampaignReportHttp.TryMetric(parse.GetValue(metric), out var compared);
            if (await services.GetRequiredService<CampaignFigures>().ReportAsync(id, compared, cancellationToken: cancellationToken) is not { } found)
            {
                throw new CommandLineException($"nothing was sent, tracked or reported for campaign \"{id}\"");
            }

            Write(found);
            if (parse.GetValue(png) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, CampaignReportChart.Png(found), cancellationToken);
                Console.WriteLine($"Chart: {file.FullName}");
            }

            return 0;
        });

        return new Command("campaigns", "Campaigns.") { report };
    }

    internal static void Write(CampaignFiguresReport report)
    {
        AnsiConsole.MarkupLine($"[bold]Campaign {Markup.Escape(report.CampaignId)}[/]");
        // One column per step and variant, figures down the side: a campaign has few variants and many figures.
        var columns = report.Steps.SelectMany(step => step.Variants.Select(v => (Title: $"{Name(step.Step)} / {Name(v.Variant)}", v.Counts, v.Rates)))
            .Append((Title: "all", Counts: report.Total, Rates: report.Rates))
            .ToList();
        var table = new Table().AddColumn(string.Empty);
        foreach (var (title, _, _) in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(title)).RightAligned());
        }

        foreach (var (figure, value) in Figures)
        {
            table.AddRow([figure, .. columns.Select(c => value(c.Counts, c.Rates))]);
        }

        AnsiConsole.Write(table);

        var metric = report.Metric switch
        {
            AbTestMetric.Opens => "open rate",
            AbTestMetric.Clicks => "click-through rate",
            _ => "conversion rate",
        };
        if (report.Comparisons.Count == 0)
        {
            Console.WriteLine("A/B: one variant only, nothing to compare.");
        }

        foreach (var comparison in report.Comparisons)
        {
            // Plain lines: the console's width must not break a verdict in two.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"A/B on {metric}: {comparison.Variant} ({CampaignReportText.Percent(comparison.VariantRate)}) against {comparison.Control} ({CampaignReportText.Percent(comparison.ControlRate)}): {CampaignReportText.Verdict(comparison)}"));
        }

        if (report.Ledger.Excluded.Count > 0 || report.Ledger.Failed > 0 || report.Ledger.Claimed > 0)
        {
            var excluded = string.Join(", ", report.Ledger.Excluded.Select(e => $"{e.Key} {e.Value}"));
            Console.WriteLine($"Not sent: {report.Ledger.Failed} refused by the relay, {report.Ledger.Claimed} still being sent" + (excluded.Length > 0 ? $", left out: {excluded}" : string.Empty));
        }
    }

    private static readonly (string Figure, Func<MessageCounts, EngagementRates, string> Value)[] Figures =
    [
        ("sent", (c, _) => N(c.Sent)),
        ("delivered", (c, _) => N(c.Delivered)),
        ("bounced (hard / soft)", (c, _) => $"{N(c.Bounced)} ({N(c.HardBounces)} / {N(c.SoftBounces)})"),
        ("suppressed, spam-filtered, quarantined", (c, _) => $"{N(c.Suppressed)}, {N(c.SpamFiltered)}, {N(c.Quarantined)}"),
        ("opens (unique)", (c, _) => N(c.UniqueOpens)),
        ("clicks (unique)", (c, _) => N(c.UniqueClicks)),
        ("open rate", (_, r) => CampaignReportText.Percent(r.OpenRate)),
        ("click-through rate", (_, r) => CampaignReportText.Percent(r.ClickRate)),
        ("click-to-open rate", (_, r) => CampaignReportText.Percent(r.ClickToOpenRate)),
        ("bounce rate", (_, r) => CampaignReportText.Percent(r.BounceRate)),
        ("unsubscribes", (c, r) => $"{N(c.Unsubscribes)} ({CampaignReportText.Percent(r.UnsubscribeRate)})"),
        ("complaints", (c, r) => $"{N(c.Complaints)} ({CampaignReportText.Percent(r.ComplaintRate)})"),
        ("conversions", (c, r) => $"{N(c.Conversions)} ({CampaignReportText.Percent(r.ConversionRate)})"),
        ("revenue", (c, _) => CampaignReportText.Money(c.Revenue)),
    ];

    private static string Name(string part) => part.Length == 0 ? "–" : part;

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
