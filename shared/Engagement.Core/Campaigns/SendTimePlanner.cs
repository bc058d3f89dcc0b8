using System.Diagnostics.CodeAnalysis;

namespace Engagement.Core.Campaigns;

/// <summary>
/// How much a recipient (or a segment) engaged at each local hour of the day: 24 weights, hour 0 first. A recipient's
/// profile weighs each past open or click by its recency (<see cref="Of"/>); a segment's adds its members' profiles,
/// each scaled to weigh 1 so that heavy openers do not outvote the rest (<see cref="Combine"/>).
/// </summary>
/// <param name="Weights">The weight of each local hour, 0 to 23.</param>
public sealed record HourProfile(IReadOnlyList<double> Weights)
{
    /// <summary>How fast old engagement fades: an open this long ago weighs half as much as one now.</summary>
    public static readonly TimeSpan DefaultHalfLife = TimeSpan.FromDays(30);

    /// <summary>A profile with no engagement.</summary>
    public static HourProfile Empty { get; } = new(new double[24]);

    /// <summary>The sum of the weights.</summary>
    public double Total => Weights.Sum();

    /// <summary>
    /// The profile of one recipient from the times of their past opens and clicks, read in <paramref name="zone"/>
    /// (their time zone), each weighted 0.5^(age / <paramref name="halfLife"/>); engagement after <paramref name="now"/> counts as now.
    /// </summary>
    public static HourProfile Of(IEnumerable<DateTimeOffset> engagedAt, TimeZoneInfo zone, DateTimeOffset now, TimeSpan? halfLife = null)
    {
        ArgumentNullException.ThrowIfNull(engagedAt);
        ArgumentNullException.ThrowIfNull(zone);
        var half = halfLife ?? DefaultHalfLife;
        if (half <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(halfLife), "The half-life must be positive.");
        }

        var weights = new double[24];
        foreach (var at in engagedAt)
        {
            var age = Math.Max(0, (now - at).TotalDays);
            weights[TimeZoneInfo.ConvertTime(at, zone).Hour] += Math.Pow(0.5, age / half.TotalDays);
        }

        return new HourProfile(weights);
    }

    /// <summary>A segment's profile: its members' profiles, each scaled to a total of 1 (members with no engagement add nothing).</summary>
    public static HourProfile Combine(IEnumerable<HourProfile> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var weights = new double[24];
        foreach (var member in members)
        {
            var total = member.Total;
            if (total <= 0)
            {
                continue;
            }

            for (var hour = 0; hour < 24; hour++)
            {
                weights[hour] += member.Weights[hour] / total;
            }
        }

        return new HourProfile(weights);
    }

    /// <summary>The hour with the most weight (ties: the earlier hour); null when there is no engagement.</summary>
    public int? PreferredHour()
    {
        if (Weights.Count != 24)
        {
            throw new InvalidOperationException("An hour profile has 24 weights.");
        }

        int? best = null;
        for (var hour = 0; hour < 24; hour++)
        {
            // A relative margin so that sums of the same weights in another order still tie.
            if (Weights[hour] > 0 && (best is null || Weights[hour] > Weights[best.Value] * (1 + 1e-9)))
            {
                best = hour;
            }
        }

        return best;
    }
}

/// <summary>A campaign's rules for when each recipient gets a step (see <see cref="SendTimePlanner"/>).</summary>
/// <param name="Optimise">Send-time optimisation: each recipient at <see cref="SendTimePlanner.PreferredHour"/> of their own opens and clicks, else their segment's, else <paramref name="DefaultHour"/>; off: as soon as the step starts.</param>
/// <param name="Window">The send window in local time; null: any time.</param>
/// <param name="Quiet">The quiet hours in local time; null: none.</param>
/// <param name="DefaultTimeZone">The IANA zone of recipients whose own zone is not known (or not valid).</param>
/// <param name="DefaultHour">The campaign's default local hour; null: as soon as the step starts.</param>
public sealed record SendTimeSettings(bool Optimise, SendWindow? Window, QuietHours? Quiet, string DefaultTimeZone, int? DefaultHour)
{
    /// <summary>The settings of a definition.</summary>
    public static SendTimeSettings Of(CampaignDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new SendTimeSettings(definition.SendTimeOptimisation, definition.SendWindow, definition.QuietHours, definition.TimeZone, definition.DefaultSendHour);
    }

