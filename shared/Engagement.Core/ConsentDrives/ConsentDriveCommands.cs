using Engagement.Core.Consent;

namespace Engagement.Core.ConsentDrives;

/// <summary>
/// The activities a consent drive's commands run. Each is idempotent by (instance id, command id[, recipient]): a
/// command id is reused only for the very same work (a retry), so an activity that sees an id again repeats its answer
/// and sends nothing twice.
/// </summary>
public static class ConsentDriveActivities
{
    /// <summary>Measures the drive: input <see cref="MeasureDrive"/>, answers <see cref="DriveMeasurement"/>.</summary>
    public const string Measure = "consent-drive.measure";

    /// <summary>Puts a form allocation in force: input <see cref="FormAllocation"/>; its answer is not read (answer <c>{}</c>).</summary>
    public const string AllocateForms = "consent-drive.allocate-forms";

    /// <summary>Sends one e-mail or SMS wave: input <see cref="OutreachBatch"/>, answers <see cref="OutreachBatchResult"/>.</summary>
    public const string SendWave = "consent-drive.send-wave";

    /// <summary>Publishes one call-centre or store list: input <see cref="OutreachBatch"/>, answers <see cref="OutreachBatchResult"/>.</summary>
    public const string CallList = "consent-drive.call-list";

    /// <summary>Sends the reactivation wave to contacts of unknown provenance: input <see cref="Reactivation"/>, answers <see cref="ReactivationResult"/>.</summary>
    public const string Reactivate = "consent-drive.reactivate";
}

/// <summary>The outside events a running drive understands (<see cref="Workflows.WorkflowSignal.External"/> names).</summary>
public static class ConsentDriveEvents
{
    /// <summary>Stops sending and showing forms until <see cref="Resume"/>; payload <see cref="PauseDrive"/> or none.</summary>
    public const string Pause = "pause";

    /// <summary>Goes on after <see cref="Pause"/> with a review at once; no payload.</summary>
    public const string Resume = "resume";

    /// <summary>Moves the deadline later; payload <see cref="ExtendDeadline"/>.</summary>
    public const string Extend = "extend";

    /// <summary>Sets a new target share; payload <see cref="ChangeTarget"/>.</summary>
    public const string Target = "target";
}

/// <summary>Payload of <see cref="ConsentDriveEvents.Pause"/>.</summary>
/// <param name="Reason">Why, for the history.</param>
public sealed record PauseDrive(string? Reason = null);

/// <summary>Payload of <see cref="ConsentDriveEvents.Extend"/>.</summary>
/// <param name="Deadline">The new deadline: later than the current one and than now.</param>
public sealed record ExtendDeadline(DateTimeOffset Deadline);

/// <summary>Payload of <see cref="ConsentDriveEvents.Target"/>.</summary>
/// <param name="TargetOptInShare">The new target share, above 0 and at most 1.</param>
public sealed record ChangeTarget(double TargetOptInShare);

/// <summary>Input of <see cref="ConsentDriveActivities.Measure"/>: what to count.</summary>
/// <param name="Number">The measurement's number (1, 2, …).</param>
/// <param name="Purposes">The drive's purposes: opted in = consent granted for every one.</param>
/// <param name="Audience">The audience filter.</param>
/// <param name="StartsAt">The drive's start: the audience is the contacts that lacked consent as of this time.</param>
/// <param name="Channels">The plan's channels, in order: answer a <see cref="ChannelMeasurement"/> for each.</param>
/// <param name="Variants">The form variants: answer a <see cref="VariantMeasurement"/> for each.</param>
/// <param name="Caps">The display caps: contacts at the total cap are not <see cref="DriveMeasurement.FormEligible"/>.</param>
public sealed record MeasureDrive(
    int Number,
    IReadOnlyList<string> Purposes,
    DriveAudience Audience,
    DateTimeOffset StartsAt,
    IReadOnlyList<DriveChannel> Channels,
    IReadOnlyList<string> Variants,
    DisplayCaps Caps);

