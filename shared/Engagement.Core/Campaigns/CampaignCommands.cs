namespace Engagement.Core.Campaigns;

/// <summary>
/// The activities a campaign's commands run. Each is idempotent by (campaign id, command id): a command id is reused
/// only for the very same work (a retry after a failure or a crash, with the same input), so an activity that sees an id
/// again answers as before and sends nothing twice (the send ledger holds each recipient × step once).
/// </summary>
public static class CampaignActivities
{
    /// <summary>Takes the audience snapshot and splits it into cells: input <see cref="ResolveAudience"/>, answers <see cref="AudienceResolved"/>.</summary>
    public const string ResolveAudience = "campaign.resolve-audience";

    /// <summary>Plans when each recipient of a step gets it: input <see cref="PlanStep"/>, answers <see cref="StepPlanned"/>.</summary>
    public const string PlanStep = "campaign.plan-step";

    /// <summary>Sends one batch of one slot of a step: input <see cref="SendSlot"/>, answers <see cref="SlotSent"/>.</summary>
    public const string SendSlot = "campaign.send-slot";

    /// <summary>Counts delivery and engagement per step and variant: input <see cref="MeasureCampaign"/>, answers <see cref="CampaignMeasurement"/>.</summary>
    public const string Measure = "campaign.measure";

    /// <summary>Keeps the final report (for <c>GET /api/campaigns/{id}</c> after the end): input <see cref="CampaignReport"/>; its answer is not read (answer <c>{}</c>).</summary>
    public const string Report = "campaign.report";
}

/// <summary>
/// The steps of a campaign. A step's name is part of every Message-ID (<see cref="CampaignMessageId.Step"/>) and of
/// the send ledger's row key, so a recipient gets each step at most once.
/// </summary>
public static class CampaignSteps
{
    /// <summary>The test cells, each with its variant.</summary>
    public const string Test = "test";

    /// <summary>The winner (or default) to the holdout; without an A/B test, the one variant to everyone.</summary>
    public const string Main = "main";

    /// <summary>The reminder to those who did not open (click) the earlier steps.</summary>
    public const string Reminder = "reminder";

    /// <summary>The ledger step under which <see cref="CampaignActivities.ResolveAudience"/> records who was left out of the audience and why.</summary>
    public const string Audience = "audience";
}

/// <summary>
/// Reasons an activity gives for leaving a recipient out (keys of <see cref="AudienceResolved.Excluded"/> and
/// <see cref="SlotSent.Excluded"/>). Activities use these where they fit so reports group alike; any other short
/// lower-case key is kept as given.
/// </summary>
public static class ExclusionReasons
{
    /// <summary>The contact policy found no lawful basis (no consent recorded and the purpose needs it, or refused or withdrawn).</summary>
    public const string NoLawfulBasis = "no-lawful-basis";

    /// <summary>E-mail (or every channel) is suppressed: unsubscribed, bounced, complained, by hand.</summary>
    public const string Suppressed = "suppressed";

    /// <summary>A contact of unknown provenance: a reactivation must ask first.</summary>
    public const string UnknownProvenance = "unknown-provenance";

    /// <summary>No e-mail address is held.</summary>
    public const string NoAddress = "no-address";

    /// <summary>No activity within <see cref="CampaignDefinition.InactiveMonths"/>.</summary>
    public const string Inactive = "inactive";

    /// <summary>The frequency cap across campaigns was reached at send time.</summary>
    public const string FrequencyCap = "frequency-cap";

    /// <summary>Erased (subject rights) between planning and sending.</summary>
    public const string Erased = "erased";
}

