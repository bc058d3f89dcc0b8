using System.Globalization;
using System.Text.Json;
using Engagement.Core.Workflows;

namespace Engagement.Core.ConsentDrives;

/// <summary>
/// The consent-collection drive as a decider. Every review (daily by default) it measures
/// (<see cref="ConsentDriveActivities.Measure"/>); on the answer it records a progress point and stops at the target or
/// the deadline; otherwise it opens the plan's first channel when due, allocates the next period's form displays by
/// Thompson sampling over the variants (<see cref="ConsentDriveActivities.AllocateForms"/>), escalates to the plan's next
/// channel when the share lags behind the plan curve by more than the tolerance (one channel per review, never before
/// its <see cref="DriveChannelPlan.NotBefore"/>), sends the next wave or list of each open outreach channel while
/// contacts remain unasked and waves remain, and once sends the reactivation wave for contacts of unknown provenance;
/// then it sleeps until the next review.
/// </summary>
/// <remarks>
/// Command ids name the work (<c>measure-3</c>, <c>allocate-forms-3</c>, <c>wave-email-2</c>, <c>list-call-centre-1</c>,
/// <c>reactivate</c>), so a replay or a retry never makes new work. A failed command runs again with the same id and
/// input at the next review, and after <see cref="ConsentDriveInput.MaxAttempts"/> failures the drive gives up on it
/// (a channel whose wave it gave up on sends no more). Outside events: <see cref="ConsentDriveEvents"/>; an invalid one is
/// ignored with a note. Deterministic: the only randomness is SplitMix64 seeded by the input and carried in the state.
/// </remarks>
public sealed class ConsentDrive : IDecider<ConsentDriveInput, ConsentDriveState>
{
    /// <summary>The workflow type's name.</summary>
    public const string Type = "consent-drive";

    /// <summary>Id of the reactivation command (there is only ever one).</summary>
    public const string ReactivateCommandId = "reactivate";

    /// <inheritdoc />
    public string WorkflowType => Type;

    /// <summary>Id of the measurement numbered <paramref name="number"/>.</summary>
    public static string MeasureCommandId(int number) => string.Create(CultureInfo.InvariantCulture, $"measure-{number}");

    /// <summary>Id of the form allocation numbered <paramref name="number"/>.</summary>
    public static string AllocationCommandId(int number) => string.Create(CultureInfo.InvariantCulture, $"allocate-forms-{number}");

    /// <summary>Id of wave (list) <paramref name="wave"/> of <paramref name="channel"/>: <c>wave-email-2</c>, <c>list-store-1</c>.</summary>
    public static string OutreachCommandId(DriveChannel channel, int wave) =>
        string.Create(CultureInfo.InvariantCulture, $"{OutreachPrefix(channel)}{wave}");

    /// <inheritdoc />
    public IReadOnlyList<string> Validate(ConsentDriveInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Problems();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The input is invalid (<see cref="Validate"/> says why).</exception>
    public Decision<ConsentDriveState> Start(ConsentDriveInput input, DateTimeOffset now)
    {
        var problems = Validate(input);
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid consent drive: " + string.Join("; ", problems), nameof(input));
        }

        var state = new ConsentDriveState
        {
            Input = input,
            Status = DriveStatus.Running,
            Deadline = input.Deadline,
            Target = input.TargetOptInShare,
            RandomState = VariantSampling.Seeded(input.Seed),
            NextReviewAt = input.StartsAt,
            Channels = input.Channels.Select(c => new ChannelProgress(c.Channel)).ToList(),
            Variants = (input.WebForms?.Variants ?? []).Select(v => new VariantProgress(v.Id, v.Placement)).ToList(),
        };
        var turn = new Turn(state, now);
        if (now < input.StartsAt)
        {
            return turn.Decide(Invariant($"drive '{input.Name}' waits for its start at {input.StartsAt:u}"));
        }

        turn.Review();
        return turn.Decide(Invariant($"drive '{input.Name}' started"));
    }

