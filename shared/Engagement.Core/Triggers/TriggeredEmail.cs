using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Engagement.Core.Workflows;

namespace Engagement.Core.Triggers;

/// <summary>What starts a run of a triggered e-mail for one person.</summary>
/// <param name="TriggerId">The trigger.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="SubjectKey">The person's pseudonymous subject key.</param>
/// <param name="Step">The run's step: names its send in the send ledger and the Message-ID.</param>
/// <param name="StartedBy">When the event that started it happened.</param>
/// <param name="DueAt">When the e-mail goes out unless the awaited event comes first.</param>
/// <param name="RestartWait">Abandoned cart: how far a later start event moves the wait (from that event's time); null: start events do not move it.</param>
public sealed record TriggeredEmailInput(string TriggerId, TriggerKind Kind, string SubjectKey, string Step, DateTimeOffset StartedBy, DateTimeOffset DueAt, TimeSpan? RestartWait = null);

/// <summary>Where a run stands.</summary>
public enum TriggerRunPhase
{
    /// <summary>Waiting until the e-mail is due.</summary>
    Waiting,
    /// <summary>The send command is out.</summary>
    Sending,
    /// <summary>Done: sent, excluded, failed or cancelled.</summary>
    Finished,
}

/// <summary>How a run ended.</summary>
public enum TriggerRunOutcome
{
    /// <summary>The relay took the e-mail.</summary>
    Sent,
    /// <summary>Left out at the moment of sending (no consent, suppressed, no address, trigger disabled, …).</summary>
    Excluded,
    /// <summary>Refused for good, or the send failed every attempt.</summary>
    Failed,
    /// <summary>The awaited event came first, or someone cancelled the run.</summary>
    Cancelled,
}

/// <summary>A run's memory.</summary>
/// <param name="Input">What started it.</param>
/// <param name="Phase">Where it stands.</param>
/// <param name="DueAt">When the e-mail is due now (moved by later start events).</param>
/// <param name="LatestStart">The time of the latest start event taken in.</param>
/// <param name="Restarts">How many later start events moved the wait.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Reason">Why it was excluded, failed or cancelled.</param>
public sealed record TriggeredEmailState(
    TriggeredEmailInput Input,
    TriggerRunPhase Phase,
    DateTimeOffset DueAt,
    DateTimeOffset LatestStart,
    int Restarts = 0,
    TriggerRunOutcome? Outcome = null,
    string? Reason = null);

/// <summary>The send command's input: one recipient, a batch of one.</summary>
/// <param name="TriggerId">The trigger (the campaign id of the send).</param>
/// <param name="SubjectKey">The recipient.</param>
/// <param name="Step">The run's step.</param>
public sealed record TriggerSendInput(string TriggerId, string SubjectKey, string Step);

/// <summary>What the send activity answers.</summary>
/// <param name="Outcome">Sent, excluded or failed.</param>
/// <param name="Reason">Why it was excluded or failed.</param>
public sealed record TriggerSendResult(TriggerRunOutcome Outcome, string? Reason = null);

/// <summary>The record command's input: how a run ended, for the trigger's counts.</summary>
/// <param name="TriggerId">The trigger.</param>
/// <param name="SubjectKey">The person.</param>
/// <param name="Step">The run's step.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Reason">Why, when not sent.</param>
public sealed record TriggerRunRecord(string TriggerId, string SubjectKey, string Step, TriggerRunOutcome Outcome, string? Reason);

/// <summary>The payload of the outside events a run takes: when the event happened.</summary>
/// <param name="At">The event's time.</param>
public sealed record TriggerEventPayload(DateTimeOffset At);

/// <summary>
/// One person's run of a triggered e-mail: wait until due → one send → done. The awaited event while waiting cancels
/// it (nothing is sent); another start event while waiting moves the wait (there is one run per person and trigger at a
/// time); an event older than what the run already took in changes nothing, so redelivered and late events are harmless.
/// Once the send is out, events change nothing: the outcome is the send's. Every end issues one record command, so the
/// trigger's counts learn how it went.
/// </summary>
public sealed class TriggeredEmail : IDecider<TriggeredEmailInput, TriggeredEmailState>
{
    /// <summary>The workflow type.</summary>
    public const string Type = "triggered-email";

    /// <summary>The activity that sends the e-mail.</summary>
    public const string SendActivity = "trigger-send";

    /// <summary>The activity that records how a run ended.</summary>
    public const string RecordActivity = "trigger-record";

