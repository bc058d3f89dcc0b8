using System.Globalization;
using System.Text.Json;

namespace Engagement.Core.Campaigns;

/// <summary>What reading a campaign request gave: the definition when it is valid, and every problem with its JSON path.</summary>
/// <param name="Definition">The definition; null when there are problems.</param>
/// <param name="Problems">Every problem found (empty when valid).</param>
public sealed record CampaignDefinitionRead(CampaignDefinition? Definition, IReadOnlyList<CampaignProblem> Problems)
{
    /// <summary>Whether the request is a valid campaign.</summary>
    public bool IsValid => Definition is not null && Problems.Count == 0;
}

/// <summary>
/// Reads the body of <c>POST /api/campaigns</c> into a <see cref="CampaignDefinition"/>, reporting every problem at
/// once with its JSON path (<c>variants[1].templateId: is required</c>) so the HTTP layer can answer one 400 listing
/// them all. Field names are camelCase (matched without regard to case); a field the campaign does not know is a
/// problem too, so a misspelt <c>quietHour</c> is not silently ignored. Times of day are <c>HH:mm</c>, days
/// <c>mon</c>…<c>sun</c> (or full names), <c>startAt</c> an ISO 8601 time with its offset.
/// </summary>
/// <remarks>
/// Defaults: purpose <c>marketing</c>; default variant the first; time zone <see cref="CampaignDefinition.DefaultTimeZone"/>;
/// A/B test share 0.2, metric opens, decision after 4 hours, minimum sample 100, confidence 0.95; reminder after 3 days to
/// non-openers; send window on every day; conversion <see cref="ConversionGoal.DefaultEvent"/> within 7 days.
/// </remarks>
public static class CampaignDefinitionReader
{
    /// <summary>The A/B test's share when none is given.</summary>
    public const double DefaultTestShare = 0.2;

    /// <summary>The hours before deciding when none are given.</summary>
    public const double DefaultDecideAfterHours = 4;

    /// <summary>The minimum sample per variant when none is given.</summary>
    public const int DefaultMinimumSample = 100;

    /// <summary>The reminder's days when none are given.</summary>
    public const double DefaultReminderAfterDays = 3;

    private static readonly string[] TimeFormats = ["HH:mm", "H:mm", "HH:mm:ss"];

