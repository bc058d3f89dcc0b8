using System.Globalization;
using System.Text;

namespace Engagement.Core.ConsentDrives;

/// <summary>Where a channel of the plan stands, for reports.</summary>
public enum DriveChannelStanding
{
    /// <summary>Not opened (yet).</summary>
    NotOpen,
    /// <summary>Open: showing forms, or with waves (lists) still to go.</summary>
    Open,
    /// <summary>Open, and done: every wave (list) sent, or nobody left to ask over it.</summary>
    Done,
    /// <summary>A wave (list) failed every attempt; it sends no more.</summary>
    GaveUp,
}

/// <summary>The plan's share at one time.</summary>
/// <param name="At">When.</param>
/// <param name="Share">The planned share.</param>
public sealed record PlanPoint(DateTimeOffset At, double Share);

/// <summary>One channel in a <see cref="ConsentDriveReport"/>.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Standing">Where it stands.</param>
/// <param name="OpenedAt">When it opened.</param>
/// <param name="OpenedBecause">Why it opened.</param>
/// <param name="Asked">Contacts asked (web forms: displays).</param>
/// <param name="Conversions">Opt-ins captured over it.</param>
/// <param name="ConversionRate">Opt-ins per contact asked (per display); null before anyone was asked.</param>
/// <param name="Waves">Waves (lists) issued; 0 for web forms.</param>
/// <param name="MaxWaves">Waves (lists) planned; 0 for web forms.</param>
/// <param name="Contacted">Contacts asked by its completed waves (lists).</param>
/// <param name="NotYetAsked">Audience contacts not yet asked over it.</param>
public sealed record ChannelReport(
    DriveChannel Channel,
    DriveChannelStanding Standing,
    DateTimeOffset? OpenedAt,
    string? OpenedBecause,
    long Asked,
    long Conversions,
    double? ConversionRate,
    int Waves,
    int MaxWaves,
    long Contacted,
    long NotYetAsked);

/// <summary>One form variant in a <see cref="ConsentDriveReport"/>.</summary>
/// <param name="Variant">Its id.</param>
/// <param name="Placement">Where it is shown.</param>
/// <param name="Displays">Times shown.</param>
/// <param name="Conversions">Opt-ins given in it.</param>
/// <param name="ConversionRate">Opt-ins per display; null before it was shown.</param>
/// <param name="Share">Its share of the displays in the last allocation that showed forms (its chance of being the best variant).</param>
/// <param name="Quota">Its displays in the last allocation (0 once forms are stopped).</param>
public sealed record VariantReport(string Variant, FormPlacement Placement, long Displays, long Conversions, double? ConversionRate, double Share, long Quota);

/// <summary>One segment in a <see cref="ConsentDriveReport"/>.</summary>
/// <param name="Segment">The segment.</param>
/// <param name="Contacts">Audience contacts in it.</param>
/// <param name="Asked">Of them, asked.</param>
/// <param name="OptedIn">Of them, opted in.</param>
/// <param name="Reach">Asked per contact; null for an empty segment.</param>
/// <param name="OptInShare">Opted in per contact; null for an empty segment.</param>
public sealed record SegmentReport(string Segment, long Contacts, long Asked, long OptedIn, double? Reach, double? OptInShare);

