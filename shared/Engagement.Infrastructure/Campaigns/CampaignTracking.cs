using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Campaigns;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>One recorded open or click, as exported for its subject.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Variant">The variant the recipient got.</param>
/// <param name="MessageId">The message.</param>
/// <param name="Kind">Open or click.</param>
/// <param name="At">When it came.</param>
/// <param name="Url">For a click, the address followed.</param>
/// <param name="FlaggedAs">Why it is left out of the metrics; null when it counts.</param>
/// <param name="Proxied">An open fetched through a mail provider's image proxy.</param>
public sealed record CampaignEngagementRecord(string CampaignId, string Variant, string MessageId, EngagementKind Kind, DateTimeOffset At, string? Url, ScannerReason? FlaggedAs, bool Proxied);

/// <summary>What one variant of a campaign drew.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="UniqueOpens">Messages opened at least once, scanners left out.</param>
/// <param name="UniqueClicks">Messages with at least one click, scanners left out.</param>
/// <param name="ProxiedOpens">Counted opens fetched through an image proxy.</param>
/// <param name="Flagged">Requests left out, by reason (camelCase reason names).</param>
/// <param name="Conversions">Conversion events credited to the variant (within the attribution window after a counted click; last click wins).</param>
/// <param name="ConvertedMessages">Messages with at least one credited conversion.</param>
public sealed record VariantEngagement(string Variant, int UniqueOpens, int UniqueClicks, int ProxiedOpens, IReadOnlyDictionary<string, int> Flagged, int Conversions = 0, int ConvertedMessages = 0);

/// <summary>The body of <c>GET /api/campaigns/{id}/engagement</c>.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Variants">One entry per variant that drew any request, by name.</param>
/// <param name="ConversionEvent">The track event counted as a conversion.</param>
/// <param name="AttributionWindow">How long after a click a conversion is credited.</param>
public sealed record CampaignEngagement(string CampaignId, IReadOnlyList<VariantEngagement> Variants, string ConversionEvent, TimeSpan AttributionWindow);

/// <summary>An open or click that another system tracked for a campaign message (the relay's engagement report).</summary>
/// <param name="Message">The message, read from its Message-ID.</param>
/// <param name="MessageId">The Message-ID, without angle brackets.</param>
/// <param name="Kind">Open or click.</param>
/// <param name="Url">For a click, the address followed, when reported.</param>
/// <param name="UserAgent">The agent that opened or clicked.</param>
/// <param name="At">When.</param>
/// <param name="SentAt">When the message was sent, when the send ledger knows.</param>
public sealed record ReportedEngagement(CampaignMessageId Message, string MessageId, EngagementKind Kind, Uri? Url, string? UserAgent, DateTimeOffset At, DateTimeOffset? SentAt);

/// <summary>A counted (not a scanner's) open or click of a campaign message.</summary>
/// <param name="Step">The step, from the Message-ID ("" when the message id is not a campaign Message-ID).</param>
/// <param name="Variant">The variant.</param>
/// <param name="MessageId">The message, without angle brackets.</param>
/// <param name="Kind">Open or click.</param>
/// <param name="At">When.</param>
public sealed record CountedEngagement(string Step, string Variant, string MessageId, EngagementKind Kind, DateTimeOffset At);

/// <summary>A conversion credited to a campaign message, with its revenue.</summary>
/// <param name="Step">The step of the message clicked.</param>
/// <param name="Variant">The variant of the message clicked.</param>
/// <param name="MessageId">The message clicked.</param>
/// <param name="EventId">The conversion event.</param>
/// <param name="At">When it happened.</param>
/// <param name="Revenue">The event's <c>revenue</c>, else <c>value</c>, else <c>total</c> property; 0 when none is a number.</param>
public sealed record CreditedConversion(string Step, string Variant, string MessageId, string EventId, DateTimeOffset At, decimal Revenue);

/// <summary>A campaign's counted opens and clicks and its credited conversions.</summary>
/// <param name="Engagement">Counted opens and clicks, every one (not only the first per message).</param>
/// <param name="Conversions">Credited conversions.</param>
public sealed record CampaignTrackingFacts(IReadOnlyList<CountedEngagement> Engagement, IReadOnlyList<CreditedConversion> Conversions);