/// <summary>
/// Input of <see cref="CampaignActivities.ResolveAudience"/> (command id <c>resolve-audience</c>): take the segment's
/// members as of <paramref name="AsOf"/>; leave out, recording each under ledger step <see cref="CampaignSteps.Audience"/>
/// with its reason (<see cref="ExclusionReasons"/>), those the contact policy refuses for <paramref name="Purpose"/> over
/// e-mail, those without an e-mail address and those inactive for <paramref name="InactiveMonths"/>; put each
/// remaining recipient in their cell with <see cref="CampaignCells.Assign"/>(<paramref name="CampaignId"/>,
/// <paramref name="Cells"/>, subject key); and keep this snapshot (subject key, cell, variant) for the campaign. A
/// second run finds the snapshot and answers from it unchanged.
/// </summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="SegmentId">The segment whose members are the audience.</param>
/// <param name="Purpose">The consent purpose the contact policy decides by.</param>
/// <param name="InactiveMonths">Leave out contacts with no activity in this many months before <paramref name="AsOf"/>; null: nobody for inactivity.</param>
/// <param name="AsOf">The time the audience is taken at (the campaign's start).</param>
/// <param name="Cells">How to split the audience.</param>
public sealed record ResolveAudience(string CampaignId, string SegmentId, string Purpose, int? InactiveMonths, DateTimeOffset AsOf, CellPlan Cells);

/// <summary>How many recipients one cell holds.</summary>
/// <param name="Cell">The cell's name (<see cref="CellAssignment.Cell"/>).</param>
/// <param name="Variant">Its variant; null for the holdout.</param>
/// <param name="Recipients">Recipients in it.</param>
public sealed record CellCount(string Cell, string? Variant, long Recipients);

/// <summary>Answer of <see cref="CampaignActivities.ResolveAudience"/>. Cells must add up to <paramref name="Included"/>.</summary>
/// <param name="Included">Recipients in the audience snapshot.</param>
/// <param name="Excluded">Members left out, by reason.</param>
/// <param name="Cells">Recipients per cell: one entry per cell of <see cref="CampaignCells.Cells"/> (a cell with nobody may be left out).</param>
public sealed record AudienceResolved(long Included, IReadOnlyDictionary<string, long> Excluded, IReadOnlyList<CellCount> Cells);

/// <summary>A cell that gets a step, and the variant it gets.</summary>
/// <param name="Cell">The cell of the audience snapshot.</param>
/// <param name="Variant">The variant its recipients get in this step.</param>
public sealed record StepCell(string Cell, string Variant);

/// <summary>Who gets a reminder: recipients of earlier steps that did not react; each keeps the variant they got.</summary>
/// <param name="AfterSteps">The earlier steps: recipients the ledger has as sent in any of them.</param>
/// <param name="To">Non-openers: no counted open (nor click, since a click implies an open) of any message of the campaign; non-clickers: no counted click.</param>
public sealed record ReminderSelection(IReadOnlyList<string> AfterSteps, ReminderAudience To);


/// <summary>
/// Input of <see cref="CampaignActivities.PlanStep"/> (command id <c>plan-{step}</c>): for each recipient of the step
/// — the snapshot's recipients in <paramref name="Cells"/>, or for a reminder those <paramref name="Reminder"/> selects —
/// the instant they get it, <see cref="SendTimePlanner.Plan(DateTimeOffset, TimeZoneInfo, HourProfile?, HourProfile?, SendTimeSettings)"/>
/// from <paramref name="StepStart"/> in their time zone (<see cref="SendTimeSettings.ZoneOf"/>) with their own hour profile
/// (<see cref="HourProfile.Of"/> over their counted opens and clicks) and the segment's (<see cref="HourProfile.Combine"/>
/// over the members'), under <paramref name="SendTime"/>; keep the plan (subject key,
/// variant, instant) and answer the instants with their counts. Recipients of one instant form a slot, ordered by subject
/// key (ordinal) so that <see cref="SendSlot.Skip"/> and <see cref="SendSlot.Take"/> always name the same people. A second
/// run answers the kept plan unchanged.
/// </summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Step">The step (<see cref="CampaignSteps"/>).</param>
/// <param name="StepStart">When the step starts: no instant is earlier.</param>
/// <param name="Cells">The cells that get the step and the variant each gets; empty for a reminder.</param>
/// <param name="Reminder">For the reminder step, who gets it; null otherwise.</param>
/// <param name="SendTime">The send-time rules.</param>
public sealed record PlanStep(string CampaignId, string Step, DateTimeOffset StepStart, IReadOnlyList<StepCell> Cells, ReminderSelection? Reminder, SendTimeSettings SendTime);