    /// <summary>The recipient's time zone: their own IANA zone when it is known and valid, else <see cref="DefaultTimeZone"/>.</summary>
    /// <exception cref="InvalidOperationException">The default zone is not known either (a definition's checks refuse that).</exception>
    public TimeZoneInfo ZoneOf(string? recipientZone) =>
        SendTimeRules.TryFindTimeZone(recipientZone, out var own) ? own
        : SendTimeRules.TryFindTimeZone(DefaultTimeZone, out var fallback) ? fallback
        : throw new InvalidOperationException($"The time zone '{DefaultTimeZone}' is not known.");
}

/// <summary>The send window and quiet hours as rules on local times, shared by the planner and the definition's checks.</summary>
public static class SendTimeRules
{
    /// <summary>Whether <paramref name="time"/> lies in [<paramref name="from"/>, <paramref name="to"/>), the interval spanning midnight when <paramref name="to"/> is earlier.</summary>
    public static bool Within(TimeOnly time, TimeOnly from, TimeOnly to) =>
        from <= to ? time >= from && time < to : time >= from || time < to;

    /// <summary>Whether a message may go out at <paramref name="local"/> (the recipient's wall-clock time).</summary>
    public static bool Allows(DateTime local, SendWindow? window, QuietHours? quiet)
    {
        var time = TimeOnly.FromDateTime(local);
        if (quiet is not null && Within(time, quiet.From, quiet.To))
        {
            return false;
        }

        if (window is null)
        {
            return true;
        }

        if (window.From <= window.To)
        {
            return window.Days.Contains(local.DayOfWeek) && Within(time, window.From, window.To);
        }

        // A window spanning midnight belongs to the day it opens on.
        return (time >= window.From && window.Days.Contains(local.DayOfWeek))
            || (time < window.To && window.Days.Contains(local.AddDays(-1).DayOfWeek));
    }

    /// <summary>Whether a time of day is allowed on some day: inside the window's hours and outside the quiet hours.</summary>
    public static bool AllowsTimeOfDay(TimeOnly time, SendWindow? window, QuietHours? quiet) =>
        (quiet is null || !Within(time, quiet.From, quiet.To)) && (window is null || Within(time, window.From, window.To));

    /// <summary>Finds an IANA time zone by id.</summary>
    public static bool TryFindTimeZone(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }

    /// <summary>
    /// The instant of a wall-clock time in <paramref name="zone"/>: a time skipped when clocks go forward moves forward
    /// by the gap (02:30 on the spring-forward night is 03:30 summer time); a time that occurs twice when clocks go back
    /// is its first occurrence.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        TimeSpan offset;
        if (zone.IsInvalidTime(local))
        {
            // The offset in force before the gap places the time after it.
            offset = zone.GetUtcOffset(local.AddHours(-3));
        }
        else if (zone.IsAmbiguousTime(local))
        {
            offset = zone.GetAmbiguousTimeOffsets(local).Max();
        }
        else
        {
            offset = zone.GetUtcOffset(local);
        }

        return new DateTimeOffset(local.Ticks - offset.Ticks, TimeSpan.Zero);
    }
}

/// <summary>
/// When one recipient gets a step's message: with send-time optimisation at their preferred local hour (their own
/// engagement, else their segment's, else the campaign's default hour), moved into the send window and out of the
/// quiet hours; without it, as soon as the step starts. Always the first allowed instant at or after the step's start,
/// looking at most <see cref="LookAheadDays"/> days ahead; all in the recipient's time zone, correct across DST changes.
/// </summary>
public static class SendTimePlanner
{
    /// <summary>How many days ahead the planner looks for an allowed time (a window open one day a week is found).</summary>
    public const int LookAheadDays = 8;

    /// <summary>The local hour for a recipient: their own preferred hour, else their segment's, else <paramref name="campaignDefault"/> (null: no preference).</summary>
    public static int? PreferredHour(HourProfile? recipient, HourProfile? segment, int? campaignDefault) =>
        recipient?.PreferredHour() ?? segment?.PreferredHour() ?? campaignDefault;

    /// <summary>
    /// The UTC instant the recipient gets the message: at <paramref name="preferredHour"/> (local) on the first day it is
    /// allowed and not before <paramref name="stepStart"/>; with no preferred hour, the first allowed instant from the
    /// step's start. A preferred hour the rules never allow moves to the nearest allowed time of day (ties: the earlier).
    /// </summary>
    /// <param name="stepStart">When the step starts (UTC).</param>
    /// <param name="zone">The recipient's time zone.</param>
    /// <param name="preferredHour">The local hour (0–23); null under no send-time optimisation or no preference.</param>
    /// <param name="window">The send window; null: any time.</param>
    /// <param name="quiet">The quiet hours; null: none.</param>
    public static DateTimeOffset Plan(DateTimeOffset stepStart, TimeZoneInfo zone, int? preferredHour, SendWindow? window, QuietHours? quiet)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (preferredHour is { } hour and (< 0 or > 23))
        {
            throw new ArgumentOutOfRangeException(nameof(preferredHour), "An hour is from 0 to 23.");
        }

