using System.Globalization;
using System.Text.Json;
using Engagement.Core.Workflows;

namespace Engagement.Core.Campaigns;

/// <summary>
/// An e-mail campaign as a decider. At its start it resolves the audience (<see cref="CampaignActivities.ResolveAudience"/>);
/// with an A/B test it sends the test cells their variants (step <c>test</c>), waits <see cref="AbTestPlan.DecideAfterHours"/>
/// after the last test batch, measures and picks the winner (<see cref="AbTestDecision"/>), and sends it to the holdout
/// (step <c>main</c>); without a test it sends the default variant to everyone (step <c>main</c>). With a reminder it waits
/// <see cref="ReminderPlan.AfterDays"/> after the last batch and reminds the non-openers (non-clickers) (step
/// <c>reminder</c>). Then it waits the conversion attribution window, measures once more and finishes with the final
/// report (<see cref="CampaignActivities.Report"/>).
/// </summary>
/// <remarks>
/// <para>
/// A step is planned first (<see cref="CampaignActivities.PlanStep"/>): the activity answers the instants at which its
/// recipients get it (send-time optimisation, send window and quiet hours make these several slots over a day or more).
/// The decider then wakes at each slot and issues that slot's batches (<see cref="CampaignActivities.SendSlot"/>, at most
/// <see cref="CampaignInput.BatchSize"/> recipients each); under a throughput limit it spaces the batches of the whole
/// step by BatchSize / limit minutes, so a slot may begin later than planned but never earlier. A slot whose time has
/// passed when the decider learns of it (a late plan, a runtime that was down) is sent at once. The step ends when
/// every batch is answered or given up on.
/// </para>
/// <para>
/// Command ids name the work (<c>resolve-audience</c>, <c>plan-test</c>, <c>send-main-3-2</c> = step main, slot 3,
/// batch 2, <c>measure-test</c>, <c>measure-final</c>, <c>report</c>), so a replay, a retry or a redelivered answer never
/// makes new work: an answer to a command not waiting is ignored. A failed command runs again with the same id and
/// input after <see cref="CampaignInput.RetryWait"/> × failures; after <see cref="CampaignInput.MaxAttempts"/> the
/// campaign gives up on it: on the audience or a plan it ends as failed, on a batch it goes on without it, on the test
/// measurement it keeps the default variant and says so, on the final measurement it reports what it knows.
/// </para>
/// <para>
/// Cancelling (<see cref="WorkflowSignal.Cancelled"/>) ends it at once: batches not yet issued are dropped, running
/// ones are not waited for, and the final report says what went out. No outside events are understood; any is ignored
/// with a note. Deterministic: no clock but <c>now</c>, no randomness.
/// </para>
/// </remarks>
public sealed class CampaignDecider : IDecider<CampaignInput, CampaignState>
{
    /// <summary>The workflow type's name.</summary>
    public const string Type = "campaign";

    /// <summary>Id of the audience resolution.</summary>
    public const string ResolveCommandId = "resolve-audience";

    /// <summary>Id of the test's measurement.</summary>
    public const string MeasureTestCommandId = "measure-test";

    /// <summary>Id of the final measurement.</summary>
    public const string MeasureFinalCommandId = "measure-final";

    /// <summary>Id of the final report.</summary>
    public const string ReportCommandId = "report";

    /// <inheritdoc />
    public string WorkflowType => Type;

    /// <summary>Id of a step's plan: <c>plan-{step}</c>.</summary>
    public static string PlanCommandId(string step) => "plan-" + step;

    /// <summary>Id of a batch: <c>send-{step}-{slot}-{batch}</c>.</summary>
    public static string SendCommandId(string step, int slot, int batch) => string.Create(CultureInfo.InvariantCulture, $"send-{step}-{slot}-{batch}");

    /// <inheritdoc />
    public IReadOnlyList<string> Validate(CampaignInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Problems();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The input is invalid (<see cref="Validate"/> says why).</exception>
    public Decision<CampaignState> Start(CampaignInput input, DateTimeOffset now)
    {
        var problems = Validate(input);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid campaign: " + string.Join("; ", problems), nameof(input));
        }

        var startAt = input.Definition.StartAt is { } at && at > now ? at : now;
        var state = new CampaignState
        {
            Input = input,
            Phase = CampaignPhase.Scheduled,
            StartAt = startAt,
            PhaseDueAt = startAt,
            StatusNote = Invariant($"starts at {startAt:u}"),
        };
        var turn = new Turn(state, now);
        turn.Advance();
        return turn.Decide(Invariant($"campaign '{input.Definition.Name}' ({input.CampaignId}) {(startAt > now ? $"waits for its start at {startAt:u}" : "started")}"));
    }