/// <summary>One instant of a step's plan and how many recipients get the step then.</summary>
/// <param name="At">The instant (UTC).</param>
/// <param name="Recipients">How many (at least 1).</param>
public sealed record PlannedSlot(DateTimeOffset At, long Recipients);

/// <summary>Answer of <see cref="CampaignActivities.PlanStep"/>.</summary>
/// <param name="Slots">The plan's instants, each once, with their recipients; empty when nobody gets the step.</param>
/// <param name="Skipped">For a reminder, recipients of the earlier steps not reminded because they reacted; else 0.</param>
public sealed record StepPlanned(IReadOnlyList<PlannedSlot> Slots, long Skipped = 0);

/// <summary>What one variant's message is in a step.</summary>
/// <param name="Id">The variant's id (the Message-ID's variant part).</param>
/// <param name="TemplateId">The template to render.</param>
/// <param name="Subject">The subject; null: the template's own.</param>
public sealed record SendVariant(string Id, string TemplateId, string? Subject);

/// <summary>
/// Input of <see cref="CampaignActivities.SendSlot"/> (command id <c>send-{step}-{slot}-{batch}</c>): send the step to
/// the recipients <paramref name="Skip"/> to <paramref name="Skip"/> + <paramref name="Take"/> − 1 (by subject key,
/// ordinal) of the kept plan's slot at <paramref name="SlotAt"/>, each the message of the variant the plan gives them
/// (looked up in <paramref name="Variants"/>). For each recipient: ask the contact policy again for
/// <paramref name="Purpose"/> over e-mail and the <paramref name="FrequencyCap"/> over all campaigns' sends, and record
/// whoever is left out in the ledger with the reason; claim the rest in the send ledger under <paramref name="Step"/>
/// (skip those claimed before); send from <paramref name="Sender"/> under Message-ID
/// <see cref="CampaignMessageId"/>(campaign, step, variant, subject key) with tracking links; mark sent or failed. At
/// most <paramref name="ThroughputPerMinute"/> a minute within the batch (the decider already spaces batches).
/// </summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Step">The step.</param>
/// <param name="Slot">The slot's number in the step's plan, from 1 in order of time.</param>
/// <param name="Batch">The batch's number in the slot, from 1.</param>
/// <param name="SlotAt">The slot's instant: which recipients of the plan.</param>
/// <param name="Skip">How many of the slot's recipients come before this batch.</param>
/// <param name="Take">How many this batch sends to at most.</param>
/// <param name="Purpose">The consent purpose.</param>
/// <param name="Sender">Who sends.</param>
/// <param name="Variants">The step's variants: subject and template per variant id.</param>
/// <param name="FrequencyCap">The cap over all campaigns; null: none.</param>
/// <param name="ThroughputPerMinute">The pace within the batch; null: as fast as the relay takes them.</param>
/// <param name="ConversionEvent">The conversion event the campaign's tracking counts.</param>
public sealed record SendSlot(
    string CampaignId,
    string Step,
    int Slot,
    int Batch,
    DateTimeOffset SlotAt,
    long Skip,
    int Take,
    string Purpose,
    CampaignSender Sender,
    IReadOnlyList<SendVariant> Variants,
    FrequencyCap? FrequencyCap,
    int? ThroughputPerMinute,
    string ConversionEvent);

/// <summary>One variant's outcome in a <see cref="SlotSent"/>.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Sent">Messages taken by the relay (including ones a redelivery found already sent by this batch).</param>
/// <param name="Failed">Messages refused for good.</param>
/// <param name="Excluded">Recipients left out at send time.</param>
public sealed record VariantSendCount(string Variant, long Sent, long Failed, long Excluded);

/// <summary>Answer of <see cref="CampaignActivities.SendSlot"/>.</summary>
/// <param name="Variants">Per variant of the batch's recipients.</param>
/// <param name="Excluded">Recipients left out at send time, by reason (<see cref="ExclusionReasons"/>); adds up to the variants' excluded.</param>
public sealed record SlotSent(IReadOnlyList<VariantSendCount> Variants, IReadOnlyDictionary<string, long>? Excluded = null);