/// <summary>
/// Answer of <see cref="ConsentDriveActivities.Measure"/>: where the drive stands, counted since its start. An answer
/// that cannot be right (negative counts, more opted in than the audience) counts as a failure of the command.
/// </summary>
/// <param name="AudienceSize">Contacts in the audience (fixed at the start: they lacked consent then).</param>
/// <param name="OptedIn">How many of them have consent granted for every purpose now.</param>
/// <param name="Channels">Per plan channel: how many were asked (form displays for web forms), how many opted in there, how many are not yet asked.</param>
/// <param name="Variants">Per form variant: displays and opt-ins.</param>
/// <param name="Segments">Reach per segment: the audience's segments, or when it names none, the contacts' provenances (<c>provenance:order</c>, …).</param>
/// <param name="UnknownProvenance">Audience contacts of unknown provenance (they get the reactivation wave).</param>
/// <param name="FormEligible">Audience contacts not opted in whose form displays are below the total cap.</param>
public sealed record DriveMeasurement(
    long AudienceSize,
    long OptedIn,
    IReadOnlyList<ChannelMeasurement> Channels,
    IReadOnlyList<VariantMeasurement> Variants,
    IReadOnlyList<SegmentReach> Segments,
    long UnknownProvenance,
    long FormEligible)
{
    /// <summary>What makes the answer impossible (empty when it may be right).</summary>
    public IReadOnlyList<string> Problems()
    {
        var errors = new List<string>();
        if (AudienceSize < 0 || OptedIn < 0 || UnknownProvenance < 0 || FormEligible < 0)
        {
            errors.Add("counts must not be negative");
        }

        if (OptedIn > AudienceSize)
        {
            errors.Add($"more opted in ({OptedIn}) than in the audience ({AudienceSize})");
        }

        if ((Channels ?? []).Any(c => c is null || c.Asked < 0 || c.Conversions < 0 || c.NotYetAsked < 0)
            || (Variants ?? []).Any(v => v is null || v.Displays < 0 || v.Conversions < 0 || v.Conversions > v.Displays)
            || (Segments ?? []).Any(s => s is null || s.Contacts < 0 || s.Asked < 0 || s.OptedIn < 0))
        {
            errors.Add("channel, variant and segment counts must not be negative, nor conversions exceed displays");
        }

        return errors;
    }
}

/// <summary>One channel's counts in a <see cref="DriveMeasurement"/>.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Asked">Contacts asked over it (web forms: form displays).</param>
/// <param name="Conversions">Opt-ins captured over it (by the ledger's capture channel: portal pop-up and injection page → web forms, e-mail link → e-mail, reply SMS → SMS, call centre, store).</param>
/// <param name="NotYetAsked">Audience contacts, not opted in, reachable over it and not yet asked over it (web forms: never shown a form).</param>
public sealed record ChannelMeasurement(DriveChannel Channel, long Asked, long Conversions, long NotYetAsked);

/// <summary>One form variant's counts in a <see cref="DriveMeasurement"/>.</summary>
/// <param name="Variant">The variant's id.</param>
/// <param name="Displays">Times it was shown.</param>
/// <param name="Conversions">Opt-ins given in it.</param>
public sealed record VariantMeasurement(string Variant, long Displays, long Conversions);

/// <summary>How far a drive reached into one segment.</summary>
/// <param name="Segment">The segment.</param>
/// <param name="Contacts">Audience contacts in it.</param>
/// <param name="Asked">Of them, asked over any channel (or shown a form).</param>
/// <param name="OptedIn">Of them, opted in.</param>
public sealed record SegmentReach(string Segment, long Contacts, long Asked, long OptedIn);

/// <summary>Input of <see cref="ConsentDriveActivities.AllocateForms"/>: how many forms to show per variant until the next review.</summary>
/// <param name="Number">The allocation's number; apply it only when newer than the one in force (a retried older one must not replace it).</param>
/// <param name="From">In force from.</param>
/// <param name="Until">Until (the next review; the allocation stays in force past it until a newer one arrives).</param>
/// <param name="Purposes">The purposes the forms ask for.</param>
/// <param name="Caps">The display caps per contact the form must keep.</param>
/// <param name="Variants">Per variant its share and number of displays; all zero when the drive is paused or finished (show no forms).</param>
/// <param name="Audience">Who the forms are for (with the consent the purposes lack).</param>
/// <param name="StartsAt">The drive's start (audience membership as of then).</param>
public sealed record FormAllocation(
    int Number,
    DateTimeOffset From,
    DateTimeOffset Until,
    IReadOnlyList<string> Purposes,
    DisplayCaps Caps,
    IReadOnlyList<VariantQuota> Variants,
    DriveAudience? Audience = null,
    DateTimeOffset? StartsAt = null);

/// <summary>One variant's part of a <see cref="FormAllocation"/>.</summary>
/// <param name="Variant">The variant's id.</param>
/// <param name="Placement">Where it is shown.</param>
/// <param name="Share">Its share of the displays (the chance it is the best variant).</param>
/// <param name="Displays">At most this many displays of it in the period.</param>
public sealed record VariantQuota(string Variant, FormPlacement Placement, double Share, long Displays);

