using Engagement.Core.Triggers;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Logging;

namespace Engagement.Infrastructure.Triggers;

/// <summary>What a signal did.</summary>
public enum TriggerSignalOutcome
{
    /// <summary>A run was started.</summary>
    Started,
    /// <summary>The waiting run's wait was moved (abandoned cart).</summary>
    Restarted,
    /// <summary>The awaited event was delivered to the waiting run.</summary>
    Answered,
    /// <summary>Nothing to do: no run to answer, one already waiting, a repeat, the cooldown, a disabled trigger.</summary>
    Ignored,
}

/// <summary>
/// Turns signals into runs, in either workflow runtime: a start signal starts a run under a deterministic id (so a
/// signal handled twice starts one run) and makes it the person's current run in <see cref="TriggerRunLog"/>, unless a
/// run of the trigger already waits for them (abandoned cart: its wait moves; other kinds: one at a time); an awaited
/// signal is raised to the waiting run. Outside events carry the signal's event id, so a redelivered event is taken in
/// once. An abandoned-cart start no newer than what the person's last run took in is a repeat, and one the awaited event already followed (an order stored before a late cart event) starts nothing; an intent start within
/// the cooldown of the last run is ignored; a run whose e-mail was due more than <see cref="TriggerRuns.StaleAfter"/> ago (old events imported) starts nothing; welcome runs once per person ever and only to a user id first seen within <see cref="WelcomeWindow"/> of the identify, birthday once per year.
/// </summary>
public sealed partial class TriggerSignalHandler(TriggerStore store, TriggerRunLog runs, Ingestion.EventStore events, TimeProvider clock, ILogger<TriggerSignalHandler> logger)
{
    /// <summary>
    /// A welcome is for a user id first seen at most this long before the identify: a sign-up sends its identify and
    /// first events moments apart, while a customer known for longer who identifies again (every login) is no newcomer.
    /// </summary>
    public static readonly TimeSpan WelcomeWindow = TimeSpan.FromHours(1);

    // A run made current this recently whose instance the runtime does not show yet is being started (Durable Functions
    // shows an instance once its orchestration first ran); the signal waits rather than start a second one.
    private static readonly TimeSpan StartingWindow = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StartingPoll = TimeSpan.FromMilliseconds(500);
    private const int StartingPolls = 10;

    /// <summary>Handles the signals of one message in order; throws on a passing fault (the message is tried again, which is harmless).</summary>
    public async Task<IReadOnlyList<TriggerSignalOutcome>> HandleAsync(IWorkflowRuntime runtime, IReadOnlyList<TriggerSignal> signals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(signals);
        var triggers = new Dictionary<string, TriggerDefinition?>(StringComparer.Ordinal);
        var outcomes = new List<TriggerSignalOutcome>();
        foreach (var signal in signals)
        {
            if (!triggers.TryGetValue(signal.TriggerId, out var trigger))
            {
                trigger = (await store.GetAsync(signal.TriggerId, cancellationToken))?.Definition;
                triggers[signal.TriggerId] = trigger;
            }

            outcomes.Add(trigger is { Enabled: true } ? await HandleAsync(runtime, trigger, signal, cancellationToken) : TriggerSignalOutcome.Ignored);
        }

        return outcomes;
    }