    /// <inheritdoc />
    public Decision<ConsentDriveState> Decide(ConsentDriveState state, WorkflowSignal signal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(signal);
        if (state.Status == DriveStatus.Completed)
        {
            return Decision.Complete(state, $"already finished; {signal.Describe()} ignored");
        }

        var turn = new Turn(state, now);
        switch (signal)
        {
            case WorkflowSignal.Woke:
                turn.Woke();
                break;
            case WorkflowSignal.CommandCompleted completed:
                turn.Completed(completed.CommandId, completed.Result);
                break;
            case WorkflowSignal.CommandFailed failed:
                turn.Failed(failed.CommandId, failed.Error);
                break;
            case WorkflowSignal.External external:
                turn.External(external.Name, external.Payload);
                break;
            case WorkflowSignal.Cancelled cancelled:
                turn.Finish(DriveOutcome.Cancelled, cancelled.Reason is null ? "cancelled" : $"cancelled: {cancelled.Reason}");
                break;
        }

        return turn.Decide(signal.Describe());
    }

    private static string OutreachPrefix(DriveChannel channel) =>
        (DriveChannels.SendsWaves(channel) ? "wave-" : "list-") + DriveChannels.Key(channel) + "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double share) => share.ToString("P1", CultureInfo.InvariantCulture);

    /// <summary>One decision in the making: the state as it changes, the commands issued and what was noted.</summary>
    private sealed class Turn(ConsentDriveState state, DateTimeOffset now)
    {
        private readonly List<WorkflowCommand> _commands = [];
        private readonly List<string> _notes = [];
        private ConsentDriveState _state = state;

        private ConsentDriveInput Input => _state.Input;

        /// <summary>The decision: finished, or going on with a wake-up at the next review (paused: at the deadline, to stop there).</summary>
        public Decision<ConsentDriveState> Decide(string lead)
        {
            var note = _notes.Count == 0 ? lead : lead + ": " + string.Join("; ", _notes);
            return _state.Status switch
            {
                DriveStatus.Completed => Decision.Complete(_state, note, [.. _commands]),
                DriveStatus.Paused => Decision.Continue(_state, note, _state.Deadline, [.. _commands]),
                _ => Decision.Continue(_state, note, _state.NextReviewAt, [.. _commands]),
            };
        }

        public void Woke()
        {
            if (_state.Status == DriveStatus.Paused)
            {
                if (now >= _state.Deadline)
                {
                    Finish(DriveOutcome.DeadlinePassed, Invariant($"deadline {_state.Deadline:u} passed while paused"));
                }
                else
                {
                    _notes.Add("paused; nothing to do");
                }

                return;
            }

            if (now < _state.NextReviewAt)
            {
                _notes.Add(Invariant($"the next review is due at {_state.NextReviewAt:u}; waiting"));
                return;
            }

            Review();
        }