    /// <summary>Reads a request body given as text.</summary>
    public static CampaignDefinitionRead Read(string json, DateTimeOffset now)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Read(document.RootElement, now);
        }
        catch (JsonException e)
        {
            return new CampaignDefinitionRead(null, [new CampaignProblem(string.Empty, $"the body is not JSON: {e.Message}")]);
        }
    }

    /// <summary>Reads a request body; <paramref name="now"/> is when it is submitted (a start in the past is refused).</summary>
    public static CampaignDefinitionRead Read(JsonElement body, DateTimeOffset now)
    {
        var reader = new Reader();
        var definition = reader.Definition(body);
        if (definition is null)
        {
            return new CampaignDefinitionRead(null, reader.Problems);
        }

        // Rules of the definition, except where the field was already reported as unreadable.
        foreach (var problem in definition.Problems(now))
        {
            if (!reader.Problems.Any(p => problem.Path == p.Path || problem.Path.StartsWith(p.Path + ".", StringComparison.Ordinal) || problem.Path.StartsWith(p.Path + "[", StringComparison.Ordinal)))
            {
                reader.Problems.Add(problem);
            }
        }

        return reader.Problems.Count == 0 ? new CampaignDefinitionRead(definition, []) : new CampaignDefinitionRead(null, reader.Problems);
    }

    /// <summary>Reads the JSON shapes into records; the definition's own rules check the values after.</summary>
    private sealed class Reader
    {
        public List<CampaignProblem> Problems { get; } = [];

        public CampaignDefinition? Definition(JsonElement body)
        {
            if (body.ValueKind != JsonValueKind.Object)
            {
                Problems.Add(new(string.Empty, "the body must be a JSON object"));
                return null;
            }

            var o = new Fields(this, body, string.Empty);
            var definition = new CampaignDefinition(
                Id: o.String("id"),
                Name: o.String("name", required: true) ?? string.Empty,
                SegmentId: o.String("segmentId", required: true) ?? string.Empty,
                Purpose: o.String("purpose") ?? CampaignDefinition.DefaultPurpose,
                Sender: o.Object("sender", required: true, Sender) ?? new CampaignSender(string.Empty),
                Variants: o.Array("variants", required: true, Variant) ?? [],
                DefaultVariant: o.String("defaultVariant"),
                AbTest: o.Object("abTest", required: false, AbTest),
                Reminder: o.Object("reminder", required: false, Reminder),
                SendWindow: o.Object("sendWindow", required: false, Window),
                QuietHours: o.Object("quietHours", required: false, Quiet),
                TimeZone: o.String("timeZone") ?? CampaignDefinition.DefaultTimeZone,
                SendTimeOptimisation: o.Boolean("sendTimeOptimisation") ?? false,
                DefaultSendHour: o.Integer("defaultSendHour"),
                ThroughputPerMinute: o.Integer("throughputPerMinute"),
                FrequencyCap: o.Object("frequencyCap", required: false, f => new FrequencyCap(f.Integer("perDay"), f.Integer("perWeek"))),
                InactiveMonths: o.Integer("inactiveMonths"),
                StartAt: o.Instant("startAt"),
                Conversion: o.Object("conversion", required: false, c => new ConversionGoal(
                    c.String("event") ?? ConversionGoal.DefaultEvent,
                    c.Number("attributionDays") ?? ConversionGoal.DefaultAttributionDays)));
            o.ReportUnknown();
            return definition;
        }

        private static CampaignSender Sender(Fields f) =>
            new(f.String("from", required: true) ?? string.Empty, f.String("name"), f.String("replyTo"));

        private static CampaignVariant Variant(Fields f) =>
            new(f.String("id", required: true) ?? string.Empty, f.String("templateId", required: true) ?? string.Empty, f.String("subject"));

        private static AbTestPlan AbTest(Fields f) => new(
            f.Number("testShare") ?? DefaultTestShare,
            f.Enum("metric", new Dictionary<string, AbTestMetric> { ["opens"] = AbTestMetric.Opens, ["clicks"] = AbTestMetric.Clicks, ["conversions"] = AbTestMetric.Conversions }) ?? AbTestMetric.Opens,
            f.Number("decideAfterHours") ?? DefaultDecideAfterHours,
            f.Integer("minimumSamplePerVariant") ?? DefaultMinimumSample,
            f.Number("confidence") ?? AbTestPlan.DefaultConfidence);

        private static ReminderPlan Reminder(Fields f) => new(
            f.Number("afterDays") ?? DefaultReminderAfterDays,
            f.Enum("to", new Dictionary<string, ReminderAudience> { ["nonopeners"] = ReminderAudience.NonOpeners, ["non-openers"] = ReminderAudience.NonOpeners, ["nonclickers"] = ReminderAudience.NonClickers, ["non-clickers"] = ReminderAudience.NonClickers }) ?? ReminderAudience.NonOpeners,
            f.String("subject", required: true) ?? string.Empty,
            f.String("templateId"));

        private static SendWindow Window(Fields f) => new(
            f.Time("from", required: true) ?? default,
            f.Time("to", required: true) ?? default,
            f.Days("days") ?? [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday]);

        private static QuietHours Quiet(Fields f) => new(f.Time("from", required: true) ?? default, f.Time("to", required: true) ?? default);

        /// <summary>The fields of one JSON object, read by name, the unread ones reported as unknown at the end.</summary>
        private sealed class Fields(Reader reader, JsonElement element, string path)
        {
            private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

            public string? String(string name, bool required = false) =>
                Value(name, required, JsonValueKind.String, "a string", e => e.GetString());

            public bool? Boolean(string name) => Get(name, out var e, out var at) switch
            {
                false => null,
                true when e.ValueKind is JsonValueKind.True or JsonValueKind.False => e.GetBoolean(),
                _ => Fail<bool?>(at, "must be true or false"),
            };

            public double? Number(string name) => Get(name, out var e, out var at) switch
            {
                false => null,
                true when e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && double.IsFinite(d) => d,
                _ => Fail<double?>(at, "must be a number"),
            };

            public int? Integer(string name) => Get(name, out var e, out var at) switch
            {
                false => null,
                true when e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i) => i,
                _ => Fail<int?>(at, "must be a whole number"),
            };

            public TimeOnly? Time(string name, bool required = false)
            {
                var text = Value(name, required, JsonValueKind.String, "a time of day (HH:mm)", e => e.GetString());
                if (text is null)
                {
                    return null;
                }

                return TimeOnly.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                    ? time
                    : Fail<TimeOnly?>(Path(name), $"'{text}' is not a time of day (HH:mm, e.g. 08:00)");
            }

            public DateTimeOffset? Instant(string name)
            {
                var text = Value(name, false, JsonValueKind.String, "an ISO 8601 time", e => e.GetString());
                if (text is null)
                {
                    return null;
                }

                var t = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
                var hasOffset = t > 0 && text[t..].IndexOfAny(['Z', 'z', '+', '-']) > 0;
                return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                    ? at
                    : Fail<DateTimeOffset?>(Path(name), $"'{text}' is not an ISO 8601 time with an offset (e.g. 2026-05-04T09:00:00+02:00)");
            }

            public TEnum? Enum<TEnum>(string name, Dictionary<string, TEnum> names)
                where TEnum : struct
            {
                var text = Value(name, false, JsonValueKind.String, "a string", e => e.GetString());
                if (text is null)
                {
                    return null;
                }

                return names.TryGetValue(text.ToLowerInvariant(), out var value)
                    ? value
                    : Fail<TEnum?>(Path(name), $"'{text}' is not one of {string.Join(", ", names.Keys.Where(k => !k.Contains('-', StringComparison.Ordinal)))}");
            }

            public IReadOnlyList<DayOfWeek>? Days(string name)
            {
                if (!Get(name, out var e, out var at))
                {
                    return null;
                }

                if (e.ValueKind != JsonValueKind.Array)
                {
                    return Fail<IReadOnlyList<DayOfWeek>?>(at, "must be a list of days (mon … sun)");
                }

                var days = new List<DayOfWeek>();
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    var itemPath = string.Create(CultureInfo.InvariantCulture, $"{at}[{i++}]");
                    if (item.ValueKind == JsonValueKind.String && DayOf(item.GetString()) is { } day)
                    {
                        days.Add(day);
                    }
                    else
                    {
                        reader.Problems.Add(new(itemPath, $"{item.GetRawText()} is not a day (mon, tue, wed, thu, fri, sat, sun)"));
                    }
                }

                return days;
            }

            public T? Object<T>(string name, bool required, Func<Fields, T> read)
                where T : class
            {
                if (!Get(name, out var e, out var at))
                {
                    if (required)
                    {
                        reader.Problems.Add(new(at, "is required"));
                    }

                    return null;
                }

                if (e.ValueKind == JsonValueKind.Null && !required)
                {
                    return null;
                }

                if (e.ValueKind != JsonValueKind.Object)
                {
                    return Fail<T?>(at, "must be an object");
                }

                var fields = new Fields(reader, e, at);
                var value = read(fields);
                fields.ReportUnknown();
                return value;
            }

            public IReadOnlyList<T>? Array<T>(string name, bool required, Func<Fields, T> read)
                where T : class
            {
                if (!Get(name, out var e, out var at))
                {
                    if (required)
                    {
                        reader.Problems.Add(new(at, "is required"));
                    }

                    return null;
                }

                if (e.ValueKind != JsonValueKind.Array)
                {
                    return Fail<IReadOnlyList<T>?>(at, "must be a list");
                }

                var items = new List<T>();
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    var itemPath = string.Create(CultureInfo.InvariantCulture, $"{at}[{i++}]");
                    if (item.ValueKind != JsonValueKind.Object)
                    {
                        reader.Problems.Add(new(itemPath, "must be an object"));
                        continue;
                    }

                    var fields = new Fields(reader, item, itemPath);
                    items.Add(read(fields));
                    fields.ReportUnknown();
                }

                return items;
            }

            public void ReportUnknown()
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (!_read.Contains(property.Name))
                    {
                        reader.Problems.Add(new(Path(property.Name), "is not a field of a campaign here"));
                    }
                }
            }

            private T? Value<T>(string name, bool required, JsonValueKind kind, string what, Func<JsonElement, T?> read)
            {
                if (!Get(name, out var e, out var at))
                {
                    if (required)
                    {
                        reader.Problems.Add(new(at, "is required"));
                    }

                    return default;
                }

                return e.ValueKind == kind ? read(e) : Fail<T>(at, $"must be {what}");
            }

            /// <summary>The field named <paramref name="name"/> (any case); false when it is absent or null.</summary>
            private bool Get(string name, out JsonElement value, out string at)
            {
                at = Path(name);
                _read.Add(name);
                foreach (var property in element.EnumerateObject())
                {
                    if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        _read.Add(property.Name);
                        value = property.Value;
                        return value.ValueKind != JsonValueKind.Null;
                    }
                }

                value = default;
                return false;
            }

            private T? Fail<T>(string at, string message)
            {
                reader.Problems.Add(new(at, message));
                return default;
            }

            private string Path(string name) => path.Length == 0 ? name : path + "." + name;

            private static DayOfWeek? DayOf(string? text) => text?.Trim().ToLowerInvariant() switch
            {
                "mon" or "monday" => DayOfWeek.Monday,
                "tue" or "tuesday" => DayOfWeek.Tuesday,
                "wed" or "wednesday" => DayOfWeek.Wednesday,
                "thu" or "thursday" => DayOfWeek.Thursday,
                "fri" or "friday" => DayOfWeek.Friday,
                "sat" or "saturday" => DayOfWeek.Saturday,
                "sun" or "sunday" => DayOfWeek.Sunday,
                _ => null,
            };
        }
    }
}
