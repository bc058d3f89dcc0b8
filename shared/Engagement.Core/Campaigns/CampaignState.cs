using System.Text.Json.Serialization;
using Engagement.Core.Workflows;

namespace Engagement.Core.Campaigns;

/// <summary>Where a campaign is in its run.</summary>
public enum CampaignPhase
{
    /// <summary>Waiting for its start.</summary>
    Scheduled,
    /// <summary>The audience is being taken and split into cells.</summary>
    ResolvingAudience,
    /// <summary>The test cells are being sent their variants.</summary>
    Testing,
    /// <summary>Waiting the test's hours, then measuring and picking the winner.</summary>
    AwaitingDecision,
    /// <summary>The main step: the winner (or default) to the holdout; without an A/B test, the one variant to everyone.</summary>
    SendingRest,
    /// <summary>Waiting the reminder's days.</summary>
    AwaitingReminder,
    /// <summary>The reminder is being sent.</summary>
    Reminding,
    /// <summary>Waiting the conversion attribution window after the last send, then measuring for the final report.</summary>
    Reporting,
    /// <summary>Finished (see <see cref="CampaignState.Outcome"/>).</summary>
    Completed,
    /// <summary>Cancelled by someone; what went out is in the report.</summary>
    Cancelled,
}

/// <summary>How a campaign ended.</summary>
public enum CampaignOutcome
{
    /// <summary>Every step went out and the final report was made.</summary>
    Sent,
    /// <summary>The audience held nobody (everyone excluded, or an empty segment).</summary>
    AudienceEmpty,
    /// <summary>Cancelled by someone.</summary>
    Cancelled,
    /// <summary>The audience or a step's plan could not be made after every attempt.</summary>
    Failed,
}

/// <summary>What starts a campaign run.</summary>
/// <param name="CampaignId">The campaign's id (the definition's, or one the caller generated): letters, digits, '-' and '_'.</param>
/// <param name="Definition">The marketer's definition.</param>
/// <param name="BatchSize">Recipients per <see cref="SendSlot"/> batch (1 to 10,000; 500 by default): small enough for one activity run.</param>
/// <param name="MaxAttempts">How many times a failed command runs before the campaign gives up on it (1 to 10).</param>
/// <param name="RetryAfter">The wait before a failed command runs again, times the failures so far; null: 5 minutes.</param>
public sealed record CampaignInput(string CampaignId, CampaignDefinition Definition, int BatchSize = 500, int MaxAttempts = 3, TimeSpan? RetryAfter = null)
{
    /// <summary>The retry wait when none is given.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>The retry wait in effect.</summary>
    [JsonIgnore]
    public TimeSpan RetryWait => RetryAfter ?? DefaultRetryAfter;

    /// <summary>Everything wrong with the input (empty when it may start); the definition's problems carry their JSON paths.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!CampaignMessageId.IsPart(CampaignId) || CampaignId.Length > CampaignDefinition.MaxIdLength)
        {
            problems.Add($"campaignId: use 1–{CampaignDefinition.MaxIdLength} letters, digits, '-' or '_'");
        }

        if (Definition is null)
        {
            problems.Add("definition is required");
        }
        else
        {
            if (Definition.Id is not null && Definition.Id != CampaignId)
            {
                problems.Add("campaignId must be the definition's id when it has one");
            }

            problems.AddRange(Definition.Problems().Select(p => p.ToString()));
        }

        if (BatchSize is < 1 or > 10_000)
        {
            problems.Add("batchSize must be from 1 to 10000");
        }

        if (MaxAttempts is < 1 or > 10)
        {
            problems.Add("maxAttempts must be from 1 to 10");
        }

        if (RetryAfter is { } wait && wait <= TimeSpan.Zero)
        {
            problems.Add("retryAfter must be positive");
        }

        return problems;
    }
}

/// <summary>One slot of a step's plan: its recipients get the step at <paramref name="At"/>, in batches.</summary>
/// <param name="Number">Its number in the step, from 1 in order of time.</param>
/// <param name="At">The planned instant.</param>
/// <param name="Recipients">How many recipients.</param>
/// <param name="SendFrom">When its first batch goes (at <paramref name="At"/>, or later when the throughput limit spaces the batches of earlier slots).</param>
/// <param name="Batches">How many batches it is sent in.</param>
/// <param name="Issued">Batches issued.</param>
/// <param name="Done">Batches answered or given up on.</param>
public sealed record SlotProgress(int Number, DateTimeOffset At, long Recipients, DateTimeOffset SendFrom, int Batches, int Issued = 0, int Done = 0);

