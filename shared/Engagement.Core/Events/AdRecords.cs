using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Engagement.Core.Events;

/// <summary>Turns one ad-server log record (fields by name, from CSV or JSON lines) into an event.</summary>
public static class AdRecords
{
    /// <summary>The columns an ad record may carry; the first name of each group is the canonical one.</summary>
    public static IReadOnlyList<string[]> Columns { get; } =
    [
        ["type", "event_type", "event"],
        ["user_id", "userid"],
        ["cookie_id", "cookieid", "anonymous_id", "anonymousid"],
        ["domain", "site"],
        ["placement", "placement_id"],
        ["campaign", "campaign_id"],
        ["creative", "creative_id"],
        ["visible_seconds", "visibleseconds", "visible_s"],
        ["cost_eur", "costeur", "cost"],
        ["timestamp", "time", "ts"],
        ["message_id", "messageid"],
    ];

    /// <summary>
    /// Validates a record. Its id is the record's own <c>message_id</c> or a hash of the raw record, so
    /// importing the same log twice stores nothing twice.
    /// </summary>
    /// <param name="fields">Field values by column name (any case, any alias in <see cref="Columns"/>).</param>
    /// <param name="rawRecord">The record as read (a CSV line or JSON line), hashed for the id.</param>
    /// <param name="sourceId">The ad feed's source.</param>
    /// <param name="receivedAt">When it was read.</param>
    /// <param name="ev">The event, when valid.</param>
    /// <param name="error">What is wrong, when not.</param>
    public static bool TryCreate(IReadOnlyDictionary<string, string?> fields, string rawRecord, string sourceId, DateTimeOffset receivedAt, out EngagementEvent? ev, out string? error)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(rawRecord);
        ev = null;
        var byCanonical = Canonicalize(fields);
        string? Get(string column) => byCanonical.TryGetValue(column, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

        if (!EventKindNames.TryParse(Get("type"), out var kind) || !kind.IsAd())
        {
            error = $"\"type\" must be impression, click or conversion (got \"{Get("type")}\").";
            return false;
        }

        var userId = Get("user_id");
        var cookieId = Get("cookie_id");
        if (userId is null && cookieId is null)
        {
            error = "A record needs a \"user_id\" or a \"cookie_id\".";
            return false;
        }

        var domain = Get("domain")?.ToLowerInvariant();
        if (domain is null || domain.Length > 253 || domain.Contains(' ', StringComparison.Ordinal))
        {
            error = "\"domain\" is missing or not a host name.";
            return false;
        }

        var campaign = Get("campaign");
        if (campaign is null)
        {
            error = "\"campaign\" is missing.";
            return false;
        }

        if (!TryNumber(Get("visible_seconds"), out var visible) || visible < 0 || visible > 86_400)
        {
            error = $"\"visible_seconds\" must be a number of seconds between 0 and 86400 (got \"{Get("visible_seconds")}\").";
            return false;
        }

        if (!TryDecimal(Get("cost_eur"), out var cost) || cost < 0)
        {
            error = $"\"cost_eur\" must be a non-negative amount (got \"{Get("cost_eur")}\").";
            return false;
        }

        var timestampText = Get("timestamp");
        if (timestampText is null || !TryTime(timestampText, out var timestamp))
        {
            error = $"\"timestamp\" must be an ISO-8601 date-time or Unix seconds (got \"{timestampText}\").";
            return false;
        }

        var messageId = Get("message_id") ?? "ad-" + Hash(rawRecord.Trim());
        if (messageId.Length > 100)
        {
            error = "\"message_id\" is longer than 100 characters.";
            return false;
        }

        ev = new EngagementEvent
        {
            MessageId = messageId,
            Kind = kind,
            SourceId = sourceId,
            UserId = userId,
            AnonymousId = cookieId,
            Name = kind.ToWireName(),
            Timestamp = timestamp,
            ReceivedAt = receivedAt,
            Ad = new AdExposure
            {
                Domain = domain,
                Placement = Get("placement"),
                Campaign = campaign,
                Creative = Get("creative"),
                VisibleSeconds = visible,
                CostEur = cost,
            },
        };
        error = null;
        return true;
    }

    private static Dictionary<string, string?> Canonicalize(IReadOnlyDictionary<string, string?> fields)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            var lower = name.Trim().ToLowerInvariant();
            var canonical = Columns.FirstOrDefault(c => c.Contains(lower))?[0];
            if (canonical is not null)
            {
                result[canonical] = value;
            }
        }

        return result;
    }

    private static bool TryNumber(string? text, out double value)
    {
        value = 0;
        return text is null || (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value));
    }

    private static bool TryDecimal(string? text, out decimal value)
    {
        value = 0;
        // Not NumberStyles.Number: it allows thousands separators, so a decimal comma ("0,25") would read as 25.
        return text is null || decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryTime(string text, out DateTimeOffset value)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and < 32_503_680_000)
        {
            value = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private static string Hash(string raw) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw))[..16]);
}
