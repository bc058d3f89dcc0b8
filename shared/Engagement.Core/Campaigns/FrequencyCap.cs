namespace Engagement.Core.Campaigns;

/// <summary>
/// How many campaign e-mails one contact may get, across every campaign: at most <see cref="MaxPerDay"/> in any 24
/// hours and <see cref="MaxPerWeek"/> in any 7 days. The windows roll (they end at the moment of sending, in UTC), so
/// no calendar boundary lets a burst through.
/// </summary>
/// <param name="MaxPerDay">Messages allowed in any 24 hours; null: no daily cap.</param>
/// <param name="MaxPerWeek">Messages allowed in any 7 days; null: no weekly cap.</param>
public sealed record FrequencyCap(int? MaxPerDay, int? MaxPerWeek)
{
    /// <summary>The short window.</summary>
    public static TimeSpan Day { get; } = TimeSpan.FromDays(1);

    /// <summary>The long window, and so how far back sends must be known.</summary>
    public static TimeSpan Week { get; } = TimeSpan.FromDays(7);

    /// <summary>No cap.</summary>
    public static FrequencyCap None { get; } = new(null, null);

    /// <summary>Why the cap is not usable, or null when it is.</summary>
    public string? Problem() =>
        MaxPerDay is < 1 || MaxPerWeek is < 1 ? "A frequency cap allows at least one message per day and per week (or is left out)."
        : MaxPerDay > MaxPerWeek ? "A daily cap above the weekly cap would never apply; lower it or raise the weekly cap."
        : null;

    /// <summary>Whether one more message may go out at <paramref name="now"/>, given when the contact's earlier messages went out.</summary>
    public bool Allows(IEnumerable<DateTimeOffset> earlierSends, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(earlierSends);
        if (MaxPerDay is null && MaxPerWeek is null)
        {
            return true;
        }

        int inDay = 0, inWeek = 0;
        foreach (var sent in earlierSends)
        {
            // A send stamped slightly after now (another host's clock) still counts: it happened.
            if (sent > now - Week)
            {
                inWeek++;
                if (sent > now - Day)
                {
                    inDay++;
                }
            }
        }

        return (MaxPerDay is not { } day || inDay < day) && (MaxPerWeek is not { } week || inWeek < week);
    }

    /// <summary>
    /// The UTC days whose sends can count at <paramref name="now"/> (the last 7 × 24 hours touch 8 calendar days), oldest
    /// first: what a store partitioned by day must read.
    /// </summary>
    public static IReadOnlyList<DateOnly> DaysToRead(DateTimeOffset now)
    {
        var last = DateOnly.FromDateTime(now.UtcDateTime);
        var first = DateOnly.FromDateTime((now - Week).UtcDateTime);
        var days = new List<DateOnly>();
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            days.Add(day);
        }

        return days;
    }
}