/// <summary>One step of the campaign, as the decider knows it.</summary>
/// <param name="Step">The step (<see cref="CampaignSteps"/>).</param>
/// <param name="StartedAt">When it started (planning asked for).</param>
/// <param name="Planned">Whether its plan has come back.</param>
/// <param name="Slots">Its slots, in order of time.</param>
/// <param name="Sent">Per variant, what the answered batches sent, failed and left out.</param>
/// <param name="Excluded">Left out at send time, by reason.</param>
/// <param name="Skipped">For a reminder: recipients not reminded because they reacted.</param>
/// <param name="FinishedAt">When its last batch was answered (or given up on).</param>
public sealed record StepProgress(
    string Step,
    DateTimeOffset StartedAt,
    bool Planned = false,
    IReadOnlyList<SlotProgress>? Slots = null,
    IReadOnlyList<VariantSendCount>? Sent = null,
    IReadOnlyDictionary<string, long>? Excluded = null,
    long Skipped = 0,
    DateTimeOffset? FinishedAt = null)
{
    /// <summary>Recipients in the plan.</summary>
    [JsonIgnore]
    public long Recipients => (Slots ?? []).Sum(s => s.Recipients);

    /// <summary>Whether every batch of every slot is answered or given up on.</summary>
    [JsonIgnore]
    public bool AllBatchesDone => Planned && (Slots ?? []).All(s => s.Done >= s.Batches);
}

/// <summary>A command issued and not yet answered, or failed and waiting to run again.</summary>
/// <param name="Command">The command, exactly as issued (a retry runs the same id and input).</param>
/// <param name="Failures">How many times it failed.</param>
/// <param name="RetryAt">When it runs again, while it waits to; null while it runs.</param>
/// <param name="LastError">The last failure's message.</param>
public sealed record PendingCampaignCommand(WorkflowCommand Command, int Failures = 0, DateTimeOffset? RetryAt = null, string? LastError = null);

/// <summary>A command the campaign gave up on.</summary>
/// <param name="CommandId">Its id.</param>
/// <param name="At">When.</param>
/// <param name="Attempts">How many times it ran.</param>
/// <param name="Error">Its last failure.</param>
public sealed record GivenUpCampaignCommand(string CommandId, DateTimeOffset At, int Attempts, string Error);

/// <summary>
/// What a campaign remembers between signals: its input, phase, the audience's counts, each step's slots and counters,
/// the last measurement and the A/B result; never the audience itself (activities keep the snapshot and plans).
/// </summary>
public sealed record CampaignState
{
    /// <summary>The input it started with.</summary>
    public required CampaignInput Input { get; init; }

    /// <summary>Where it is.</summary>
    public CampaignPhase Phase { get; init; }

    /// <summary>How it ended, once it has.</summary>
    public CampaignOutcome? Outcome { get; init; }

    /// <summary>How it ended, or what it waits for, in words.</summary>
    public string? StatusNote { get; init; }

    /// <summary>When it starts (the definition's start, or when it was started).</summary>
    public DateTimeOffset StartAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>When the waiting phase (scheduled, awaiting the decision or the reminder, reporting) is due.</summary>
    public DateTimeOffset? PhaseDueAt { get; init; }

    /// <summary>The audience's counts, once resolved.</summary>
    public AudienceResolved? Audience { get; init; }

    /// <summary>The steps started, in order.</summary>
    public IReadOnlyList<StepProgress> Steps { get; init; } = [];

    /// <summary>The A/B test's result, once decided.</summary>
    public AbTestResult? AbTest { get; init; }

    /// <summary>The variant the holdout gets, once decided (the default without an A/B test).</summary>
    public string? Winner { get; init; }

    /// <summary>The last measurement.</summary>
    public CampaignMeasurement? Measurement { get; init; }

    /// <summary>When the last measurement was taken.</summary>
    public DateTimeOffset? MeasuredAt { get; init; }

    /// <summary>Commands issued and not answered, or waiting to run again.</summary>
    public IReadOnlyList<PendingCampaignCommand> Pending { get; init; } = [];

    /// <summary>Commands the campaign gave up on.</summary>
    public IReadOnlyList<GivenUpCampaignCommand> GivenUp { get; init; } = [];

    /// <summary>At cancellation: batches issued and not answered — running, or failed and waiting to run again (what they sent is in the ledger, not in these counts).</summary>
    public IReadOnlyList<string> InFlightAtEnd { get; init; } = [];

    /// <summary>At cancellation: recipients whose batches were never issued.</summary>
    public long DroppedRecipients { get; init; }

    /// <summary>Whether the campaign is over.</summary>
    [JsonIgnore]
    public bool IsOver => Phase is CampaignPhase.Completed or CampaignPhase.Cancelled;

    /// <summary>The step named <paramref name="step"/>, if started.</summary>
    public StepProgress? Step(string step) => Steps.FirstOrDefault(s => s.Step == step);
}