    /// <inheritdoc />
    public Decision<CampaignState> Decide(CampaignState state, WorkflowSignal signal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(signal);
        if (state.IsOver)
        {
            return Decision.Complete(state, $"already over; {signal.Describe()} ignored");
        }

        var turn = new Turn(state, now);
        switch (signal)
        {
            case WorkflowSignal.Woke:
                break;
            case WorkflowSignal.CommandCompleted completed:
                turn.Completed(completed.CommandId, completed.Result);
                break;
            case WorkflowSignal.CommandFailed failed:
                turn.Failed(failed.CommandId, failed.Error);
                break;
            case WorkflowSignal.External external:
                turn.Note($"unknown event '{external.Name}' ignored (a campaign understands none; cancel it to stop it)");
                break;
            case WorkflowSignal.Cancelled cancelled:
                turn.Cancel(cancelled.Reason);
                break;
        }

        turn.Advance();
        return turn.Decide(signal.Describe());
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>One decision in the making: the state as it changes, the commands issued and what was noted.</summary>
    private sealed class Turn(CampaignState state, DateTimeOffset now)
    {
        private readonly List<WorkflowCommand> _commands = [];
        private readonly List<string> _notes = [];
        private CampaignState _state = state;

        private CampaignInput Input => _state.Input;

        private CampaignDefinition Definition => _state.Input.Definition;

        public void Note(string note) => _notes.Add(note);

        /// <summary>The decision: over (with the final report), or going on with a wake-up at the next thing due.</summary>
        public Decision<CampaignState> Decide(string lead)
        {
            var note = _notes.Count == 0 ? lead : lead + ": " + string.Join("; ", _notes);
            return _state.IsOver
                ? Decision.Complete(_state, note, [.. _commands])
                : Decision.Continue(_state, note, NextWake(), [.. _commands]);
        }

        /// <summary>Does everything due now: the start, failed commands' retries, batches whose time has come, a waiting phase's end.</summary>
        public void Advance()
        {
            if (_state.IsOver)
            {
                return;
            }

            foreach (var retry in _state.Pending.Where(p => p.RetryAt is { } at && at <= now).ToList())
            {
                Replace(retry, retry with { RetryAt = null });
                _commands.Add(retry.Command);
                _notes.Add(Invariant($"running {retry.Command.Id} again (attempt {retry.Failures + 1} of {Input.MaxAttempts})"));
            }

            var due = _state.PhaseDueAt is { } at && at <= now;
            switch (_state.Phase)
            {
                case CampaignPhase.Scheduled when due:
                    _state = _state with { Phase = CampaignPhase.ResolvingAudience, PhaseDueAt = null, StatusNote = "resolving the audience" };
                    Issue(WorkflowCommand.Of(ResolveCommandId, CampaignActivities.ResolveAudience, new ResolveAudience(
                        Input.CampaignId, Definition.SegmentId, Definition.Purpose, Definition.InactiveMonths, _state.StartAt, CellPlan.Of(Definition))));
                    _notes.Add("resolving the audience");
                    break;
                case CampaignPhase.Testing or CampaignPhase.SendingRest or CampaignPhase.Reminding:
                    IssueDueBatches();
                    break;
                case CampaignPhase.AwaitingDecision when due:
                    _state = _state with { PhaseDueAt = null, StatusNote = "measuring the test" };
                    Issue(WorkflowCommand.Of(MeasureTestCommandId, CampaignActivities.Measure, Measure([CampaignSteps.Test])));
                    _notes.Add("measuring the test");
                    break;
                case CampaignPhase.AwaitingReminder when due:
                    _state = _state with { Phase = CampaignPhase.Reminding, PhaseDueAt = null };
                    StartStep(CampaignSteps.Reminder);
                    break;
                case CampaignPhase.Reporting when due:
                    _state = _state with { PhaseDueAt = null, StatusNote = "measuring for the final report" };
                    Issue(WorkflowCommand.Of(MeasureFinalCommandId, CampaignActivities.Measure, Measure(_state.Steps.Select(s => s.Step).ToList())));
                    _notes.Add("measuring for the final report");
                    break;
            }
        }

        public void Completed(string commandId, JsonElement result)
        {
            var pending = Find(commandId);
            if (pending is null)
            {
                _notes.Add(Invariant($"no command {commandId} is waiting; its answer is ignored"));
                return;
            }

            string? unusable;
            try
            {
                unusable = Apply(pending, result);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException or ArgumentException)
            {
                unusable = e.Message;
            }

            if (unusable is not null)
            {
                Failed(commandId, $"unusable answer: {unusable}");
            }
        }

        public void Failed(string commandId, string error)
        {
            var pending = Find(commandId);
            if (pending is null)
            {
                _notes.Add(Invariant($"no command {commandId} is waiting; its failure is ignored"));
                return;
            }

            var failures = pending.Failures + 1;
            if (failures < Input.MaxAttempts)
            {
                var retryAt = now + (Input.RetryWait * failures);
                Replace(pending, pending with { Failures = failures, RetryAt = retryAt, LastError = error });
                _notes.Add(Invariant($"{commandId} failed (attempt {failures} of {Input.MaxAttempts}): {error}; it runs again at {retryAt:u}"));
                return;
            }

            Remove(pending);
            _state = _state with { GivenUp = [.. _state.GivenUp, new GivenUpCampaignCommand(commandId, now, failures, error)] };
            _notes.Add(Invariant($"gave up on {commandId} after {failures} attempts: {error}"));
            var command = pending.Command;
            switch (command.Activity)
            {
                case CampaignActivities.ResolveAudience:
                    Finish(CampaignOutcome.Failed, $"the audience could not be resolved: {error}");
                    break;
                case CampaignActivities.PlanStep:
                    Finish(CampaignOutcome.Failed, $"step {WorkflowJson.Read<PlanStep>(command.Input).Step} could not be planned: {error}");
                    break;
                case CampaignActivities.SendSlot:
                    var batch = WorkflowJson.Read<SendSlot>(command.Input);
                    UpdateSlot(batch.Step, batch.Slot, s => s with { Done = s.Done + 1 });
                    StepMaybeFinished(batch.Step);
                    break;
                case CampaignActivities.Measure when command.Id == MeasureTestCommandId:
                    var test = Definition.AbTest!;
                    var control = Definition.DefaultVariantInEffect;
                    var result = new AbTestResult(test.Metric, control, control, false,
                        $"inconclusive: the test could not be measured ({error}); the default {control} goes to the rest",
                        test.Confidence, [], []);
                    Decided(result);
                    break;
                case CampaignActivities.Measure:
                    Finish(CampaignOutcome.Sent, $"every step went out; the final measurement failed ({error}), so the report holds the last numbers known");
                    break;
            }
        }

        /// <summary>Ends the campaign at once: batches not issued are dropped, running ones are not waited for.</summary>
        public void Cancel(string? reason)
        {
            var running = _state.Pending.Where(p => p.Command.Activity == CampaignActivities.SendSlot).Select(p => p.Command.Id).ToList();
            var dropped = _state.Steps.Where(s => s.FinishedAt is null).SelectMany(s => s.Slots ?? [])
                .Sum(s => Math.Max(0, s.Recipients - (s.Issued * (long)Input.BatchSize)));
            _state = _state with { InFlightAtEnd = running, DroppedRecipients = dropped };
            var note = reason is null ? "cancelled" : $"cancelled: {reason}";
            if (dropped > 0)
            {
                note += Invariant($"; {dropped} recipients not sent to");
            }

            if (running.Count > 0)
            {
                note += $"; not waiting for {string.Join(", ", running)}";
            }

            var notStarted = PlannedSteps().Where(step => _state.Step(step) is null).ToList();
            if (notStarted.Count > 0 && _state.Phase != CampaignPhase.Scheduled)
            {
                note += $"; steps never sent: {string.Join(", ", notStarted)}";
            }

            Finish(CampaignOutcome.Cancelled, note);
        }

        /// <summary>Takes a command's answer in; returns why it cannot be used, or null.</summary>
        private string? Apply(PendingCampaignCommand pending, JsonElement result)
        {
            var command = pending.Command;
            switch (command.Activity)
            {
                case CampaignActivities.ResolveAudience:
                    var audience = WorkflowJson.Read<AudienceResolved>(result);
                    if (AudienceProblem(audience) is { } audienceProblem)
                    {
                        return audienceProblem;
                    }

                    Remove(pending);
                    Resolved(audience);
                    return null;
                case CampaignActivities.PlanStep:
                    var plan = WorkflowJson.Read<PlanStep>(command.Input);
                    var planned = WorkflowJson.Read<StepPlanned>(result);
                    if ((planned.Slots ?? []).Any(s => s is null || s.Recipients < 1) || planned.Skipped < 0)
                    {
                        return "every slot needs at least one recipient, and skipped must not be negative";
                    }

                    if ((planned.Slots ?? []).GroupBy(s => s.At).Any(g => g.Count() > 1))
                    {
                        return "each slot's instant appears once";
                    }

                    Remove(pending);
                    Planned(plan.Step, planned);
                    return null;
                case CampaignActivities.SendSlot:
                    var batch = WorkflowJson.Read<SendSlot>(command.Input);
                    var sent = WorkflowJson.Read<SlotSent>(result);
                    if ((sent.Variants ?? []).Any(v => v is null || v.Sent < 0 || v.Failed < 0 || v.Excluded < 0)
                        || (sent.Excluded ?? new Dictionary<string, long>()).Values.Any(v => v < 0))
                    {
                        return "counts must not be negative";
                    }

                    if ((sent.Variants ?? []).Sum(v => v.Sent + v.Failed + v.Excluded) > batch.Take)
                    {
                        return Invariant($"more recipients answered than the batch holds ({batch.Take})");
                    }

                    Remove(pending);
                    BatchSent(batch, sent);
                    return null;
                case CampaignActivities.Measure:
                    var measurement = WorkflowJson.Read<CampaignMeasurement>(result);
                    var problems = measurement.Problems();
                    if (problems.Count > 0)
                    {
                        return string.Join("; ", problems);
                    }

                    Remove(pending);
                    _state = _state with { Measurement = Merge(measurement), MeasuredAt = now };
                    if (command.Id == MeasureTestCommandId)
                    {
                        Decided(AbTestDecision.Decide(Definition.AbTest!, Definition.Variants.Select(v => v.Id).ToList(), Definition.DefaultVariantInEffect,
                            (measurement.Rows ?? []).Where(r => r.Step == CampaignSteps.Test)));
                    }
                    else
                    {
                        Finish(CampaignOutcome.Sent, "every step went out; final report made");
                    }

                    return null;
                default:
                    Remove(pending);
                    _notes.Add(Invariant($"{command.Id} done"));
                    return null;
            }
        }

        private static string? AudienceProblem(AudienceResolved audience)
        {
            if (audience.Included < 0 || (audience.Excluded ?? new Dictionary<string, long>()).Values.Any(v => v < 0) || (audience.Cells ?? []).Any(c => c is null || c.Recipients < 0))
            {
                return "counts must not be negative";
            }

            var cells = (audience.Cells ?? []).Sum(c => c.Recipients);
            return cells == audience.Included ? null : Invariant($"the cells hold {cells} recipients, not the {audience.Included} included");
        }

        private void Resolved(AudienceResolved audience)
        {
            _state = _state with { Audience = audience };
            var excluded = (audience.Excluded ?? new Dictionary<string, long>()).Values.Sum();
            _notes.Add(Invariant($"audience: {audience.Included} included, {excluded} excluded")
                + (excluded > 0 ? " (" + string.Join(", ", audience.Excluded!.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => Invariant($"{e.Key} {e.Value}"))) + ")" : string.Empty));
            if (audience.Included == 0)
            {
                Finish(CampaignOutcome.AudienceEmpty, "the audience is empty: nobody to send to");
                return;
            }

            if (Definition.AbTest is null)
            {
                _state = _state with { Phase = CampaignPhase.SendingRest, Winner = Definition.DefaultVariantInEffect };
                StartStep(CampaignSteps.Main);
            }
            else
            {
                _state = _state with { Phase = CampaignPhase.Testing };
                StartStep(CampaignSteps.Test);
            }
        }

        /// <summary>Starts a step: asks for its plan.</summary>
        private void StartStep(string step)
        {
            var cells = step switch
            {
                CampaignSteps.Test => Definition.Variants.Select(v => new StepCell(CampaignCells.TestCell(v.Id), v.Id)).ToList(),
                CampaignSteps.Main when Definition.AbTest is null => [new StepCell(CampaignCells.Everyone, _state.Winner!)],
                CampaignSteps.Main => [new StepCell(CampaignCells.Holdout, _state.Winner!)],
                _ => [],
            };
            var reminder = step == CampaignSteps.Reminder
                ? new ReminderSelection(_state.Steps.Select(s => s.Step).ToList(), Definition.Reminder!.To)
                : null;
            _state = _state with
            {
                Steps = [.. _state.Steps, new StepProgress(step, now)],
                StatusNote = $"planning step {step}",
            };
            Issue(WorkflowCommand.Of(PlanCommandId(step), CampaignActivities.PlanStep, new PlanStep(
                Input.CampaignId, step, now, cells, reminder,
                SendTimeSettings.Of(Definition))));
            _notes.Add($"step {step}: planning" + (cells.Count > 0 ? " (" + string.Join(", ", cells.Select(c => $"{c.Cell} gets {c.Variant}")) + ")" : string.Empty));
        }

        /// <summary>Takes a step's plan in: its slots, batches spaced by the throughput limit.</summary>
        private void Planned(string step, StepPlanned planned)
        {
            var interval = Definition.ThroughputPerMinute is { } perMinute ? TimeSpan.FromMinutes((double)Input.BatchSize / perMinute) : TimeSpan.Zero;
            var slots = new List<SlotProgress>();
            DateTimeOffset? free = null;
            foreach (var (slot, index) in (planned.Slots ?? []).OrderBy(s => s.At).Select((s, i) => (s, i)))
            {
                var batches = (int)((slot.Recipients + Input.BatchSize - 1) / Input.BatchSize);
                var from = free is { } f && f > slot.At ? f : slot.At;
                slots.Add(new SlotProgress(index + 1, slot.At, slot.Recipients, from, batches));
                free = from + (interval * batches);
            }

            UpdateStep(step, s => s with { Planned = true, Slots = slots, Skipped = planned.Skipped });
            var recipients = slots.Sum(s => s.Recipients);
            _notes.Add(slots.Count == 0
                ? $"step {step}: nobody to send to" + (planned.Skipped > 0 ? Invariant($" ({planned.Skipped} reacted already)") : string.Empty)
                : Invariant($"step {step}: {recipients} recipients in {slots.Count} slots from {slots[0].At:u} to {slots[^1].At:u}")
                    + (planned.Skipped > 0 ? Invariant($", {planned.Skipped} skipped as they reacted") : string.Empty));
            _state = _state with { StatusNote = $"sending step {step}" };
            StepMaybeFinished(step);
        }

        /// <summary>Issues every batch of the current step whose time has come.</summary>
        private void IssueDueBatches()
        {
            var step = _state.Steps.Count == 0 ? null : _state.Steps[^1];
            if (step is not { Planned: true, FinishedAt: null })
            {
                return;
            }

            var interval = Definition.ThroughputPerMinute is { } perMinute ? TimeSpan.FromMinutes((double)Input.BatchSize / perMinute) : TimeSpan.Zero;
            var issued = new List<string>();
            foreach (var slot in step.Slots ?? [])
            {
                var next = slot.Issued;
                while (next < slot.Batches && slot.SendFrom + (interval * next) <= now)
                {
                    var skip = (long)next * Input.BatchSize;
                    var take = (int)Math.Min(Input.BatchSize, slot.Recipients - skip);
                    var id = SendCommandId(step.Step, slot.Number, next + 1);
                    Issue(WorkflowCommand.Of(id, CampaignActivities.SendSlot, new SendSlot(
                        Input.CampaignId, step.Step, slot.Number, next + 1, slot.At, skip, take, Definition.Purpose, Definition.Sender,
                        StepVariants(step.Step), Definition.FrequencyCap, Definition.ThroughputPerMinute, Definition.ConversionInEffect.Event)));
                    issued.Add(id);
                    next++;
                }

                if (next != slot.Issued)
                {
                    UpdateSlot(step.Step, slot.Number, s => s with { Issued = next });
                }
            }

            if (issued.Count > 0)
            {
                _notes.Add(issued.Count <= 5 ? "sending " + string.Join(", ", issued) : Invariant($"sending {issued.Count} batches ({issued[0]} … {issued[^1]})"));
            }
        }

        /// <summary>The messages of a step's variants: the reminder's own subject (and template, when it has one).</summary>
        private List<SendVariant> StepVariants(string step) => step switch
        {
            CampaignSteps.Reminder => Definition.Variants.Select(v => new SendVariant(v.Id, Definition.Reminder!.TemplateId ?? v.TemplateId, Definition.Reminder.Subject)).ToList(),
            CampaignSteps.Main => [SendOf(Definition.Variant(_state.Winner!))],
            _ => Definition.Variants.Select(SendOf).ToList(),
        };

        /// <summary>The steps the definition makes, in order.</summary>
        private IEnumerable<string> PlannedSteps()
        {
            if (Definition.AbTest is not null)
            {
                yield return CampaignSteps.Test;
            }

            yield return CampaignSteps.Main;
            if (Definition.Reminder is not null)
            {
                yield return CampaignSteps.Reminder;
            }
        }

        private static SendVariant SendOf(CampaignVariant variant) => new(variant.Id, variant.TemplateId, variant.Subject);

        private void BatchSent(SendSlot batch, SlotSent sent)
        {
            UpdateStep(batch.Step, s =>
            {
                var counts = (s.Sent ?? []).ToDictionary(v => v.Variant, StringComparer.Ordinal);
                foreach (var v in sent.Variants ?? [])
                {
                    var before = counts.GetValueOrDefault(v.Variant) ?? new VariantSendCount(v.Variant, 0, 0, 0);
                    counts[v.Variant] = before with { Sent = before.Sent + v.Sent, Failed = before.Failed + v.Failed, Excluded = before.Excluded + v.Excluded };
                }

                var excluded = new Dictionary<string, long>(s.Excluded ?? new Dictionary<string, long>(), StringComparer.Ordinal);
                foreach (var (reason, count) in sent.Excluded ?? new Dictionary<string, long>())
                {
                    excluded[reason] = excluded.GetValueOrDefault(reason) + count;
                }

                var order = Definition.Variants.Select(v => v.Id).ToList();
                return s with
                {
                    Sent = counts.Values.OrderBy(v => order.IndexOf(v.Variant)).ThenBy(v => v.Variant, StringComparer.Ordinal).ToList(),
                    Excluded = excluded,
                };
            });
            UpdateSlot(batch.Step, batch.Slot, s => s with { Done = s.Done + 1 });
            var variants = sent.Variants ?? [];
            _notes.Add(Invariant($"{SendCommandId(batch.Step, batch.Slot, batch.Batch)}: {variants.Sum(v => v.Sent)} sent, {variants.Sum(v => v.Failed)} failed, {variants.Sum(v => v.Excluded)} excluded"));
            StepMaybeFinished(batch.Step);
        }

        /// <summary>Moves on when the step's every batch is answered: to the decision, the reminder or the report.</summary>
        private void StepMaybeFinished(string step)
        {
            var progress = _state.Step(step);
            if (progress is null || progress.FinishedAt is not null || !progress.AllBatchesDone || _state.IsOver)
            {
                return;
            }

            UpdateStep(step, s => s with { FinishedAt = now });
            _notes.Add($"step {step} finished");
            switch (step)
            {
                case CampaignSteps.Test:
                    var decideAt = now + TimeSpan.FromHours(Definition.AbTest!.DecideAfterHours);
                    _state = _state with { Phase = CampaignPhase.AwaitingDecision, PhaseDueAt = decideAt, StatusNote = Invariant($"the test is decided at {decideAt:u}") };
                    _notes.Add(Invariant($"the test is decided at {decideAt:u}"));
                    break;
                case CampaignSteps.Main:
                    AfterMain();
                    break;
                default:
                    AwaitReport();
                    break;
            }
        }

        /// <summary>After the main step (or instead of it, with an empty holdout): the reminder, else the report.</summary>
        private void AfterMain()
        {
            if (Definition.Reminder is { } reminder)
            {
                var remindAt = now + TimeSpan.FromDays(reminder.AfterDays);
                _state = _state with { Phase = CampaignPhase.AwaitingReminder, PhaseDueAt = remindAt, StatusNote = Invariant($"the reminder goes from {remindAt:u}") };
                _notes.Add(Invariant($"the reminder goes from {remindAt:u}"));
            }
            else
            {
                AwaitReport();
            }
        }

        private void AwaitReport()
        {
            var reportAt = now + TimeSpan.FromDays(Definition.ConversionInEffect.AttributionDays);
            _state = _state with { Phase = CampaignPhase.Reporting, PhaseDueAt = reportAt, StatusNote = Invariant($"the final report is made at {reportAt:u}, when the conversion window has passed") };
            _notes.Add(Invariant($"the final report is made at {reportAt:u}"));
        }

        /// <summary>The test is decided: the holdout gets the winner (or nothing is left to send when it is empty).</summary>
        private void Decided(AbTestResult result)
        {
            _state = _state with { AbTest = result, Winner = result.Winner, Phase = CampaignPhase.SendingRest };
            _notes.Add(result.Reason);
            var holdout = (_state.Audience?.Cells ?? []).Where(c => c.Cell == CampaignCells.Holdout).Sum(c => c.Recipients);
            if (holdout == 0)
            {
                _notes.Add("the holdout is empty: no main step");
                AfterMain();
                return;
            }

            StartStep(CampaignSteps.Main);
        }

        private void Finish(CampaignOutcome outcome, string note)
        {
            var phase = outcome == CampaignOutcome.Cancelled ? CampaignPhase.Cancelled : CampaignPhase.Completed;
            _state = _state with { Phase = phase, Outcome = outcome, EndedAt = now, StatusNote = note, PhaseDueAt = null };
            _notes.Add(note);
            // The final report goes out with the decision that ends the campaign; its answer is not awaited.
            _commands.Add(WorkflowCommand.Of(ReportCommandId, CampaignActivities.Report, CampaignReport.Of(_state)));
        }

        /// <summary>The next time something is due: a waiting phase's end, a retry, or the current step's next batch.</summary>
        private DateTimeOffset? NextWake()
        {
            var times = new List<DateTimeOffset>();
            if (_state.PhaseDueAt is { } due)
            {
                times.Add(due);
            }

            times.AddRange(_state.Pending.Where(p => p.RetryAt is not null).Select(p => p.RetryAt!.Value));
            if (_state.Phase is CampaignPhase.Testing or CampaignPhase.SendingRest or CampaignPhase.Reminding && _state.Steps.Count > 0
                && _state.Steps[^1] is { Planned: true, FinishedAt: null } step)
            {
                var interval = Definition.ThroughputPerMinute is { } perMinute ? TimeSpan.FromMinutes((double)Input.BatchSize / perMinute) : TimeSpan.Zero;
                times.AddRange((step.Slots ?? []).Where(s => s.Issued < s.Batches).Select(s => s.SendFrom + (interval * s.Issued)));
            }

            return times.Count == 0 ? null : times.Min();
        }

        private MeasureCampaign Measure(IReadOnlyList<string> steps) =>
            new(Input.CampaignId, steps, Definition.ConversionInEffect.Event, Definition.ConversionInEffect.AttributionDays, now);

        /// <summary>A new measurement replaces the rows of the steps it counts and keeps the others'.</summary>
        private CampaignMeasurement Merge(CampaignMeasurement measurement)
        {
            var rows = measurement.Rows ?? [];
            var steps = rows.Select(r => r.Step).ToHashSet(StringComparer.Ordinal);
            var kept = (_state.Measurement?.Rows ?? []).Where(r => !steps.Contains(r.Step));
            return new CampaignMeasurement([.. kept, .. rows]);
        }

        private void UpdateStep(string step, Func<StepProgress, StepProgress> change) =>
            _state = _state with { Steps = _state.Steps.Select(s => s.Step == step ? change(s) : s).ToList() };

        private void UpdateSlot(string step, int slot, Func<SlotProgress, SlotProgress> change) =>
            UpdateStep(step, s => s with { Slots = (s.Slots ?? []).Select(x => x.Number == slot ? change(x) : x).ToList() });

        private PendingCampaignCommand? Find(string commandId) => _state.Pending.FirstOrDefault(p => p.Command.Id == commandId);

        private void Issue(WorkflowCommand command)
        {
            _commands.Add(command);
            _state = _state with { Pending = [.. _state.Pending, new PendingCampaignCommand(command)] };
        }

        private void Replace(PendingCampaignCommand old, PendingCampaignCommand replacement) =>
            _state = _state with { Pending = _state.Pending.Select(p => ReferenceEquals(p, old) ? replacement : p).ToList() };

        private void Remove(PendingCampaignCommand pending) =>
            _state = _state with { Pending = _state.Pending.Where(p => !ReferenceEquals(p, pending)).ToList() };
    }
}