    private async Task<TriggerSignalOutcome> HandleAsync(IWorkflowRuntime runtime, TriggerDefinition trigger, TriggerSignal signal, CancellationToken cancellationToken)
    {
        var payload = WorkflowJson.Write(new TriggerEventPayload(signal.At));
        var waitedForStart = 0;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var current = await runs.CurrentAsync(trigger.Id, signal.SubjectKey, cancellationToken);
            var view = current is null ? null : await runtime.GetAsync(current.RunId, cancellationToken);
            if (current is not null && view is null && clock.GetUtcNow() - current.MadeAt < StartingWindow)
            {
                // Usually a moment: the orchestration shows itself once it first ran. Beyond that the message is tried again later.
                if (++waitedForStart > StartingPolls)
                {
                    throw new TriggerRunStartingException($"Run {current.RunId} is being started; the signal is tried again shortly.");
                }

                await Task.Delay(StartingPoll, cancellationToken);
                attempt--;
                continue;
            }

            var waiting = view?.Status == WorkflowStatus.Running ? current : null;
            if (signal.Kind == TriggerSignalKind.Awaited)
            {
                if (waiting is null)
                {
                    return TriggerSignalOutcome.Ignored;
                }

                var answered = await runtime.RaiseAsync(waiting.RunId, TriggeredEmail.AwaitedEvent, payload, signal.EventId, cancellationToken);
                return answered == SignalOutcome.Accepted ? TriggerSignalOutcome.Answered : TriggerSignalOutcome.Ignored;
            }

            if (waiting is not null)
            {
                if (trigger.Kind != TriggerKind.AbandonedCart)
                {
                    return TriggerSignalOutcome.Ignored;
                }

                var moved = await runtime.RaiseAsync(waiting.RunId, TriggeredEmail.RestartEvent, payload, signal.EventId, cancellationToken);
                await runs.NoteStartAsync(trigger.Id, signal.SubjectKey, signal.At, cancellationToken);
                return moved == SignalOutcome.Accepted ? TriggerSignalOutcome.Restarted : TriggerSignalOutcome.Ignored;
            }

            if (trigger.Kind == TriggerKind.AbandonedCart
                && await events.GetActivityAsync(signal.SubjectKey, cancellationToken) is { } activity && TriggerMatching.IsAnswered(trigger, activity.Recent, signal.At))
            {
                return TriggerSignalOutcome.Ignored;
            }

            if (trigger.Kind == TriggerKind.Welcome && current is null
                && await events.GetActivityAsync(signal.SubjectKey, cancellationToken) is { FirstSeen: { } firstSeen } && firstSeen < signal.At - WelcomeWindow)
            {
                return TriggerSignalOutcome.Ignored;
            }

            var input = TriggerRuns.Input(trigger, signal.SubjectKey, signal.EventId, signal.At);
            if (TriggerRuns.IsStale(input, clock.GetUtcNow()))
            {
                return TriggerSignalOutcome.Ignored;
            }

            var runId = TriggerRuns.InstanceId(trigger.Id, input.Step, signal.SubjectKey);
            // A run that ended (view is not null): the rules of the kind say whether another may start.
            if (current is not null && view is not null && !MayStartAnother(trigger, current, input, signal))
            {
                return TriggerSignalOutcome.Ignored;
            }

            if (current?.RunId != runId && !await runs.TryMakeCurrentAsync(input, runId, current, cancellationToken))
            {
                continue;
            }

            if (current?.RunId == runId)
            {
                // Made current before a crash that came before the start: record it and start it now.
                await runs.AddRunAsync(input, runId, cancellationToken);
            }

            var started = await runtime.StartAsync(TriggeredEmail.Type, WorkflowJson.Write(input), runId, cancellationToken);
            if (started.Errors.Count > 0)
            {
                LogNotStarted(logger, trigger.Id, string.Join("; ", started.Errors));
                return TriggerSignalOutcome.Ignored;
            }

            return started.Created ? TriggerSignalOutcome.Started : TriggerSignalOutcome.Ignored;
        }

        throw new InvalidOperationException($"The current run of trigger {trigger.Id} for a subject kept changing.");
    }

    private static bool MayStartAnother(TriggerDefinition trigger, CurrentRun last, TriggeredEmailInput input, TriggerSignal signal) => trigger.Kind switch
    {
        TriggerKind.AbandonedCart => signal.At > last.LatestStartAt,
        TriggerKind.Welcome => false,
        TriggerKind.Birthday => last.Step != input.Step,
        _ => signal.At - last.StartedAt >= TimeSpan.FromDays((trigger.Intent?.CooldownDays) ?? 30),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "A run of trigger {Trigger} could not start: {Errors}")]
    private static partial void LogNotStarted(ILogger logger, string trigger, string errors);
}

/// <summary>A run the signal concerns is being started by another signal right now; the signal is tried again later.</summary>
public sealed class TriggerRunStartingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TriggerRunStartingException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TriggerRunStartingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public TriggerRunStartingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