        var startDate = TimeZoneInfo.ConvertTime(stepStart, zone).Date;
        if (preferredHour is { } preferred && NearestAllowedTime(new TimeOnly(preferred, 0), window, quiet) is { } time)
        {
            for (var day = 0; day <= LookAheadDays; day++)
            {
                var candidate = SendTimeRules.ToInstant(startDate.AddDays(day) + time.ToTimeSpan(), zone);
                if (candidate >= stepStart && SendTimeRules.Allows(TimeZoneInfo.ConvertTime(candidate, zone).DateTime, window, quiet))
                {
                    return candidate.ToUniversalTime();
                }
            }
        }

        return FirstAllowed(stepStart, zone, startDate, window, quiet);
    }

    /// <summary>
    /// Plans one recipient under a campaign's settings: under send-time optimisation at the hour of
    /// <paramref name="recipient"/>'s profile, else <paramref name="segment"/>'s, else the settings' default hour; without
    /// it the profiles are not looked at.
    /// </summary>
    public static DateTimeOffset Plan(DateTimeOffset stepStart, TimeZoneInfo zone, HourProfile? recipient, HourProfile? segment, SendTimeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var hour = settings.Optimise ? PreferredHour(recipient, segment, settings.DefaultHour) : null;
        return Plan(stepStart, zone, hour, settings.Window, settings.Quiet);
    }

    /// <summary>The first instant at or after <paramref name="stepStart"/> the rules allow: the start itself, or where a window opens or quiet hours end.</summary>
    private static DateTimeOffset FirstAllowed(DateTimeOffset stepStart, TimeZoneInfo zone, DateTime startDate, SendWindow? window, QuietHours? quiet)
    {
        if (SendTimeRules.Allows(TimeZoneInfo.ConvertTime(stepStart, zone).DateTime, window, quiet))
        {
            return stepStart.ToUniversalTime();
        }

        var openings = new List<TimeOnly>();
        if (window is not null)
        {
            openings.Add(window.From);
        }

        if (quiet is not null)
        {
            openings.Add(quiet.To);
        }

        var candidates = Enumerable.Range(0, LookAheadDays + 1)
            .SelectMany(day => openings.Select(o => SendTimeRules.ToInstant(startDate.AddDays(day) + o.ToTimeSpan(), zone)))
            .Where(c => c >= stepStart)
            .Order();
        foreach (var candidate in candidates)
        {
            if (SendTimeRules.Allows(TimeZoneInfo.ConvertTime(candidate, zone).DateTime, window, quiet))
            {
                return candidate.ToUniversalTime();
            }
        }

        // Only rules that allow nothing get here; the definition's checks refuse those.
        return stepStart.ToUniversalTime();
    }

    /// <summary>
    /// The allowed time of day nearest to <paramref name="time"/> on the clock's circle among the whole hours and the
    /// times the window opens and the quiet hours end (ties: the one before); null when none is allowed.
    /// </summary>
    private static TimeOnly? NearestAllowedTime(TimeOnly time, SendWindow? window, QuietHours? quiet)
    {
        if (SendTimeRules.AllowsTimeOfDay(time, window, quiet))
        {
            return time;
        }

        var candidates = Enumerable.Range(0, 24).Select(h => new TimeOnly(h, 0)).ToList();
        if (window is not null)
        {
            candidates.Add(window.From);
        }

        if (quiet is not null)
        {
            candidates.Add(quiet.To);
        }

        const int Day = 24 * 60;
        var minutes = (int)time.ToTimeSpan().TotalMinutes;
        return candidates
            .Where(c => SendTimeRules.AllowsTimeOfDay(c, window, quiet))
            .Select(c =>
            {
                var after = ((((int)c.ToTimeSpan().TotalMinutes - minutes) % Day) + Day) % Day;
                var before = (Day - after) % Day;
                return (Time: c, Distance: Math.Min(after, before), Later: after < before);
            })
            .OrderBy(c => c.Distance).ThenBy(c => c.Later).ThenBy(c => c.Time)
            .Select(c => (TimeOnly?)c.Time)
            .FirstOrDefault();
    }
}