/// <summary>
/// Records campaign opens and clicks from signed tracking tokens, tells scanners from people (<see cref="ScannerRules"/>),
/// counts unique opens and clicks per variant, and exports and erases a subject's rows. A request is recorded once
/// per request id, so a retried delivery of the same request adds no row. Conversions (the configured track event in
/// the recipient's events) are credited to the campaign when they come within the attribution window after a counted click.
/// </summary>
public sealed class CampaignTracking(EngagementStorage storage, IOptions<CampaignTrackingOptions> options, TimeProvider clock)
{
    private const string OpenPrefix = "o";
    private const string ClickPrefix = "c";
    private const string RelaySource = "relay";
    private const int MaxRequestIdLength = 128;
    private readonly ScannerRules _rules = new(options.Value.QuickClickWindow);

    /// <summary>The signer of tracking tokens; null when tracking is off (no <c>Campaigns:TrackingSecret</c>).</summary>
    public TrackingTokenSigner? Signer { get; } = options.Value.EffectiveSecret() is { } secret ? new TrackingTokenSigner(secret) : null;

    /// <summary>Records the fetch of an open pixel; returns the message, or null (nothing recorded) when the token is not a valid open token.</summary>
    public async Task<TrackedMessage?> RecordOpenAsync(string? token, string method, string? userAgent, string requestId, CancellationToken cancellationToken = default)
    {
        if (Signer?.ReadOpen(token) is not { } message)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var verdict = _rules.Classify(new TrackingRequest(EngagementKind.Open, method, userAgent, now, message.SentAt));
        await AddAsync(Row(OpenPrefix, message, requestId, now, userAgent, verdict, null), cancellationToken);
        return message;
    }

    /// <summary>Records a followed click link; returns the click (its address is the only place to redirect to), or null when the token is not a valid click token.</summary>
    public async Task<TrackedClick?> RecordClickAsync(string? token, string method, string? userAgent, string requestId, CancellationToken cancellationToken = default)
    {
        if (Signer?.ReadClick(token) is not { } click)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var message = click.Message;
        var earlier = await EarlierClicksAsync(message, cancellationToken);
        var verdict = _rules.Classify(new TrackingRequest(EngagementKind.Click, method, userAgent, now, message.SentAt, click.Url), earlier.Select(e => e.Click).ToList());
        var added = await AddAsync(Row(ClickPrefix, message, requestId, now, userAgent, verdict, click.Url), cancellationToken);
        if (added && verdict.Reason == ScannerReason.ClickBurst)
        {
            // The first link a scanner followed looked like a person's until the next came within a second.
            foreach (var (row, earlierClick) in earlier.Where(e => e.Row.GetString("Reason") is null && ScannerRules.IsBurst(click.Url, now, e.Click)))
            {
                var update = new TableEntity(row.PartitionKey, row.RowKey) { ["Flagged"] = true, ["Reason"] = ScannerReason.ClickBurst.ToString() };
                await storage.CampaignEvents.UpdateEntityAsync(update, ETag.All, TableUpdateMode.Merge, cancellationToken);
            }
        }

        return click;
    }

    /// <summary>
    /// Records an open or click another system tracked (the relay's engagement report) once per
    /// <paramref name="requestId"/>; the same scanner rules apply, except the burst rule, because the relay reports the
    /// tracking link it saw, not the address it leads to. Returns false when it was recorded before.
    /// </summary>
    public async Task<bool> RecordReportedAsync(ReportedEngagement engagement, string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engagement);
        var message = engagement.Message;
        // Without a known send time the quick-click rule has nothing to measure from.
        var verdict = _rules.Classify(new TrackingRequest(engagement.Kind, "GET", engagement.UserAgent, engagement.At, engagement.SentAt ?? DateTimeOffset.MinValue, engagement.Url));
        var tracked = new TrackedMessage(message.CampaignId, message.Variant, engagement.MessageId, message.SubjectKey, engagement.SentAt ?? engagement.At);
        var row = Row(engagement.Kind == EngagementKind.Click ? ClickPrefix : OpenPrefix, tracked, requestId, engagement.At, engagement.UserAgent, verdict, engagement.Url);
        row["Step"] = message.Step;
        row["Source"] = RelaySource;
        if (engagement.SentAt is null)
        {
            row.Remove("SentAt");
        }

