using System.Text.Json.Serialization;
using Engagement.Core.Workflows;

namespace Engagement.Core.ConsentDrives;

/// <summary>Where a drive is in its life.</summary>
public enum DriveStatus
{
    /// <summary>Reviewing, showing forms and sending.</summary>
    Running,
    /// <summary>Paused by someone: no reviews, no forms, no waves until resumed.</summary>
    Paused,
    /// <summary>Finished; see <see cref="ConsentDriveState.Outcome"/>.</summary>
    Completed,
}

/// <summary>Why a drive finished.</summary>
public enum DriveOutcome
{
    /// <summary>The opt-in share reached the target.</summary>
    TargetReached,
    /// <summary>The deadline passed first.</summary>
    DeadlinePassed,
    /// <summary>The audience held nobody to ask.</summary>
    AudienceEmpty,
    /// <summary>Someone cancelled it.</summary>
    Cancelled,
}

/// <summary>Where the reactivation wave for contacts of unknown provenance stands.</summary>
public enum ReactivationStatus
{
    /// <summary>Not sent (none found yet, or switched off).</summary>
    NotStarted,
    /// <summary>Sent, not yet answered.</summary>
    Running,
    /// <summary>Done.</summary>
    Done,
    /// <summary>Failed every attempt.</summary>
    GaveUp,
}

/// <summary>One review's measurement of the opt-in share, beside the plan.</summary>
/// <param name="At">When it was measured.</param>
/// <param name="AudienceSize">Contacts in the audience.</param>
/// <param name="OptedIn">Of them, opted in.</param>
/// <param name="Share">Opt-in share (<paramref name="OptedIn"/> / <paramref name="AudienceSize"/>).</param>
/// <param name="Planned">The share the plan curve expected then.</param>
public sealed record ProgressPoint(DateTimeOffset At, long AudienceSize, long OptedIn, double Share, double Planned);

/// <summary>One channel of the plan, as the drive knows it.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="OpenedAt">When it opened; null while it is not open.</param>
/// <param name="OpenedBecause">Why it opened.</param>
/// <param name="Asked">Contacts asked over it (web forms: displays), at the last measurement.</param>
/// <param name="Conversions">Opt-ins captured over it, at the last measurement.</param>
/// <param name="NotYetAsked">Audience contacts not yet asked over it, at the last measurement or wave.</param>
/// <param name="Waves">Waves (lists) issued.</param>
/// <param name="Contacted">Contacts asked by its completed waves (lists).</param>
/// <param name="Cursor">Where the next wave's scan goes on.</param>
/// <param name="GaveUp">True when a wave failed every attempt: the channel sends no more.</param>
public sealed record ChannelProgress(
    DriveChannel Channel,
    DateTimeOffset? OpenedAt = null,
    string? OpenedBecause = null,
    long Asked = 0,
    long Conversions = 0,
    long NotYetAsked = 0,
    int Waves = 0,
    long Contacted = 0,
    string? Cursor = null,
    bool GaveUp = false);

/// <summary>One form variant, as the drive knows it.</summary>
/// <param name="Variant">Its id.</param>
/// <param name="Placement">Where it is shown.</param>
/// <param name="Displays">Displays at the last measurement.</param>
/// <param name="Conversions">Opt-ins at the last measurement.</param>
/// <param name="Share">Its share in the last allocation that showed forms (its chance of being the best variant).</param>
/// <param name="Quota">Its displays in the last allocation (0 once forms are stopped).</param>
public sealed record VariantProgress(string Variant, FormPlacement Placement, long Displays = 0, long Conversions = 0, double Share = 0, long Quota = 0);

/// <summary>A channel opened because the share lagged behind the plan.</summary>
/// <param name="At">When.</param>
/// <param name="Channel">The channel opened.</param>
/// <param name="Share">The share then.</param>
/// <param name="Planned">The plan's share then.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record DriveEscalation(DateTimeOffset At, DriveChannel Channel, double Share, double Planned, string Reason);

/// <summary>A command issued and not yet answered, or failed and waiting to be run again at the next review.</summary>
/// <param name="Command">The command, exactly as issued (a retry runs the same id with the same input).</param>
/// <param name="Failures">How many times it failed.</param>
/// <param name="AwaitingRetry">True when it failed and is run again at the next review.</param>
/// <param name="LastError">The last failure's message.</param>
public sealed record PendingCommand(WorkflowCommand Command, int Failures = 0, bool AwaitingRetry = false, string? LastError = null);