        /// <summary>A review: schedules the next one, then measures (or runs the failed measurement again) and retries failed commands.</summary>
        public void Review()
        {
            _state = _state with { NextReviewAt = NextReview() };
            var id = MeasureCommandId(_state.MeasureNumber);
            var measuring = Find(id);
            if (measuring is { AwaitingRetry: false })
            {
                _notes.Add(Invariant($"measurement {_state.MeasureNumber} is still running"));
            }
            else if (measuring is null)
            {
                Issue(WorkflowCommand.Of(id, ConsentDriveActivities.Measure, new MeasureDrive(
                    _state.MeasureNumber,
                    Input.Purposes,
                    Input.AudienceInEffect,
                    Input.StartsAt,
                    Input.Channels.Select(c => c.Channel).ToList(),
                    _state.Variants.Select(v => v.Variant).ToList(),
                    Input.CapsInEffect)));
                _notes.Add(Invariant($"measuring ({id})"));
            }

            foreach (var failed in _state.Pending.Where(p => p.AwaitingRetry).ToList())
            {
                Replace(failed, failed with { AwaitingRetry = false });
                _commands.Add(failed.Command);
                _notes.Add(Invariant($"running {failed.Command.Id} again (attempt {failed.Failures + 1} of {Input.MaxAttempts})"));
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

            string? unreadable;
            try
            {
                unreadable = Apply(pending, result);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
            {
                unreadable = e.Message;
            }

            if (unreadable is not null)
            {
                Failed(commandId, $"unusable answer: {unreadable}");
            }
        }

        /// <summary>Takes a command's answer in; returns why it cannot be used, or null.</summary>
        private string? Apply(PendingCommand pending, JsonElement result)
        {
            var command = pending.Command;
            switch (command.Activity)
            {
                case ConsentDriveActivities.Measure:
                    var measurement = WorkflowJson.Read<DriveMeasurement>(result);
                    var problems = measurement.Problems();
                    if (problems.Count > 0)
                    {
                        return string.Join("; ", problems);
                    }

                    Remove(pending);
                    Measured(measurement);
                    return null;
                case ConsentDriveActivities.SendWave or ConsentDriveActivities.CallList:
                    var batch = WorkflowJson.Read<OutreachBatch>(command.Input);
                    var outcome = WorkflowJson.Read<OutreachBatchResult>(result);
                    if (outcome.Contacted < 0 || outcome.Skipped < 0 || outcome.NotYetAsked < 0)
                    {
                        return "counts must not be negative";
                    }

                    Remove(pending);
                    UpdateChannel(batch.Channel, c => c with { Contacted = c.Contacted + outcome.Contacted, Cursor = outcome.NextCursor, NotYetAsked = outcome.NotYetAsked });
                    _notes.Add(Invariant($"{command.Id}: {outcome.Contacted} asked, {outcome.Skipped} skipped, {outcome.NotYetAsked} not yet asked"));
                    return null;
                case ConsentDriveActivities.Reactivate:
                    var reactivated = WorkflowJson.Read<ReactivationResult>(result);
                    Remove(pending);
                    _state = _state with { Reactivation = _state.Reactivation with { Status = ReactivationStatus.Done, Result = reactivated } };
                    _notes.Add(Invariant($"reactivation sent: {reactivated.ByEmail} by e-mail, {reactivated.BySms} by SMS, {reactivated.Unreachable} unreachable"));
                    return null;
                default:
                    Remove(pending);
                    _notes.Add(Invariant($"{command.Id} done"));
                    return null;
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
                Replace(pending, pending with { Failures = failures, AwaitingRetry = true, LastError = error });
                _notes.Add(Invariant($"{commandId} failed (attempt {failures} of {Input.MaxAttempts}): {error}; it runs again at the next review"));
                return;
            }

            Remove(pending);
            _state = _state with { GivenUp = [.. _state.GivenUp, new GivenUpCommand(commandId, now, failures, error)] };
            _notes.Add(Invariant($"gave up on {commandId} after {failures} attempts: {error}"));
            switch (pending.Command.Activity)
            {
                case ConsentDriveActivities.Measure:
                    // The next review measures afresh under a new id; past the deadline there is no next review to wait for.
                    _state = _state with { MeasureNumber = _state.MeasureNumber + 1 };
                    if (now >= _state.Deadline)
                    {
                        Finish(DriveOutcome.DeadlinePassed, Invariant($"deadline {_state.Deadline:u} passed; the last measurement failed"));
                    }

                    break;
                case ConsentDriveActivities.SendWave or ConsentDriveActivities.CallList:
                    var channel = WorkflowJson.Read<OutreachBatch>(pending.Command.Input).Channel;
                    UpdateChannel(channel, c => c with { GaveUp = true });
                    _notes.Add(Invariant($"{DriveChannels.Key(channel)} sends no more"));
                    break;
                case ConsentDriveActivities.Reactivate:
                    _state = _state with { Reactivation = _state.Reactivation with { Status = ReactivationStatus.GaveUp } };
                    break;
            }
        }

        public void External(string name, JsonElement payload)
        {
            switch (name)
            {
                case ConsentDriveEvents.Pause:
                    if (_state.Status == DriveStatus.Paused)
                    {
                        _notes.Add("already paused; ignored");
                        return;
                    }

                    var reason = TryRead<PauseDrive>(payload, optional: true, out var pause, out var pauseError) ? pause?.Reason : null;
                    _state = _state with { Status = DriveStatus.Paused, PausedBecause = reason };
                    StopForms();
                    _notes.Add(reason is null ? "paused" : $"paused: {reason}");
                    if (pauseError is not null)
                    {
                        _notes.Add($"its payload was not understood ({pauseError})");
                    }

                    return;
                case ConsentDriveEvents.Resume:
                    if (_state.Status != DriveStatus.Paused)
                    {
                        _notes.Add("not paused; ignored");
                        return;
                    }

                    _state = _state with { Status = DriveStatus.Running, PausedBecause = null };
                    _notes.Add("resumed; reviewing now");
                    Review();
                    return;
                case ConsentDriveEvents.Extend:
                    if (!TryRead<ExtendDeadline>(payload, optional: false, out var extend, out var extendError))
                    {
                        _notes.Add($"extend ignored: {extendError}");
                    }
                    else if (extend!.Deadline <= _state.Deadline || extend.Deadline <= now)
                    {
                        _notes.Add(Invariant($"extend ignored: the new deadline {extend.Deadline:u} must be later than the current one ({_state.Deadline:u}) and than now"));
                    }
                    else
                    {
                        _notes.Add(Invariant($"deadline moved from {_state.Deadline:u} to {extend.Deadline:u}"));
                        _state = _state with { Deadline = extend.Deadline };
                    }

                    return;
                case ConsentDriveEvents.Target:
                    if (!TryRead<ChangeTarget>(payload, optional: false, out var target, out var targetError))
                    {
                        _notes.Add($"target ignored: {targetError}");
                    }
                    else if (!(target!.TargetOptInShare > 0 && target.TargetOptInShare <= 1))
                    {
                        _notes.Add(Invariant($"target ignored: targetOptInShare must be above 0 and at most 1, not {target.TargetOptInShare}"));
                    }
                    else
                    {
                        _notes.Add(Invariant($"target moved from {Percent(_state.Target)} to {Percent(target.TargetOptInShare)}; the next review checks it"));
                        _state = _state with { Target = target.TargetOptInShare };
                    }

                    return;
                default:
                    _notes.Add($"unknown event '{name}' ignored (known: pause, resume, extend, target)");
                    return;
            }
        }

        /// <summary>Finishes the drive: forms stop being shown; commands still running are not waited for.</summary>
        public void Finish(DriveOutcome outcome, string note)
        {
            var running = _state.Pending.Where(p => !p.AwaitingRetry).Select(p => p.Command.Id).ToList();
            StopForms();
            _state = _state with { Status = DriveStatus.Completed, Outcome = outcome, EndedAt = now, EndNote = note, PausedBecause = null };
            _notes.Add(note);
            if (running.Count > 0)
            {
                _notes.Add($"not waiting for {string.Join(", ", running)}");
            }
        }

        private void Measured(DriveMeasurement m)
        {
            var share = m.AudienceSize == 0 ? 0 : (double)m.OptedIn / m.AudienceSize;
            _state = _state with { BaselineShare = _state.BaselineShare ?? share };
            var planned = _state.PlannedAt(now);
            var channels = (m.Channels ?? []).GroupBy(c => c.Channel).ToDictionary(g => g.Key, g => g.Last());
            var variants = (m.Variants ?? []).GroupBy(v => v.Variant, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
            _state = _state with
            {
                MeasureNumber = _state.MeasureNumber + 1,
                Progress = [.. _state.Progress, new ProgressPoint(now, m.AudienceSize, m.OptedIn, share, planned)],
                Channels = _state.Channels.Select(c => channels.TryGetValue(c.Channel, out var measured)
                    ? c with { Asked = measured.Asked, Conversions = measured.Conversions, NotYetAsked = measured.NotYetAsked }
                    : c with { NotYetAsked = 0 }).ToList(),
                Variants = _state.Variants.Select(v => variants.TryGetValue(v.Variant, out var measured)
                    ? v with { Displays = measured.Displays, Conversions = measured.Conversions }
                    : v).ToList(),
                Segments = m.Segments ?? [],
                UnknownProvenance = m.UnknownProvenance,
            };
            _notes.Add(Invariant($"opt-in share {Percent(share)} ({m.OptedIn} of {m.AudienceSize}), plan {Percent(planned)}"));

            if (m.AudienceSize == 0)
            {
                Finish(DriveOutcome.AudienceEmpty, "the audience is empty: nobody to ask");
            }
            else if (share >= _state.Target)
            {
                Finish(DriveOutcome.TargetReached, Invariant($"target reached: {Percent(share)} ≥ {Percent(_state.Target)}"));
            }
            else if (now >= _state.Deadline)
            {
                Finish(DriveOutcome.DeadlinePassed, Invariant($"deadline {_state.Deadline:u} passed at {Percent(share)} of a {Percent(_state.Target)} target"));
            }
            else if (_state.Status == DriveStatus.Paused)
            {
                _notes.Add("paused: nothing sent");
            }
            else
            {
                OpenFirstChannel();
                AllocateForms(m.FormEligible);
                Escalate(share, planned);
                Reach();
                Reactivate(m.UnknownProvenance);
            }
        }

        private void OpenFirstChannel()
        {
            var first = Input.Channels[0];
            if (_state.Channels[0].OpenedAt is null && (first.NotBefore is not { } notBefore || notBefore <= now))
            {
                UpdateChannel(first.Channel, c => c with { OpenedAt = now, OpenedBecause = "first channel of the plan" });
                _notes.Add($"{DriveChannels.Key(first.Channel)} opened (first channel of the plan)");
            }
        }

        /// <summary>The next period's form displays: Thompson sampling gives each variant its share; the caps give the total.</summary>
        private void AllocateForms(long formEligible)
        {
            var web = Input.WebForms;
            if (web is null || Channel(DriveChannel.WebForm).OpenedAt is null)
            {
                return;
            }

            var random = _state.RandomState;
            var shares = VariantSampling.Shares(_state.Variants.Select(v => (v.Displays, v.Conversions)).ToList(), ref random);
            var caps = Input.CapsInEffect;
            // A "day" of the per-day cap is a review period when reviews come more often than daily (compressed demos).
            var days = Math.Max(1, (long)Math.Ceiling(Input.Cadence.TotalDays));
            var budget = formEligible * caps.PerDay * days;
            if (web.BatchSize > 0)
            {
                budget = Math.Min(budget, web.BatchSize);
            }

            var quotas = VariantSampling.Apportion(budget, shares);
            var variants = _state.Variants.Select((v, i) => v with { Share = shares[i], Quota = quotas[i] }).ToList();
            var number = _state.AllocationNumber + 1;
            _state = _state with { RandomState = random, AllocationNumber = number, Variants = variants };
            Issue(WorkflowCommand.Of(AllocationCommandId(number), ConsentDriveActivities.AllocateForms, new FormAllocation(
                number, now, _state.NextReviewAt, Input.Purposes, caps,
                variants.Select(v => new VariantQuota(v.Variant, v.Placement, v.Share, v.Quota)).ToList(), Input.AudienceInEffect, Input.StartsAt)));
            _notes.Add("forms: " + string.Join(", ", variants.Select(v => Invariant($"{v.Variant} {Percent(v.Share)} ({v.Quota})"))));
        }

        /// <summary>Shows no more forms (paused or finished), unless none are allocated now.</summary>
        private void StopForms()
        {
            if (_state.AllocationNumber == 0 || _state.Variants.All(v => v.Quota == 0))
            {
                return;
            }

            // The variants keep their last share (what the drive learnt); only their displays go to zero.
            var number = _state.AllocationNumber + 1;
            var variants = _state.Variants.Select(v => v with { Quota = 0 }).ToList();
            _state = _state with { AllocationNumber = number, Variants = variants };
            Issue(WorkflowCommand.Of(AllocationCommandId(number), ConsentDriveActivities.AllocateForms, new FormAllocation(
                number, now, now, Input.Purposes, Input.CapsInEffect,
                variants.Select(v => new VariantQuota(v.Variant, v.Placement, 0, 0)).ToList(), Input.AudienceInEffect, Input.StartsAt)));
            _notes.Add("forms stopped");
        }

        /// <summary>Opens the plan's next channel when the share lags behind the plan by more than the tolerance.</summary>
        private void Escalate(double share, double planned)
        {
            var lag = planned - share;
            if (lag <= Input.LagTolerance)
            {
                return;
            }

            var behind = Invariant($"share {Percent(share)} is behind the plan's {Percent(planned)} by more than {Percent(Input.LagTolerance)}");
            var index = _state.Channels.ToList().FindIndex(c => c.OpenedAt is null);
            if (index < 0)
            {
                _notes.Add($"{behind}; every channel of the plan is open");
                return;
            }

            var next = Input.Channels[index];
            var key = DriveChannels.Key(next.Channel);
            if (next.NotBefore is { } notBefore && notBefore > now)
            {
                _notes.Add(Invariant($"{behind}; {key}, next in the plan, may not open before {notBefore:u}"));
                return;
            }

            UpdateChannel(next.Channel, c => c with { OpenedAt = now, OpenedBecause = behind });
            _state = _state with { Escalations = [.. _state.Escalations, new DriveEscalation(now, next.Channel, share, planned, behind)] };
            _notes.Add($"escalated to {key}: {behind}");
        }

        /// <summary>The next wave (list) of each open outreach channel, while it has waves left and contacts not yet asked.</summary>
        private void Reach()
        {
            for (var i = 0; i < Input.Channels.Count; i++)
            {
                var plan = Input.Channels[i];
                var progress = _state.Channels[i];
                var key = DriveChannels.Key(plan.Channel);
                if (!plan.IsOutreach || progress.OpenedAt is null || progress.GaveUp
                    || _state.Pending.Any(p => p.Command.Id.StartsWith(OutreachPrefix(plan.Channel), StringComparison.Ordinal)))
                {
                    continue;
                }

                if (progress.Waves >= plan.MaxWaves)
                {
                    continue;
                }

                if (progress.NotYetAsked == 0)
                {
                    _notes.Add($"{key}: nobody left to ask");
                    continue;
                }

                var wave = progress.Waves + 1;
                var activity = DriveChannels.SendsWaves(plan.Channel) ? ConsentDriveActivities.SendWave : ConsentDriveActivities.CallList;
                Issue(WorkflowCommand.Of(OutreachCommandId(plan.Channel, wave), activity, new OutreachBatch(
                    plan.Channel, wave, plan.BatchSize, progress.Cursor, Input.Purposes, Input.AudienceInEffect, Input.StartsAt)));
                UpdateChannel(plan.Channel, c => c with { Waves = wave });
                _notes.Add(Invariant($"{key}: {(DriveChannels.SendsWaves(plan.Channel) ? "wave" : "list")} {wave} of {plan.MaxWaves}, up to {plan.BatchSize}"));
            }
        }

        private void Reactivate(long unknownProvenance)
        {
            if (!Input.ReactivateUnknownProvenance || _state.Reactivation.Status != ReactivationStatus.NotStarted || unknownProvenance == 0)
            {
                return;
            }

            Issue(WorkflowCommand.Of(ReactivateCommandId, ConsentDriveActivities.Reactivate, new Reactivation(
                Input.Purposes, Input.AudienceInEffect, Input.StartsAt, [DriveChannel.Email, DriveChannel.Sms], unknownProvenance)));
            _state = _state with { Reactivation = new ReactivationProgress(ReactivationStatus.Running, unknownProvenance) };
            _notes.Add(Invariant($"reactivation wave for {unknownProvenance} contacts of unknown provenance"));
        }

        /// <summary>The next review after now on the drive's cadence, and no later than the deadline (while it is ahead).</summary>
        private DateTimeOffset NextReview()
        {
            var cadence = Input.Cadence;
            var next = _state.NextReviewAt;
            if (next <= now)
            {
                next += TimeSpan.FromTicks(cadence.Ticks * (((now - next).Ticks / cadence.Ticks) + 1));
            }

            return _state.Deadline > now && next > _state.Deadline ? _state.Deadline : next;
        }

        private static bool TryRead<T>(JsonElement payload, bool optional, out T? value, out string? error)
            where T : class
        {
            value = null;
            error = null;
            if (payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                if (!optional)
                {
                    error = "the event needs a payload";
                }

                return optional;
            }

            try
            {
                value = WorkflowJson.Read<T>(payload);
                return true;
            }
            catch (JsonException e)
            {
                error = e.Message;
                return false;
            }
        }

        private ChannelProgress Channel(DriveChannel channel) => _state.Channels.First(c => c.Channel == channel);

        private void UpdateChannel(DriveChannel channel, Func<ChannelProgress, ChannelProgress> change) =>
            _state = _state with { Channels = _state.Channels.Select(c => c.Channel == channel ? change(c) : c).ToList() };

        private PendingCommand? Find(string commandId) => _state.Pending.FirstOrDefault(p => p.Command.Id == commandId);

        private void Issue(WorkflowCommand command)
        {
            _commands.Add(command);
            _state = _state with { Pending = [.. _state.Pending, new PendingCommand(command)] };
        }

        private void Replace(PendingCommand old, PendingCommand replacement) =>
            _state = _state with { Pending = _state.Pending.Select(p => ReferenceEquals(p, old) ? replacement : p).ToList() };

        private void Remove(PendingCommand pending) =>
            _state = _state with { Pending = _state.Pending.Where(p => !ReferenceEquals(p, pending)).ToList() };
    }
}
