using System.Globalization;
using Engagement.Core.Campaigns;
using ScottPlot;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>
/// The picture of a campaign's report: open rate, click-through rate and click-to-open rate side by side per variant,
/// and, when anything was opened, first opens and clicks over time beneath. Drawn from a <see cref="CampaignFiguresReport"/>,
/// so the chart, the JSON answer and the command line's table always show the same figures.
/// </summary>
public static class CampaignReportChart
{
    /// <summary>The chart's default width in pixels.</summary>
    public const int DefaultWidth = 900;

    /// <summary>The chart's default height in pixels.</summary>
    public const int DefaultHeight = 700;

    private static readonly (string Name, Color Color, Func<EngagementRates, double?> Rate)[] Series =
    [
        ("open rate", Colors.SteelBlue, r => r.OpenRate),
        ("click-through rate", Colors.DarkOrange, r => r.ClickRate),
        ("click-to-open rate", Colors.SeaGreen, r => r.ClickToOpenRate),
    ];

    /// <summary>The chart as a PNG.</summary>
    /// <param name="report">The campaign's report.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static byte[] Png(CampaignFiguresReport report, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 300);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 200);
        // A new multiplot holds one plot already: the rates go there, engagement over time in a second beneath.
        var multiplot = new Multiplot();
        DrawRates(multiplot.GetPlot(0), report);
        if (report.OverTime.Count > 0)
        {
            DrawOverTime(multiplot.AddPlot(), report);
        }

        return multiplot.Render(width, height).GetImageBytes(ImageFormat.Png);
    }

    private static void DrawRates(Plot plot, CampaignFiguresReport report)
    {
        var variants = report.Variants;
        var bars = new List<Bar>();
        for (var v = 0; v < variants.Count; v++)
        {
            for (var s = 0; s < Series.Length; s++)
            {
                var rate = Series[s].Rate(variants[v].Rates);
                bars.Add(new Bar
                {
                    // Groups of three bars, one group per variant, a gap between groups.
                    Position = (v * (Series.Length + 1)) + s,
                    Value = (rate ?? 0) * 100,
                    FillColor = Series[s].Color,
                    Label = rate is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{rate * 100:0.#} %"),
                });
            }
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        var ticks = variants.Select((v, i) => new Tick((i * (Series.Length + 1)) + ((Series.Length - 1) / 2.0), VariantLabel(report, v))).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        foreach (var (name, color, _) in Series)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = name, FillColor = color });
        }

        // Headroom above the tallest bar for the value labels and the legend across the top.
        var top = bars.Count == 0 ? 0 : bars.Max(b => b.Value);
        plot.Axes.SetLimits(-1, Math.Max(variants.Count * (Series.Length + 1), 1) - 1, 0, Math.Max(10, top * 1.45));
        plot.Title($"Campaign {report.CampaignId}: rates per variant");
        plot.YLabel("%");
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Alignment.UpperCenter);
    }

    private static void DrawOverTime(Plot plot, CampaignFiguresReport report)
    {
        var periods = report.OverTime;
        var xs = periods.Select(p => p.From.UtcDateTime.ToOADate()).ToArray();
        var opens = plot.Add.Scatter(xs, periods.Select(p => (double)p.Opens).ToArray());
        opens.LegendText = "first opens";
        opens.Color = Colors.SteelBlue;
        opens.MarkerSize = periods.Count > 60 ? 0 : 5;
        var clicks = plot.Add.Scatter(xs, periods.Select(p => (double)p.Clicks).ToArray());
        clicks.LegendText = "first clicks";
        clicks.Color = Colors.DarkOrange;
        clicks.MarkerSize = periods.Count > 60 ? 0 : 5;
        var daily = periods[0].Length >= TimeSpan.FromDays(1);
        plot.Axes.DateTimeTicksBottom().TickGenerator = new ScottPlot.TickGenerators.DateTimeAutomatic
        {
            LabelFormatter = at => at.ToString(daily ? "yyyy-MM-dd" : "MM-dd HH:mm", CultureInfo.InvariantCulture),
        };
        var step = periods[0].Length;
        plot.Axes.SetLimits((periods[0].From - step).UtcDateTime.ToOADate(), (periods[^1].From + step).UtcDateTime.ToOADate(),
            0, Math.Max(1, periods.Max(p => Math.Max(p.Opens, p.Clicks))) * 1.25);
        plot.Title(daily ? "Opens and clicks per day (UTC)" : "Opens and clicks per hour (UTC)");
        plot.YLabel("messages");
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static string VariantLabel(CampaignFiguresReport report, VariantFigures variant)
    {
        var name = variant.Variant.Length == 0 ? "(none)" : variant.Variant;
        var delivered = string.Create(CultureInfo.InvariantCulture, $"{variant.Counts.Delivered:N0} delivered");
        if (report.Variants.Count > 0 && variant == report.Variants[0] && report.Variants.Count > 1)
        {
            return $"{name} (control)\n{delivered}";
        }

        return report.Comparisons.FirstOrDefault(c => c.Variant == variant.Variant) is { } comparison
            ? $"{name}: {CampaignReportText.Verdict(comparison)}\n{delivered}"
            : $"{name}\n{delivered}";
    }
}
