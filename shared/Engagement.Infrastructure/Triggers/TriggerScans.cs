using System.Globalization;
using Azure.Data.Tables;
using Engagement.Core.Identity;
using Engagement.Core.Triggers;
using Engagement.Infrastructure.Models;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Scheduling;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;

namespace Engagement.Infrastructure.Triggers;

/// <summary>
/// The daily birthday scan (<c>Schedules:StartBirthdayTriggers</c>): reads every profile row once and, for each enabled
/// birthday trigger, signals a start for the people whose birthday (the trigger's trait) is today or tomorrow in the
/// trigger's time zone, due at its local hour that day. Looking a day ahead makes the e-mail go out at the right local
/// hour whatever time of day the scan runs and however far east or west the zone is; the run id is per person and year,
/// so seeing someone again the next day (or in a second scan) starts nothing twice.
/// </summary>
public sealed partial class BirthdayTriggerScan(
    EngagementStorage storage, TriggerCatalog catalog, TriggerSignalSender queue, Pseudonymizer pseudonymizer, TimeProvider clock, ILogger<BirthdayTriggerScan> logger) : IScheduledJob
{
    /// <inheritdoc />
    public string Name => nameof(Schedules.StartBirthdayTriggers);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken = default) => await ScanAsync(cancellationToken);

    /// <summary>Scans now; answers how many starts were signalled.</summary>
    public async Task<int> ScanAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var triggers = (await catalog.EnabledAsync(cancellationToken))
            .Where(t => t.Kind == TriggerKind.Birthday)
            .Select(t => (Trigger: t, Settings: t.Birthday ?? new BirthdaySettings()))
            .Select(t => (t.Trigger, t.Settings, Zone: BirthdayDates.TryFindZone(t.Settings.TimeZone, out var zone) ? zone : TimeZoneInfo.Utc))
            .ToList();
        if (triggers.Count == 0)
        {
            return 0;
        }

        var signals = new List<TriggerSignal>();
        var total = 0;
        await foreach (var row in storage.Profiles.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {ProfileStore.ProfileRow}"), cancellationToken: cancellationToken))
        {
            if (row.GetString("MergedInto") is not null || row.GetString("UserId") is not { Length: > 0 } userId || ProfileStore.DocumentOf(row) is not { } profile)
            {
                continue;
            }

            foreach (var (trigger, settings, zone) in triggers)
            {
                if (!profile.Traits.TryGetValue(settings.Trait, out var trait) || !BirthdayDates.TryRead(trait.Value, out var birthDay))
                {
                    continue;
                }

                var today = BirthdayDates.LocalDate(now, zone);
                foreach (var date in new[] { today, today.AddDays(1) })
                {
                    if (BirthdayDates.IsBirthdayOn(birthDay, date))
                    {
                        var subjectKey = pseudonymizer.KeyOf(IdentityRef.User(userId)).Value;
                        var eventId = "birthday-" + date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
                        signals.Add(new TriggerSignal(trigger.Id, TriggerSignalKind.Start, subjectKey, eventId, BirthdayDates.DueAt(date, settings.LocalHour, zone)));
                    }
                }
            }

            if (signals.Count >= TriggerSignalSender.PerMessage)
            {
                total += signals.Count;
                await queue.SendAsync(signals, cancellationToken);
                signals.Clear();
            }
        }

        total += signals.Count;
        await queue.SendAsync(signals, cancellationToken);
        LogScanned(logger, total);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Birthday scan signalled {Count} starts")]
    private static partial void LogScanned(ILogger logger, int count);
}

/// <summary>
/// Intent triggers after score publishing: the people a goal's champion scored at or above an intent trigger's
/// threshold get a start signal. The run id is per person and day and the signal handler keeps the trigger's cooldown
/// between runs, so hourly publishing writes to nobody twice.
/// </summary>
public sealed class IntentTriggerSignals(TriggerCatalog catalog, TriggerSignalSender queue, Pseudonymizer pseudonymizer) : IScoreObserver
{
    /// <inheritdoc />
    public async ValueTask<IReadOnlyCollection<string>> GoalsAsync(CancellationToken cancellationToken = default) =>
        (await catalog.EnabledAsync(cancellationToken)).Where(t => t.Kind == TriggerKind.Intent && t.Intent is not null).Select(t => t.Intent!.Goal).Distinct(StringComparer.Ordinal).ToList();

    /// <inheritdoc />
    public async Task ObserveAsync(string goal, IReadOnlyList<UserScore> scores, DateTimeOffset publishedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var triggers = (await catalog.EnabledAsync(cancellationToken)).Where(t => t.Kind == TriggerKind.Intent && t.Intent?.Goal == goal).ToList();
        var eventId = $"intent-{goal}-{publishedAt.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}";
        var signals = new List<TriggerSignal>();
        foreach (var trigger in triggers)
        {
            foreach (var score in scores.Where(s => s.Probability >= trigger.Intent!.Threshold))
            {
                signals.Add(new TriggerSignal(trigger.Id, TriggerSignalKind.Start, pseudonymizer.KeyOf(IdentityRef.User(score.UserId)).Value, eventId, publishedAt));
            }
        }

        await queue.SendAsync(signals, cancellationToken);
    }
}