    /// <summary>The outside event of a later start event (payload <see cref="TriggerEventPayload"/>).</summary>
    public const string RestartEvent = "restart";

    /// <summary>The outside event of the awaited event (payload <see cref="TriggerEventPayload"/>).</summary>
    public const string AwaitedEvent = "awaited";

    /// <summary>The send command's id (one send per run).</summary>
    public const string SendCommandId = "send";

    /// <summary>The record command's id.</summary>
    public const string RecordCommandId = "record";

    /// <inheritdoc />
    public string WorkflowType => Type;

    /// <inheritdoc />
    public IReadOnlyList<string> Validate(TriggeredEmailInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<string>();
        if (!TriggerDefinition.IsValidId(input.TriggerId))
        {
            errors.Add($"triggerId: \"{input.TriggerId}\" is not a trigger id");
        }

        if (!IsKeyPart(input.SubjectKey) || !IsKeyPart(input.Step))
        {
            errors.Add("subjectKey and step: letters, digits, '-' and '_' only");
        }

        if (input.RestartWait is { } wait && wait <= TimeSpan.Zero)
        {
            errors.Add("restartWait: must be positive");
        }

        return errors;
    }

    /// <inheritdoc />
    public Decision<TriggeredEmailState> Start(TriggeredEmailInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        var state = new TriggeredEmailState(input, TriggerRunPhase.Waiting, input.DueAt, input.StartedBy);
        return Decision.Continue(state, $"waiting until {input.DueAt:yyyy-MM-dd HH:mm:ss}Z", input.DueAt);
    }

    /// <inheritdoc />
    public Decision<TriggeredEmailState> Decide(TriggeredEmailState state, WorkflowSignal signal, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(signal);
        if (state.Phase == TriggerRunPhase.Finished)
        {
            return Decision.Complete(state, "already finished");
        }

        return signal switch
        {
            WorkflowSignal.Woke when state.Phase == TriggerRunPhase.Waiting && now >= state.DueAt => Send(state),
            WorkflowSignal.Woke => Keep(state, "not due yet"),
            WorkflowSignal.External { Name: AwaitedEvent } e => Awaited(state, e.Payload),
            WorkflowSignal.External { Name: RestartEvent } e => Restart(state, e.Payload),
            WorkflowSignal.External e => Keep(state, $"event {e.Name} means nothing to a triggered e-mail"),
            WorkflowSignal.CommandCompleted { CommandId: SendCommandId } c => Sent(state, c.Result),
            WorkflowSignal.CommandFailed { CommandId: SendCommandId } f => Finish(state, TriggerRunOutcome.Failed, f.Error),
            WorkflowSignal.Cancelled c => Finish(state, TriggerRunOutcome.Cancelled, c.Reason ?? "cancelled"),
            _ => Keep(state, "nothing to do"),
        };
    }

    private static Decision<TriggeredEmailState> Send(TriggeredEmailState state)
    {
        var input = state.Input;
        var send = WorkflowCommand.Of(SendCommandId, SendActivity, new TriggerSendInput(input.TriggerId, input.SubjectKey, input.Step));
        return Decision.Continue(state with { Phase = TriggerRunPhase.Sending }, "due: sending", null, send);
    }

    private static Decision<TriggeredEmailState> Awaited(TriggeredEmailState state, JsonElement payload)
    {
        if (state.Phase != TriggerRunPhase.Waiting)
        {
            return Keep(state, "the awaited event came after the e-mail went out");
        }

        if (!TryRead(payload, out var at))
        {
            return Keep(state, "an awaited event without a time is ignored");
        }

        // An order placed before the cart that started this run does not answer it.
        return at < state.Input.StartedBy
            ? Keep(state, $"the awaited event of {at:yyyy-MM-dd HH:mm:ss}Z is older than the run")
            : Finish(state, TriggerRunOutcome.Cancelled, "awaited event arrived");
    }

    private static Decision<TriggeredEmailState> Restart(TriggeredEmailState state, JsonElement payload)
    {
        if (state.Phase != TriggerRunPhase.Waiting || state.Input.RestartWait is not { } wait)
        {
            return Keep(state, "a start event while sending changes nothing");
        }

        if (!TryRead(payload, out var at) || at <= state.LatestStart)
        {
            return Keep(state, "a start event no newer than the latest changes nothing");
        }

        var due = at + wait;
        var next = state with { DueAt = due, LatestStart = at, Restarts = state.Restarts + 1 };
        return Decision.Continue(next, $"wait moved to {due:yyyy-MM-dd HH:mm:ss}Z", due);
    }