/// <summary>
/// Input of <see cref="CampaignActivities.Measure"/> (command ids <c>measure-test</c>, <c>measure-final</c>): count,
/// per step in <paramref name="Steps"/> and variant, the ledger's sends and the tracking's engagement with messages of
/// that step (the Message-ID names step and variant).
/// </summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Steps">The steps to count.</param>
/// <param name="ConversionEvent">The track event counted as a conversion.</param>
/// <param name="AttributionDays">How long after a counted click a conversion is credited (<see cref="ConversionAttribution"/>).</param>
/// <param name="AsOf">Counted up to this time.</param>
public sealed record MeasureCampaign(string CampaignId, IReadOnlyList<string> Steps, string ConversionEvent, double AttributionDays, DateTimeOffset AsOf);

/// <summary>
/// One step and variant's numbers. Delivered is what delivery reports confirm, or where the relay gives none, sent
/// minus bounced. Unique opens and clicks count messages with at least one counted (not scanner-flagged) open or click;
/// a click without a counted open counts as an open too.
/// </summary>
/// <param name="Step">The step.</param>
/// <param name="Variant">The variant.</param>
/// <param name="Sent">Messages taken by the relay.</param>
/// <param name="Delivered">Messages delivered (at most <paramref name="Sent"/>).</param>
/// <param name="UniqueOpens">Messages opened (at most <paramref name="Delivered"/>).</param>
/// <param name="UniqueClicks">Messages clicked in (at most <paramref name="Delivered"/>).</param>
/// <param name="Bounces">Messages bounced (hard and soft, final).</param>
/// <param name="Unsubscribes">Recipients who unsubscribed from a message of it.</param>
/// <param name="Complaints">Recipients who marked a message of it as spam.</param>
/// <param name="Conversions">Conversion events credited to its messages.</param>
/// <param name="Converters">Messages with at least one credited conversion (at most <paramref name="Delivered"/>): what the A/B test counts.</param>
/// <param name="Revenue">The credited conversions' revenue, in the shop's currency (0 when events carry none).</param>
public sealed record StepVariantMeasurement(
    string Step,
    string Variant,
    long Sent,
    long Delivered,
    long UniqueOpens,
    long UniqueClicks,
    long Bounces = 0,
    long Unsubscribes = 0,
    long Complaints = 0,
    long Conversions = 0,
    long Converters = 0,
    decimal Revenue = 0);

/// <summary>
/// Answer of <see cref="CampaignActivities.Measure"/>: one row per step and variant with any send (a missing row counts
/// as zero). An answer that cannot be right (negative counts, more delivered than sent, more opens, clicks or converters
/// than delivered) counts as a failure of the command.
/// </summary>
/// <param name="Rows">The rows.</param>
public sealed record CampaignMeasurement(IReadOnlyList<StepVariantMeasurement> Rows)
{
    /// <summary>What makes the answer impossible (empty when it may be right).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var row in Rows ?? [])
        {
            if (row is null || string.IsNullOrEmpty(row.Step) || string.IsNullOrEmpty(row.Variant))
            {
                problems.Add("every row names its step and variant");
                continue;
            }

            var name = $"{row.Step}/{row.Variant}";
            if (row.Sent < 0 || row.Delivered < 0 || row.UniqueOpens < 0 || row.UniqueClicks < 0 || row.Bounces < 0
                || row.Unsubscribes < 0 || row.Complaints < 0 || row.Conversions < 0 || row.Converters < 0 || row.Revenue < 0)
            {
                problems.Add($"{name}: counts must not be negative");
            }

            if (row.Delivered > row.Sent)
            {
                problems.Add($"{name}: more delivered ({row.Delivered}) than sent ({row.Sent})");
            }

            if (row.UniqueOpens > row.Delivered || row.UniqueClicks > row.Delivered || row.Converters > row.Delivered)
            {
                problems.Add($"{name}: unique opens, clicks and converters must not exceed delivered ({row.Delivered})");
            }
        }

        if (Rows is not null && Rows.Where(r => r is not null).GroupBy(r => (r.Step, r.Variant)).Any(g => g.Count() > 1))
        {
            problems.Add("each step and variant appears once");
        }

        return problems;
    }
}