/// <summary>
/// Input of <see cref="ConsentDriveActivities.SendWave"/> (e-mail, SMS) and <see cref="ConsentDriveActivities.CallList"/>
/// (call centre, store): ask up to <paramref name="BatchSize"/> audience contacts not yet asked over the channel, skipping
/// those the contact policy excludes (suppressed, no address), continuing the scan from <paramref name="Cursor"/>.
/// </summary>
/// <param name="Channel">The channel.</param>
/// <param name="Wave">The wave's (list's) number on the channel, from 1.</param>
/// <param name="BatchSize">At most this many contacts.</param>
/// <param name="Cursor">Where the previous wave's scan stopped (its <see cref="OutreachBatchResult.NextCursor"/>); null: from the beginning.</param>
/// <param name="Purposes">The purposes to ask for.</param>
/// <param name="Audience">The audience filter.</param>
/// <param name="StartsAt">The drive's start (audience membership as of then).</param>
public sealed record OutreachBatch(
    DriveChannel Channel,
    int Wave,
    int BatchSize,
    string? Cursor,
    IReadOnlyList<string> Purposes,
    DriveAudience Audience,
    DateTimeOffset StartsAt);

/// <summary>Answer of <see cref="ConsentDriveActivities.SendWave"/> and <see cref="ConsentDriveActivities.CallList"/>.</summary>
/// <param name="Contacted">Contacts asked (e-mails or SMS sent, people put on the list).</param>
/// <param name="Skipped">Contacts passed over (suppressed, no address, refused before).</param>
/// <param name="NextCursor">Where the next wave's scan goes on; null when the scan reached the end.</param>
/// <param name="NotYetAsked">Audience contacts still not asked over the channel after this wave.</param>
public sealed record OutreachBatchResult(int Contacted, int Skipped, string? NextCursor, long NotYetAsked);

/// <summary>
/// Input of <see cref="ConsentDriveActivities.Reactivate"/>: ask the audience's contacts of unknown provenance to
/// confirm, over the first of <paramref name="Channels"/> each can be reached on.
/// </summary>
/// <param name="Purposes">The purposes to ask for.</param>
/// <param name="Audience">The audience filter.</param>
/// <param name="StartsAt">The drive's start (audience membership as of then).</param>
/// <param name="Channels">In order of preference: e-mail, then SMS.</param>
/// <param name="Contacts">How many the last measurement counted (for the history; the activity selects them itself).</param>
public sealed record Reactivation(
    IReadOnlyList<string> Purposes,
    DriveAudience Audience,
    DateTimeOffset StartsAt,
    IReadOnlyList<DriveChannel> Channels,
    long Contacts);

/// <summary>Answer of <see cref="ConsentDriveActivities.Reactivate"/>.</summary>
/// <param name="ByEmail">Asked by e-mail.</param>
/// <param name="BySms">Asked by SMS (no e-mail).</param>
/// <param name="Unreachable">Neither (or suppressed).</param>
public sealed record ReactivationResult(long ByEmail, long BySms, long Unreachable);

/// <summary>Which contacts a drive's audience filter admits: the one rule the measuring and sending activities share.</summary>
public static class DriveAudienceRules
{
    /// <summary>
    /// Whether a subject counts as opted in for a drive: for every purpose, the latest decision (by decision time, over
    /// any channel) is a grant. With <paramref name="asOf"/>, only decisions made by then count.
    /// </summary>
    public static bool OptedIn(IEnumerable<string> purposes, IEnumerable<ConsentRecord> history, DateTimeOffset? asOf = null)
    {
        ArgumentNullException.ThrowIfNull(purposes);
        ArgumentNullException.ThrowIfNull(history);
        var counted = history.Where(r => asOf is null || r.Request.DecidedAt <= asOf).ToList();
        return purposes.All(p => counted.Where(r => r.Request.Purpose == p)
            .OrderBy(r => r.Request.DecidedAt).ThenBy(r => r.Sequence).LastOrDefault() is { Request.Decision: ConsentDecision.Granted });
    }

    /// <summary>The drive channel a decision captured over counts for, if any.</summary>
    public static DriveChannel? ChannelOf(CaptureChannel capturedVia) => capturedVia switch
    {
        CaptureChannel.PortalPopup or CaptureChannel.InjectionPage => DriveChannel.WebForm,
        CaptureChannel.EmailLink => DriveChannel.Email,
        CaptureChannel.ReplySms => DriveChannel.Sms,
        CaptureChannel.CallCentre => DriveChannel.CallCentre,
        CaptureChannel.Store => DriveChannel.Store,
        _ => null,
    };

    /// <summary>Whether a contact of <paramref name="provenance"/> in <paramref name="segments"/> falls within <paramref name="audience"/>'s filter (consent aside).</summary>
    public static bool Matches(DriveAudience audience, ContactProvenance provenance, IEnumerable<string> segments)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(segments);
        var byProvenance = audience.Provenances is not { Count: > 0 } wanted || wanted.Contains(provenance);
        var bySegment = audience.Segments is not { Count: > 0 } tags || segments.Any(s => tags.Contains(s, StringComparer.Ordinal));
        return byProvenance && bySegment;
    }
}