    private static Decision<TriggeredEmailState> Sent(TriggeredEmailState state, JsonElement result)
    {
        TriggerSendResult? outcome;
        try
        {
            outcome = WorkflowJson.Read<TriggerSendResult>(result);
        }
        catch (JsonException ex)
        {
            return Finish(state, TriggerRunOutcome.Failed, "unreadable send result: " + ex.Message);
        }

        return Finish(state, outcome.Outcome, outcome.Reason);
    }

    private static Decision<TriggeredEmailState> Finish(TriggeredEmailState state, TriggerRunOutcome outcome, string? reason)
    {
        var input = state.Input;
        var next = state with { Phase = TriggerRunPhase.Finished, Outcome = outcome, Reason = reason };
        var record = WorkflowCommand.Of(RecordCommandId, RecordActivity, new TriggerRunRecord(input.TriggerId, input.SubjectKey, input.Step, outcome, reason));
        var note = reason is null ? outcome.ToString().ToLowerInvariant() : $"{outcome.ToString().ToLowerInvariant()}: {reason}";
        return Decision.Complete(next, note, record);
    }

    // Goes on as it was: the same wake-up while waiting, none while sending.
    private static Decision<TriggeredEmailState> Keep(TriggeredEmailState state, string note) =>
        Decision.Continue(state, note, state.Phase == TriggerRunPhase.Waiting ? state.DueAt : null);

    private static bool TryRead(JsonElement payload, out DateTimeOffset at)
    {
        at = default;
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        try
        {
            at = WorkflowJson.Read<TriggerEventPayload>(payload).At;
            return at != default;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsKeyPart(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 100 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

/// <summary>
/// How a run is named and timed, the same wherever it is started: the run id is deterministic, so a signal handled
/// twice (a redelivery, two workers) starts one run. Abandoned cart: one run per start event that found no waiting run;
/// welcome: one run per user, ever; birthday: one per user and year; intent: one per user and day (the cooldown keeps
/// them further apart).
/// </summary>
public static class TriggerRuns
{
    /// <summary>The run's workflow instance id.</summary>
    public static string InstanceId(string triggerId, string step, string subjectKey) => $"trg-{triggerId}-{step}-{subjectKey}";

    /// <summary>The step of a run started by an event at <paramref name="at"/> with id <paramref name="eventId"/>.</summary>
    public static string Step(TriggerDefinition trigger, string eventId, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return trigger.Kind switch
        {
            TriggerKind.AbandonedCart => "c" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)))[..12],
            TriggerKind.Welcome => "welcome",
            TriggerKind.Birthday => "b" + BirthdayYear(trigger, at).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "i" + at.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    /// <summary>When the e-mail of a run started at <paramref name="at"/> is due (birthday and intent signals carry the due time itself).</summary>
    public static DateTimeOffset DueAt(TriggerDefinition trigger, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return trigger.Kind switch
        {
            TriggerKind.AbandonedCart => at + (trigger.AbandonedCart ?? new AbandonedCartSettings()).Wait,
            TriggerKind.Welcome => at + TimeSpan.FromMinutes((trigger.Welcome ?? new WelcomeSettings()).DelayMinutes),
            _ => at,
        };
    }

    /// <summary>The input of a run of <paramref name="trigger"/> for a subject, started by an event.</summary>
    public static TriggeredEmailInput Input(TriggerDefinition trigger, string subjectKey, string eventId, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var wait = trigger.Kind == TriggerKind.AbandonedCart ? (trigger.AbandonedCart ?? new AbandonedCartSettings()).Wait : (TimeSpan?)null;
        return new TriggeredEmailInput(trigger.Id, trigger.Kind, subjectKey, Step(trigger, eventId, at), at, DueAt(trigger, at), wait);
    }

    /// <summary>
    /// How long after its due time a run may still start: a start signal whose e-mail was due longer ago than this (a
    /// backfill of old events, a replayed dead letter) would only send something stale, so it starts nothing.
    /// </summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromDays(1);

    /// <summary>Whether a run of <paramref name="input"/> would be stale at <paramref name="now"/>.</summary>
    public static bool IsStale(TriggeredEmailInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        return now - input.DueAt > StaleAfter;
    }

    private static int BirthdayYear(TriggerDefinition trigger, DateTimeOffset at) =>
        BirthdayDates.TryFindZone(trigger.Birthday?.TimeZone, out var zone) ? BirthdayDates.LocalDate(at, zone).Year : at.UtcDateTime.Year;
}