        return await AddAsync(row, cancellationToken);
    }

    /// <summary>Every counted open and click of <paramref name="campaignId"/> and the conversions credited to its messages.</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="conversion">The conversion event and attribution window; null: <c>Campaigns:ConversionEvent</c> and <c>AttributionWindow</c>.</param>
    /// <param name="asOf">Only what happened up to this time; null: everything.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<CampaignTrackingFacts> FactsAsync(string campaignId, (string Event, TimeSpan Window)? conversion = null, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(campaignId);
        var rows = (await RowsAsync(campaignId, cancellationToken)).Where(r => asOf is null || r.GetDateTimeOffset("At") <= asOf).ToList();
        var engagement = rows
            .Where(r => IsEngagement(r) && r.GetString("Reason") is null && r.GetDateTimeOffset("At") is not null)
            .Select(r =>
            {
                var messageId = MessageKey(r);
                return new CountedEngagement(StepOf(r, messageId), r.GetString("Variant") ?? string.Empty, messageId,
                    r.RowKey.StartsWith(ClickPrefix + "~", StringComparison.Ordinal) ? EngagementKind.Click : EngagementKind.Open, r.GetDateTimeOffset("At")!.Value);
            })
            .ToList();
        var (attributed, revenue) = await CreditAsync(rows, conversion, cancellationToken);
        var conversions = attributed
            .Where(a => asOf is null || a.Conversion.At <= asOf)
            .Select(a => new CreditedConversion(StepOf(null, a.Click.MessageId), a.Click.Variant, a.Click.MessageId, a.Conversion.EventId, a.Conversion.At,
                revenue.GetValueOrDefault((a.Conversion.SubjectKey, a.Conversion.EventId))))
            .ToList();
        return new CampaignTrackingFacts(engagement, conversions);
    }

    /// <summary>Unique opens and clicks per variant of <paramref name="campaignId"/>, scanners left out, and what was left out by reason.</summary>
    public async Task<CampaignEngagement> EngagementAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(campaignId);
        var rows = (await RowsAsync(campaignId, cancellationToken)).Where(IsEngagement).ToList();
        var (attributed, _) = await CreditAsync(rows, null, cancellationToken);
        var variants = rows.GroupBy(r => r.GetString("Variant") ?? string.Empty, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var counted = g.Where(r => r.GetString("Reason") is null).ToList();
            var opens = counted.Where(r => r.RowKey.StartsWith(OpenPrefix + "~", StringComparison.Ordinal)).ToList();
            var clicks = counted.Where(r => r.RowKey.StartsWith(ClickPrefix + "~", StringComparison.Ordinal));
            var flagged = g.Where(r => r.GetString("Reason") is not null)
                .GroupBy(r => JsonNamingPolicy.CamelCase.ConvertName(r.GetString("Reason")!), StringComparer.Ordinal)
                .OrderBy(f => f.Key, StringComparer.Ordinal)
                .ToDictionary(f => f.Key, f => f.Count(), StringComparer.Ordinal);
            return new VariantEngagement(
                g.Key,
                opens.Select(MessageKey).Distinct(StringComparer.Ordinal).Count(),
                clicks.Select(MessageKey).Distinct(StringComparer.Ordinal).Count(),
                opens.Count(r => r.GetBoolean("Proxied") == true),
                flagged,
                attributed.Count(a => a.Click.Variant == g.Key),
                attributed.Where(a => a.Click.Variant == g.Key).Select(a => a.Click.MessageId).Distinct(StringComparer.Ordinal).Count());
        }).ToList();
        return new CampaignEngagement(campaignId, variants, options.Value.ConversionEvent, options.Value.AttributionWindow);
    }

    /// <summary>
    /// The conversions credited to the campaign's counted clicks (the conversion events in each clicker's events within
    /// the window), and each conversion event's revenue by subject and event id.
    /// </summary>
    private async Task<(IReadOnlyList<AttributedConversion> Credited, Dictionary<(string, string), decimal> Revenue)> CreditAsync(
        List<TableEntity> rows, (string Event, TimeSpan Window)? conversion, CancellationToken cancellationToken)
    {
        var clicks = rows
            .Where(r => r.RowKey.StartsWith(ClickPrefix + "~", StringComparison.Ordinal) && r.GetString("Reason") is null && r.GetDateTimeOffset("At") is not null)
            .Select(r => new CountedClick(r.GetString("SubjectKey") ?? string.Empty, MessageKey(r), r.GetString("Variant") ?? string.Empty, r.GetDateTimeOffset("At")!.Value))
            .Where(c => c.SubjectKey.Length > 0)
            .ToList();
        var window = conversion?.Window ?? options.Value.AttributionWindow;
        var conversionEvent = conversion?.Event ?? options.Value.ConversionEvent;
        var conversions = new List<Conversion>();
        var revenue = new Dictionary<(string, string), decimal>();
        // The subject key is the keyed hash of the user id: the same key the user's events are partitioned by.
        foreach (var subject in clicks.GroupBy(c => c.SubjectKey, StringComparer.Ordinal))
        {
            var from = subject.Min(c => c.At);
            var to = subject.Max(c => c.At) + window;
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey eq {subject.Key} and Kind eq {"track"} and Name eq {conversionEvent} and OccurredAt ge {from} and OccurredAt le {to}");
            await foreach (var ev in storage.Events.QueryAsync<TableEntity>(filter, select: ["RowKey", "MessageId", "OccurredAt", "Properties"], cancellationToken: cancellationToken))
            {
                var eventId = ev.GetString("MessageId") ?? ev.RowKey;
                conversions.Add(new Conversion(subject.Key, eventId, ev.GetDateTimeOffset("OccurredAt")!.Value));
                revenue[(subject.Key, eventId)] = RevenueOf(ev.GetString("Properties"));
            }
        }

        return (ConversionAttribution.Attribute(clicks, conversions, window), revenue);
    }

    /// <summary>
    /// The revenue of a conversion event: its <c>revenue</c> property (Segment's e-commerce spec), else <c>value</c>,
    /// else <c>total</c>, as a number or a numeric string; 0 when none is.
    /// </summary>
    public static decimal RevenueOf(string? propertiesJson)
    {
        if (string.IsNullOrWhiteSpace(propertiesJson))
        {
            return 0m;
        }

        try
        {
            using var document = JsonDocument.Parse(propertiesJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return 0m;
            }

            foreach (var name in new[] { "revenue", "value", "total" })
            {
                if (document.RootElement.TryGetProperty(name, out var value))
                {
                    if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
                    {
                        return number;
                    }

                    if (value.ValueKind == JsonValueKind.String
                        && decimal.TryParse(value.GetString(), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                    {
                        return parsed;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Properties were validated as JSON at intake; a row that is not is no revenue.
        }

        return 0m;
    }

    /// <summary>Every open and click recorded of the subject with pseudonymous key <paramref name="subjectKey"/>.</summary>
    public async Task<IReadOnlyList<CampaignEngagementRecord>> ExportAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var records = new List<CampaignEngagementRecord>();
        await foreach (var row in OfSubjectAsync(subjectKey, null, cancellationToken))
        {
            // Delivery reports and unsubscribes of the same table are exported by EmailDeliveryEvents.
            if (!IsEngagement(row))
            {
                continue;
            }

            records.Add(new CampaignEngagementRecord(
                row.GetString("CampaignId") ?? row.PartitionKey,
                row.GetString("Variant") ?? string.Empty,
                row.GetString("MessageId") ?? string.Empty,
                row.RowKey.StartsWith(ClickPrefix + "~", StringComparison.Ordinal) ? EngagementKind.Click : EngagementKind.Open,
                row.GetDateTimeOffset("At") ?? default,
                row.GetString("Url"),
                Enum.TryParse<ScannerReason>(row.GetString("Reason"), out var reason) ? reason : null,
                row.GetBoolean("Proxied") == true));
        }

        return records.OrderBy(r => r.At).ToList();
    }

    /// <summary>
    /// Deletes every row of table <c>campaignevents</c> naming the subject (opens, clicks, delivery reports,
    /// complaints, unsubscribes, bounce tallies); returns how many rows went.
    /// </summary>
    public async Task<int> EraseAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in OfSubjectAsync(subjectKey, ["PartitionKey", "RowKey"], cancellationToken))
        {
            rows.Add(row);
        }

        return (int)await TableRows.DeleteAsync(storage.CampaignEvents, rows, cancellationToken);
    }

    /// <summary>The request id to record a request under: the caller's <c>X-Request-Id</c> when usable, else a new one.</summary>
    public static string RequestIdOf(string? header) =>
        !string.IsNullOrWhiteSpace(header) && header.Length <= MaxRequestIdLength ? header.Trim() : Guid.NewGuid().ToString("N");

    private AsyncPageable<TableEntity> OfSubjectAsync(string subjectKey, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        return storage.CampaignEvents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"SubjectKey eq {subjectKey}"), select: select, cancellationToken: cancellationToken);
    }

    private async Task<List<(TableEntity Row, EarlierClick Click)>> EarlierClicksAsync(TrackedMessage message, CancellationToken cancellationToken)
    {
        var prefix = $"{ClickPrefix}~{KeyPart(message.MessageId)}~";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {KeyPart(message.CampaignId)} and RowKey gt {prefix} and RowKey lt {prefix + "\uffff"}");
        var earlier = new List<(TableEntity, EarlierClick)>();
        await foreach (var row in storage.CampaignEvents.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", "Url", "At", "Reason", "Source"], cancellationToken: cancellationToken))
        {
            // The relay reports the same click a moment before our link sees it, naming its own link: no burst.
            if (row.GetString("Source") == RelaySource)
            {
                continue;
            }

            if (Uri.TryCreate(row.GetString("Url"), UriKind.Absolute, out var url) && row.GetDateTimeOffset("At") is { } at)
            {
                earlier.Add((row, new EarlierClick(url, at)));
            }
        }

        return earlier;
    }

    // The same request recorded before (a retry): one row per request.
    private Task<bool> AddAsync(TableEntity row, CancellationToken cancellationToken) => TableRows.TryAddAsync(storage.CampaignEvents, row, cancellationToken);

    private static TableEntity Row(string prefix, TrackedMessage message, string requestId, DateTimeOffset at, string? userAgent, ScannerVerdict verdict, Uri? url)
    {
        var row = new TableEntity(KeyPart(message.CampaignId), $"{prefix}~{KeyPart(message.MessageId)}~{KeyPart(requestId)}")
        {
            ["CampaignId"] = message.CampaignId,
            ["Variant"] = message.Variant,
            ["MessageId"] = message.MessageId,
            ["SubjectKey"] = message.SubjectKey,
            ["SentAt"] = message.SentAt,
            ["At"] = at,
            // A hash tells repeated agents apart without keeping a fingerprint of the reader's device.
            ["UserAgentHash"] = userAgent is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userAgent)))[..32],
            ["Flagged"] = verdict.Flagged,
            ["Reason"] = verdict.Reason?.ToString(),
            ["Proxied"] = verdict.Proxied,
            ["Url"] = url?.AbsoluteUri,
        };
        foreach (var empty in row.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            row.Remove(empty);
        }

        return row;
    }

    private async Task<List<TableEntity>> RowsAsync(string campaignId, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in storage.CampaignEvents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {KeyPart(campaignId)}"), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static bool IsEngagement(TableEntity row) =>
        row.RowKey.StartsWith(OpenPrefix + "~", StringComparison.Ordinal) || row.RowKey.StartsWith(ClickPrefix + "~", StringComparison.Ordinal);

    // Our pixel and links and the relay's reports may write the same Message-ID with or without angle brackets.
    private static string MessageKey(TableEntity row) => EmailDeliveryEvents.Normalise(row.GetString("MessageId") ?? string.Empty);

    private static string StepOf(TableEntity? row, string messageId) =>
        row?.GetString("Step") ?? (CampaignMessageId.TryParse(messageId, out var parsed) ? parsed.Step : string.Empty);

    // Table keys may not hold '/', '\', '#', '?', '~' or control characters: such a part is replaced by its hash.
    internal static string KeyPart(string value) =>
        value.Length <= 200 && !value.Any(c => c is '/' or '\\' or '#' or '?' or '~' || char.IsControl(c))
            ? value
            : "h-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