/// <summary>A command the drive gave up on.</summary>
/// <param name="CommandId">Its id.</param>
/// <param name="At">When the drive gave up.</param>
/// <param name="Attempts">How many times it ran.</param>
/// <param name="Error">Its last failure.</param>
public sealed record GivenUpCommand(string CommandId, DateTimeOffset At, int Attempts, string Error);

/// <summary>The reactivation wave for contacts of unknown provenance.</summary>
/// <param name="Status">Where it stands.</param>
/// <param name="Contacts">How many the measurement counted when it was sent.</param>
/// <param name="Result">What the activity answered.</param>
public sealed record ReactivationProgress(ReactivationStatus Status = ReactivationStatus.NotStarted, long Contacts = 0, ReactivationResult? Result = null);

/// <summary>
/// What a consent drive remembers between signals: its input, counters, cursors and the progress series; never the
/// audience itself (activities select contacts; the drive holds only how many).
/// </summary>
public sealed record ConsentDriveState
{
    /// <summary>The input it started with.</summary>
    public required ConsentDriveInput Input { get; init; }

    /// <summary>Running, paused or completed.</summary>
    public DriveStatus Status { get; init; }

    /// <summary>Why it finished, once completed.</summary>
    public DriveOutcome? Outcome { get; init; }

    /// <summary>When it finished.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>How it finished, in words.</summary>
    public string? EndNote { get; init; }

    /// <summary>Why it is paused, when it is.</summary>
    public string? PausedBecause { get; init; }

    /// <summary>The deadline in effect (the input's, or a later one by an <c>extend</c> event).</summary>
    public DateTimeOffset Deadline { get; init; }

    /// <summary>The target share in effect (the input's, or one set by a <c>target</c> event).</summary>
    public double Target { get; init; }

    /// <summary>The sampling's random state (SplitMix64), carried so a replay draws the same numbers.</summary>
    public ulong RandomState { get; init; }

    /// <summary>The number of the current (or next) measurement.</summary>
    public int MeasureNumber { get; init; } = 1;

    /// <summary>How many form allocations were issued.</summary>
    public int AllocationNumber { get; init; }

    /// <summary>When the next review is due (when the drive is running).</summary>
    public DateTimeOffset NextReviewAt { get; init; }

    /// <summary>The share at the first measurement: where the plan curve starts.</summary>
    public double? BaselineShare { get; init; }

    /// <summary>One point per completed measurement.</summary>
    public IReadOnlyList<ProgressPoint> Progress { get; init; } = [];

    /// <summary>The plan's channels, in plan order.</summary>
    public IReadOnlyList<ChannelProgress> Channels { get; init; } = [];

    /// <summary>The form variants, in plan order.</summary>
    public IReadOnlyList<VariantProgress> Variants { get; init; } = [];

    /// <summary>Reach per segment at the last measurement.</summary>
    public IReadOnlyList<SegmentReach> Segments { get; init; } = [];

    /// <summary>Audience contacts of unknown provenance at the last measurement.</summary>
    public long UnknownProvenance { get; init; }

    /// <summary>Channels opened because the share lagged, in order.</summary>
    public IReadOnlyList<DriveEscalation> Escalations { get; init; } = [];

    /// <summary>The reactivation wave.</summary>
    public ReactivationProgress Reactivation { get; init; } = new();

    /// <summary>Commands issued and not answered, or waiting to be retried.</summary>
    public IReadOnlyList<PendingCommand> Pending { get; init; } = [];

    /// <summary>Commands the drive gave up on.</summary>
    public IReadOnlyList<GivenUpCommand> GivenUp { get; init; } = [];

    /// <summary>The opt-in share at the last measurement; null before the first.</summary>
    [JsonIgnore]
    public double? Share => Progress.Count == 0 ? null : Progress[^1].Share;

    /// <summary>The plan's share at <paramref name="at"/>.</summary>
    public double PlannedAt(DateTimeOffset at) =>
        DrivePlanCurve.Planned(Input.Curve, BaselineShare ?? 0, Target, Input.StartsAt, Deadline, at);
}