/// <summary>
/// A consent drive's progress report (<c>GET /api/consent-drives/{id}</c>, <c>engage consent report</c>): the opt-in
/// share over time against the plan, per-channel and per-variant conversion, per-segment reach, the waves, the
/// escalations with when and why, its status and next review. Built from the state alone.
/// </summary>
/// <param name="Name">The drive's name.</param>
/// <param name="Status">Running, paused or completed.</param>
/// <param name="Outcome">Why it finished, once it has.</param>
/// <param name="StatusNote">How it finished, or why it is paused.</param>
/// <param name="Purposes">The purposes asked for.</param>
/// <param name="StartsAt">Its start.</param>
/// <param name="Deadline">Its deadline in effect.</param>
/// <param name="Target">Its target share in effect.</param>
/// <param name="Curve">The plan curve's shape.</param>
/// <param name="Share">The share at the last measurement; null before the first.</param>
/// <param name="Planned">The plan's share at the last measurement; null before the first.</param>
/// <param name="NextReviewAt">When the next review is due; null unless running.</param>
/// <param name="EndedAt">When it finished.</param>
/// <param name="Progress">The measured share over time.</param>
/// <param name="Plan">The plan curve from start to deadline, sampled evenly.</param>
/// <param name="Channels">The plan's channels, in plan order.</param>
/// <param name="Variants">The form variants.</param>
/// <param name="Segments">Reach per segment.</param>
/// <param name="Escalations">Channels opened because the share lagged.</param>
/// <param name="Reactivation">The reactivation wave for contacts of unknown provenance.</param>
/// <param name="UnknownProvenance">Audience contacts of unknown provenance at the last measurement.</param>
/// <param name="GivenUp">Commands the drive gave up on.</param>
public sealed record ConsentDriveReport(
    string Name,
    DriveStatus Status,
    DriveOutcome? Outcome,
    string? StatusNote,
    IReadOnlyList<string> Purposes,
    DateTimeOffset StartsAt,
    DateTimeOffset Deadline,
    double Target,
    PlanCurve Curve,
    double? Share,
    double? Planned,
    DateTimeOffset? NextReviewAt,
    DateTimeOffset? EndedAt,
    IReadOnlyList<ProgressPoint> Progress,
    IReadOnlyList<PlanPoint> Plan,
    IReadOnlyList<ChannelReport> Channels,
    IReadOnlyList<VariantReport> Variants,
    IReadOnlyList<SegmentReport> Segments,
    IReadOnlyList<DriveEscalation> Escalations,
    ReactivationProgress Reactivation,
    long UnknownProvenance,
    IReadOnlyList<GivenUpCommand> GivenUp)
{
    /// <summary>How many even steps the plan curve is sampled in.</summary>
    public const int PlanSteps = 40;

    /// <summary>The report of a drive in <paramref name="state"/>.</summary>
    public static ConsentDriveReport Of(ConsentDriveState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var input = state.Input;
        var span = state.Deadline - input.StartsAt;
        var plan = Enumerable.Range(0, PlanSteps + 1)
            .Select(i => input.StartsAt + (span * i / PlanSteps))
            .Select(at => new PlanPoint(at, state.PlannedAt(at)))
            .ToList();
        var channels = input.Channels.Select((p, i) => Channel(state, p, state.Channels[i])).ToList();
        var variants = state.Variants
            .Select(v => new VariantReport(v.Variant, v.Placement, v.Displays, v.Conversions, Rate(v.Conversions, v.Displays), v.Share, v.Quota))
            .ToList();
        var segments = state.Segments
            .Select(s => new SegmentReport(s.Segment, s.Contacts, s.Asked, s.OptedIn, Rate(s.Asked, s.Contacts), Rate(s.OptedIn, s.Contacts)))
            .ToList();
        var last = state.Progress.Count == 0 ? null : state.Progress[^1];
        return new ConsentDriveReport(
            input.Name,
            state.Status,
            state.Outcome,
            state.Status == DriveStatus.Completed ? state.EndNote : state.PausedBecause,
            input.Purposes,
            input.StartsAt,
            state.Deadline,
            state.Target,
            input.Curve,
            last?.Share,
            last?.Planned,
            state.Status == DriveStatus.Running ? state.NextReviewAt : null,
            state.EndedAt,
            state.Progress,
            plan,
            channels,
            variants,
            segments,
            state.Escalations,
            state.Reactivation,
            state.UnknownProvenance,
            state.GivenUp);
    }

    /// <summary>The report as plain text for the command line: a header, then tables of the curve, channels, variants and segments.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"Consent drive \"{Name}\": {StatusLine()}");
        Line($"Purposes: {string.Join(", ", Purposes)}. Target {Pct(Target)} by {Deadline:yyyy-MM-dd HH:mm}Z ({Curve} plan from {StartsAt:yyyy-MM-dd HH:mm}Z).");
        Line($"Opt-in share: {(Share is { } share ? $"{Pct(share)} against a plan of {Pct(Planned ?? 0)}" : "not measured yet")}.");
        Line($"");
        Line($"Opt-in share over time");
        text.Append(Table(
            ["measured", "audience", "opted in", "share", "plan", "gap"],
            Progress.Select(p => new[] { Time(p.At), Count(p.AudienceSize), Count(p.OptedIn), Pct(p.Share), Pct(p.Planned), Points(p.Share - p.Planned) })));
        Line($"");
        Line($"Channels (in plan order)");
        text.Append(Table(
            ["channel", "state", "opened", "asked", "opted in", "conversion", "waves", "contacted", "not yet asked"],
            Channels.Select(c => new[]
            {
                DriveChannels.Key(c.Channel), Standing(c.Standing), c.OpenedAt is { } opened ? Time(opened) : "-", Count(c.Asked), Count(c.Conversions),
                c.ConversionRate is { } rate ? Pct(rate) : "-", c.MaxWaves == 0 ? "-" : $"{c.Waves}/{c.MaxWaves}", Count(c.Contacted), Count(c.NotYetAsked),
            })));
        if (Variants.Count > 0)
        {
            Line($"");
            Line($"Form variants");
            text.Append(Table(
                ["variant", "placement", "displays", "opted in", "conversion", "share", "next displays"],
                Variants.Select(v => new[]
                {
                    v.Variant, v.Placement == FormPlacement.PortalPopup ? "portal pop-up" : "injection page", Count(v.Displays), Count(v.Conversions),
                    v.ConversionRate is { } rate ? Pct(rate) : "-", Pct(v.Share), Count(v.Quota),
                })));
        }

        if (Segments.Count > 0)
        {
            Line($"");
            Line($"Reach per segment");
            text.Append(Table(
                ["segment", "contacts", "asked", "reach", "opted in", "opt-in share"],
                Segments.Select(s => new[]
                {
                    s.Segment, Count(s.Contacts), Count(s.Asked), s.Reach is { } reach ? Pct(reach) : "-", Count(s.OptedIn), s.OptInShare is { } optIn ? Pct(optIn) : "-",
                })));
        }

        Line($"");
        Line($"Escalations");
        if (Escalations.Count == 0)
        {
            Line($"  none");
        }

        foreach (var e in Escalations)
        {
            Line($"  {Time(e.At)}  {DriveChannels.Key(e.Channel)} opened: {e.Reason}");
        }

        Line($"");
        Line($"Reactivation of contacts of unknown provenance ({Count(UnknownProvenance)} in the audience): {ReactivationLine()}");
        if (GivenUp.Count > 0)
        {
            Line($"");
            Line($"Given up");
            foreach (var g in GivenUp)
            {
                Line($"  {Time(g.At)}  {g.CommandId} after {g.Attempts} attempts: {g.Error}");
            }
        }

        return text.ToString();
    }

    private static ChannelReport Channel(ConsentDriveState state, DriveChannelPlan plan, ChannelProgress progress)
    {
        var lastWave = ConsentDrive.OutreachCommandId(plan.Channel, progress.Waves);
        var inFlight = state.Pending.Any(p => p.Command.Id == lastWave);
        var standing = progress switch
        {
            { OpenedAt: null } => DriveChannelStanding.NotOpen,
            { GaveUp: true } => DriveChannelStanding.GaveUp,
            _ when plan.IsOutreach && !inFlight && (progress.Waves >= plan.MaxWaves || progress.NotYetAsked == 0) => DriveChannelStanding.Done,
            _ => DriveChannelStanding.Open,
        };
        return new ChannelReport(
            plan.Channel, standing, progress.OpenedAt, progress.OpenedBecause, progress.Asked, progress.Conversions,
            Rate(progress.Conversions, progress.Asked), progress.Waves, plan.IsOutreach ? plan.MaxWaves : 0, progress.Contacted, progress.NotYetAsked);
    }

    private static double? Rate(long part, long whole) => whole <= 0 ? null : (double)part / whole;

    private string StatusLine() => Status switch
    {
        DriveStatus.Running => string.Create(CultureInfo.InvariantCulture, $"running, next review {NextReviewAt:yyyy-MM-dd HH:mm:ss}Z"),
        DriveStatus.Paused => StatusNote is null ? "paused" : $"paused ({StatusNote})",
        _ => string.Create(CultureInfo.InvariantCulture, $"finished {EndedAt:yyyy-MM-dd HH:mm}Z: {StatusNote}"),
    };

    private string ReactivationLine() => Reactivation.Status switch
    {
        ReactivationStatus.Running => string.Create(CultureInfo.InvariantCulture, $"sending to {Count(Reactivation.Contacts)}"),
        ReactivationStatus.Done when Reactivation.Result is { } r =>
            string.Create(CultureInfo.InvariantCulture, $"sent, {Count(r.ByEmail)} by e-mail, {Count(r.BySms)} by SMS, {Count(r.Unreachable)} unreachable"),
        ReactivationStatus.GaveUp => "failed every attempt",
        _ => "not sent",
    };

    private static string Standing(DriveChannelStanding standing) => standing switch
    {
        DriveChannelStanding.NotOpen => "not open",
        DriveChannelStanding.GaveUp => "gave up",
        DriveChannelStanding.Done => "done",
        _ => "open",
    };

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    private static string Pct(double share) => share.ToString("P1", CultureInfo.InvariantCulture);

    private static string Points(double difference) => (difference * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    /// <summary>A plain-text table: the first column (what a row is about) left-aligned, the rest right-aligned, two spaces apart.</summary>
    private static string Table(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0)
        {
            return "  none\n";
        }

        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        void Row(string[] cells)
        {
            text.Append(' ');
            for (var i = 0; i < cells.Length; i++)
            {
                text.Append(' ').Append(i == 0 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i])).Append(' ');
            }

            text.Length--;
            text.Append('\n');
        }

        Row(headers);
        foreach (var row in all)
        {
            Row(row);
        }

        return text.ToString();
    }
}
