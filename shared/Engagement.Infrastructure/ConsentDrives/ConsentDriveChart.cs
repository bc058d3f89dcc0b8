using System.Globalization;
using Engagement.Core.ConsentDrives;
using ScottPlot;

namespace Engagement.Infrastructure.ConsentDrives;

/// <summary>
/// The picture of a consent drive's progress: the measured opt-in share against the plan curve, the target, and a
/// marker where each escalation opened a channel. Drawn from a <see cref="ConsentDriveReport"/>, so the chart, the JSON
/// answer and the command line's text always show the same figures.
/// </summary>
public static class ConsentDriveChart
{
    /// <summary>The chart's default width in pixels.</summary>
    public const int DefaultWidth = 900;

    /// <summary>The chart's default height in pixels.</summary>
    public const int DefaultHeight = 500;

    /// <summary>The chart as a PNG.</summary>
    /// <param name="report">The drive's report.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public static byte[] Png(ConsentDriveReport report, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 200);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 150);
        using var plot = new Plot();

        var plan = plot.Add.ScatterLine(report.Plan.Select(p => X(p.At)).ToArray(), report.Plan.Select(p => Percent(p.Share)).ToArray());
        plan.LinePattern = LinePattern.Dashed;
        plan.LineWidth = 2;
        plan.Color = Colors.Gray;
        plan.LegendText = $"plan ({(report.Curve == PlanCurve.FrontLoaded ? "front-loaded" : "linear")})";

        var target = plot.Add.HorizontalLine(Percent(report.Target), 1, Colors.Green, LinePattern.Dotted);
        target.LegendText = string.Create(CultureInfo.InvariantCulture, $"target {report.Target:P0}");

        if (report.Progress.Count > 0)
        {
            var actual = plot.Add.Scatter(report.Progress.Select(p => X(p.At)).ToArray(), report.Progress.Select(p => Percent(p.Share)).ToArray());
            actual.LineWidth = 2;
            actual.MarkerSize = report.Progress.Count > 60 ? 0 : 5;
            actual.Color = Colors.Blue;
            actual.LegendText = "opt-in share";
        }

        foreach (var escalation in report.Escalations)
        {
            var marker = plot.Add.VerticalLine(X(escalation.At), 1, Colors.OrangeRed, LinePattern.DenselyDashed);
            marker.ExcludeFromLegend = escalation != report.Escalations[0];
            marker.LegendText = "escalation";
            // Written upwards beside the line from where the share stood, so escalations on consecutive reviews stay legible.
            var label = plot.Add.Text(DriveChannels.Key(escalation.Channel), X(escalation.At), Percent(escalation.Share));
            label.LabelRotation = -90;
            label.LabelAlignment = Alignment.LowerLeft;
            label.OffsetX = -2;
            label.OffsetY = -6;
            label.LabelFontSize = 12;
            label.LabelFontColor = Colors.OrangeRed;
        }

        var days = (report.Deadline - report.StartsAt).TotalDays;
        plot.Axes.DateTimeTicksBottom().TickGenerator = new ScottPlot.TickGenerators.DateTimeAutomatic
        {
            // ISO dates (UTC); a drive compressed into minutes for a demo shows times of day instead.
            LabelFormatter = at => at.ToString(days >= 3 ? "yyyy-MM-dd" : "HH:mm:ss", CultureInfo.InvariantCulture),
        };
        var top = Math.Max(report.Target, report.Progress.Count == 0 ? 0 : report.Progress.Max(p => p.Share));
        plot.Axes.SetLimits(X(report.StartsAt), X(report.Deadline), 0, Math.Min(100, Percent(top) * 1.15) + 1);
        plot.Title($"Consent drive: {report.Name} ({Status(report)})");
        plot.YLabel("opted in (% of the audience)");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    private static double X(DateTimeOffset at) => at.UtcDateTime.ToOADate();

    private static double Percent(double share) => share * 100;

    private static string Status(ConsentDriveReport report) => report.Status switch
    {
        DriveStatus.Running => "running",
        DriveStatus.Paused => "paused",
        _ => report.Outcome switch
        {
            DriveOutcome.TargetReached => "target reached",
            DriveOutcome.DeadlinePassed => "deadline passed",
            DriveOutcome.AudienceEmpty => "audience empty",
            _ => "cancelled",
        },
    };
}
