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
            if (await services.GetRequiredService<CampaignReports>().ReportAsync(id, compared, cancellationToken: cancellationToken) is not { } found)
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

    private static void Write(CampaignReport report)
    {
        AnsiConsole.MarkupLine($"[bold]Campaign {Markup.Escape(report.CampaignId)}[/]");
        var table = new Table().AddColumns("step", "variant", "sent", "delivered", "bounced (hard/soft)", "suppressed", "opens", "clicks", "OR", "CTR", "CTOR",
            "bounce rate", "unsubscribes", "complaints", "conversions", "revenue");
        foreach (var column in table.Columns.Skip(2))
        {
            column.RightAligned();
        }

        foreach (var step in report.Steps)
        {
            foreach (var variant in step.Variants)
            {
                table.AddRow(Row(step.Step, variant.Variant, variant.Counts, variant.Rates));
            }
        }

        table.AddRow(Row("all", "all", report.Total, report.Rates).Select(cell => $"[bold]{cell}[/]").ToArray());
        AnsiConsole.Write(table);

        var metric = report.Metric switch
        {
            AbMetric.Opens => "open rate",
            AbMetric.Clicks => "click-through rate",
            _ => "conversion rate",
        };
        if (report.Comparisons.Count == 0)
        {
            AnsiConsole.MarkupLine($"A/B: one variant only, nothing to compare.");
        }

        foreach (var comparison in report.Comparisons)
        {
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"A/B on {metric}: {comparison.Variant} ({CampaignReportText.Percent(comparison.VariantRate)}) against {comparison.Control} ({CampaignReportText.Percent(comparison.ControlRate)}): {CampaignReportText.Verdict(comparison)}")));
        }

        if (report.Ledger.Excluded.Count > 0 || report.Ledger.Failed > 0 || report.Ledger.Claimed > 0)
        {
            var excluded = string.Join(", ", report.Ledger.Excluded.Select(e => $"{e.Key} {e.Value}"));
            AnsiConsole.MarkupLine(Markup.Escape($"Not sent: {report.Ledger.Failed} refused by the relay, {report.Ledger.Claimed} still being sent" + (excluded.Length > 0 ? $", left out: {excluded}" : string.Empty)));
        }
    }

    private static string[] Row(string step, string variant, MessageCounts counts, CampaignRates rates) =>
    [
        Markup.Escape(step.Length == 0 ? "–" : step),
        Markup.Escape(variant.Length == 0 ? "–" : variant),
        N(counts.Sent),
        N(counts.Delivered),
        $"{N(counts.Bounced)} ({N(counts.HardBounces)}/{N(counts.SoftBounces)})",
        N(counts.Suppressed),
        N(counts.UniqueOpens),
        N(counts.UniqueClicks),
        CampaignReportText.Percent(rates.OpenRate),
        CampaignReportText.Percent(rates.ClickRate),
        CampaignReportText.Percent(rates.ClickToOpenRate),
        CampaignReportText.Percent(rates.BounceRate),
        $"{N(counts.Unsubscribes)} ({CampaignReportText.Percent(rates.UnsubscribeRate)})",
        $"{N(counts.Complaints)} ({CampaignReportText.Percent(rates.ComplaintRate)})",
        N(counts.Conversions),
        CampaignReportText.Money(counts.Revenue),
    ];

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
