using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Engagement.Core.Triggers;

/// <summary>A day of the year someone was born on.</summary>
/// <param name="Month">1–12.</param>
/// <param name="Day">1–31.</param>
public readonly record struct BirthDay(int Month, int Day);

/// <summary>
/// The date rules of birthday e-mails: how a trait is read as a date of birth, whose birthday a local date is (someone
/// born on 29 February celebrates on 28 February in other years), and when the e-mail is due on that date.
/// </summary>
public static class BirthdayDates
{
    private static readonly string[] FullFormats = ["yyyy-MM-dd", "yyyy-M-d", "d.M.yyyy", "dd.MM.yyyy"];

    /// <summary>
    /// Reads a date of birth from a trait: <c>yyyy-MM-dd</c> (an ISO date-time is cut to its date), <c>MM-dd</c> or
    /// <c>--MM-dd</c>, or <c>d.M.yyyy</c>; anything else is no birthday.
    /// </summary>
    public static bool TryRead(JsonElement trait, out BirthDay birthDay)
    {
        birthDay = default;
        if (trait.ValueKind != JsonValueKind.String || trait.GetString() is not { } raw)
        {
            return false;
        }

        var text = raw.Trim();
        if (text.Length > 10 && text[10] is 'T' or ' ')
        {
            text = text[..10];
        }

        if (DateOnly.TryParseExact(text, FullFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            birthDay = new BirthDay(date.Month, date.Day);
            return true;
        }

        // A date without a year: a leap year admits 29 February.
        if (DateOnly.TryParseExact("2000-" + text.TrimStart('-'), ["yyyy-MM-dd", "yyyy-M-d"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var yearless))
        {
            birthDay = new BirthDay(yearless.Month, yearless.Day);
            return true;
        }

        return false;
    }

    /// <summary>Whether <paramref name="date"/> is the birthday (29 February is kept on 28 February outside leap years).</summary>
    public static bool IsBirthdayOn(BirthDay birthDay, DateOnly date) =>
        (birthDay.Month == date.Month && birthDay.Day == date.Day)
        || (birthDay is { Month: 2, Day: 29 } && date is { Month: 2, Day: 28 } && !DateTime.IsLeapYear(date.Year));

    /// <summary>When the e-mail of <paramref name="date"/> is due: <paramref name="localHour"/> there (an hour skipped by a clock change moves on by an hour).</summary>
    public static DateTimeOffset DueAt(DateOnly date, int localHour, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = date.ToDateTime(new TimeOnly(Math.Clamp(localHour, 0, 23), 0));
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        var offset = zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>The local date in a time zone at an instant.</summary>
    public static DateOnly LocalDate(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    /// <summary>Finds an IANA (or Windows) time zone id.</summary>
    public static bool TryFindZone(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        if (string.Equals(id, "UTC", StringComparison.OrdinalIgnoreCase))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone);
    }
}
