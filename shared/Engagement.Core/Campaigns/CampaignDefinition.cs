using System.Globalization;
using System.Text.Json.Serialization;

namespace Engagement.Core.Campaigns;

/// <summary>What an A/B test compares the variants by.</summary>
public enum AbTestMetric
{
    /// <summary>Unique opens per delivered message.</summary>
    Opens,
    /// <summary>Unique clicks per delivered message.</summary>
    Clicks,
    /// <summary>Conversions (the campaign's conversion event, attributed to a click) per delivered message.</summary>
    Conversions,
}

/// <summary>Who a reminder goes to among the recipients of the campaign's earlier steps.</summary>
public enum ReminderAudience
{
    /// <summary>Those who have not opened any message of the campaign.</summary>
    NonOpeners,
    /// <summary>Those who have not clicked in any message of the campaign (openers included).</summary>
    NonClickers,
}

/// <summary>Who sends the campaign.</summary>
/// <param name="From">The From address (an e-mail address).</param>
/// <param name="Name">The display name beside it; null: the address alone.</param>
/// <param name="ReplyTo">The Reply-To address; null: replies go to <paramref name="From"/>.</param>
public sealed record CampaignSender(string From, string? Name = null, string? ReplyTo = null);

/// <summary>One version of the campaign's message.</summary>
/// <param name="Id">Its id: letters, digits, '-' and '_' (it is part of every Message-ID, <see cref="CampaignMessageId.IsPart"/>), at most 40 characters.</param>
/// <param name="TemplateId">The e-mail template it renders.</param>
/// <param name="Subject">A subject replacing the template's; null: the template's own.</param>
public sealed record CampaignVariant(string Id, string TemplateId, string? Subject = null);

/// <summary>
/// The A/B test: a share of the audience, spread evenly over the variants, gets the test; after the wait the variant
/// that beats the default at the asked confidence (each arm with at least the minimum sample) goes to the rest, else
/// the default does.
/// </summary>
/// <param name="TestShare">The share of the audience in the test cells, above 0 and below 1 (the rest is the holdout).</param>
/// <param name="Metric">What the variants are compared by.</param>
/// <param name="DecideAfterHours">Hours after the last test message went out before measuring and deciding (above 0, at most 720; fractions allowed).</param>
/// <param name="MinimumSamplePerVariant">Delivered messages every variant needs before any winner is named (at least 30, where the normal approximation of the test holds).</param>
/// <param name="Confidence">How sure the test must be (1 − p), from 0.5 to 0.999; 0.95 by default.</param>
public sealed record AbTestPlan(double TestShare, AbTestMetric Metric, double DecideAfterHours, int MinimumSamplePerVariant, double Confidence = AbTestPlan.DefaultConfidence)
{
    /// <summary>The confidence when none is given.</summary>
    public const double DefaultConfidence = 0.95;
}

/// <summary>A reminder to the recipients of the earlier steps who did not react.</summary>
/// <param name="AfterDays">Days after the last message of the earlier steps went out (above 0, at most 90; fractions allowed).</param>
/// <param name="To">Who gets it.</param>
/// <param name="Subject">Its own subject.</param>
/// <param name="TemplateId">Its own template; null: each recipient gets the template of the variant they got before.</param>
public sealed record ReminderPlan(double AfterDays, ReminderAudience To, string Subject, string? TemplateId = null);

/// <summary>
/// When messages may go out, in the recipient's local time: from <paramref name="From"/> (inclusive) to
/// <paramref name="To"/> (exclusive) on the given days. A window whose end is before its start spans midnight (the day
/// is the day it opens on).
/// </summary>
/// <param name="From">Local opening time, e.g. 08:00.</param>
/// <param name="To">Local closing time, e.g. 20:00; differs from <paramref name="From"/>.</param>
/// <param name="Days">The days it is open (at least one; all seven by default).</param>
public sealed record SendWindow(TimeOnly From, TimeOnly To, IReadOnlyList<DayOfWeek> Days);

/// <summary>Local hours when nobody is sent anything, from <paramref name="From"/> (inclusive) to <paramref name="To"/> (exclusive); 21:00 to 08:00 spans midnight.</summary>
/// <param name="From">When they begin.</param>
/// <param name="To">When they end; differs from <paramref name="From"/>.</param>
public sealed record QuietHours(TimeOnly From, TimeOnly To);

/// <summary>How many marketing messages, over all campaigns, one contact may get; at least one of the two is set.</summary>
/// <param name="PerDay">At most this many per contact in any 24 hours; null: no daily cap.</param>
/// <param name="PerWeek">At most this many per contact in any 7 days; null: no weekly cap.</param>
public sealed record FrequencyCap(int? PerDay = null, int? PerWeek = null);

/// <summary>What counts as a conversion of the campaign.</summary>
/// <param name="Event">The track event's name (e.g. <c>Order Completed</c>).</param>
/// <param name="AttributionDays">How long after a click a conversion is credited to it (above 0, at most 90). The final report waits this long after the last send.</param>
public sealed record ConversionGoal(string Event = ConversionGoal.DefaultEvent, double AttributionDays = ConversionGoal.DefaultAttributionDays)
{
    /// <summary>The conversion event when none is given.</summary>
    public const string DefaultEvent = "Order Completed";

    /// <summary>The attribution window in days when none is given.</summary>
    public const double DefaultAttributionDays = 7;
}

/// <summary>One thing wrong with a campaign definition, with the JSON path of the field (<c>variants[1].templateId</c>; empty for the whole).</summary>
/// <param name="Path">Where, as a JSON path relative to the request body.</param>
/// <param name="Message">What is wrong, for the marketer.</param>
public sealed record CampaignProblem(string Path, string Message)
{
    /// <summary><c>path: message</c>.</summary>
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

/// <summary>
/// A marketer's campaign (<c>POST /api/campaigns</c>): who gets which message, how variants are tested, when messages
/// may go out and how often a contact may be written to. Read from JSON by <see cref="CampaignDefinitionReader"/>;
/// <see cref="Problems"/> holds every rule.
/// </summary>
/// <param name="Id">The campaign id (letters, digits, '-' and '_', at most 64); null: the caller generates one.</param>
/// <param name="Name">A name for people and reports.</param>
/// <param name="SegmentId">The segment whose members are the audience.</param>
/// <param name="Purpose">The consent purpose the messages rest on (<c>marketing</c> by default); the contact policy decides each recipient by it.</param>
/// <param name="Sender">Who sends.</param>
/// <param name="Variants">The message's versions (1 to <see cref="MaxVariants"/>).</param>
/// <param name="DefaultVariant">The variant sent when there is no test or the test is inconclusive (the control of the test); null: the first.</param>
/// <param name="AbTest">The A/B test; null: everyone gets the default variant. Needs at least two variants.</param>
/// <param name="Reminder">The reminder; null: none.</param>
/// <param name="SendWindow">When messages may go out in the recipient's local time; null: any time.</param>
/// <param name="QuietHours">When no message goes out in the recipient's local time; null: none.</param>
/// <param name="TimeZone">The IANA time zone of recipients whose own is not known (<c>Europe/Prague</c> by default).</param>
/// <param name="SendTimeOptimisation">Whether each recipient gets the message at the hour they usually open or click (see <see cref="SendTimePlanner"/>).</param>
/// <param name="DefaultSendHour">Under send-time optimisation, the local hour (0–23) for recipients with no history in a segment with none; null: as soon as the step starts.</param>
/// <param name="ThroughputPerMinute">At most this many messages a minute (1 to 1,000,000); null: as fast as the relay takes them.</param>
/// <param name="FrequencyCap">The cap over all campaigns; null: none.</param>
/// <param name="InactiveMonths">Leaves out contacts with no activity in this many months (1 to 120); null: nobody is left out for inactivity.</param>
/// <param name="StartAt">When the campaign starts (not more than a minute in the past when submitted); null: at once.</param>
/// <param name="Conversion">What counts as a conversion; null: <see cref="ConversionGoal.DefaultEvent"/> within <see cref="ConversionGoal.DefaultAttributionDays"/> days.</param>
public sealed record CampaignDefinition(
    string? Id,
    string Name,
    string SegmentId,
    string Purpose,
    CampaignSender Sender,
    IReadOnlyList<CampaignVariant> Variants,
    string? DefaultVariant = null,
    AbTestPlan? AbTest = null,
    ReminderPlan? Reminder = null,
    SendWindow? SendWindow = null,
    QuietHours? QuietHours = null,
    string TimeZone = CampaignDefinition.DefaultTimeZone,
    bool SendTimeOptimisation = false,
    int? DefaultSendHour = null,
    int? ThroughputPerMinute = null,
    FrequencyCap? FrequencyCap = null,
    int? InactiveMonths = null,
    DateTimeOffset? StartAt = null,
    ConversionGoal? Conversion = null)
{
    /// <summary>The most variants a campaign may have.</summary>
    public const int MaxVariants = 10;

    /// <summary>The purpose when none is given.</summary>
    public const string DefaultPurpose = "marketing";

    /// <summary>The time zone when none is given.</summary>
    public const string DefaultTimeZone = "Europe/Prague";

    /// <summary>The longest campaign id.</summary>
    public const int MaxIdLength = 64;

    /// <summary>The longest variant id.</summary>
    public const int MaxVariantIdLength = 40;

    /// <summary>How far in the past <see cref="StartAt"/> may lie when the campaign is submitted (clocks differ).</summary>
    public static readonly TimeSpan StartTolerance = TimeSpan.FromMinutes(1);

    /// <summary>The default variant's id in effect.</summary>
    [JsonIgnore]
    public string DefaultVariantInEffect => DefaultVariant ?? (Variants is { Count: > 0 } ? Variants[0].Id : string.Empty);

    /// <summary>The conversion goal in effect.</summary>
    [JsonIgnore]
    public ConversionGoal ConversionInEffect => Conversion ?? new ConversionGoal();

    /// <summary>The variant with id <paramref name="id"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such variant.</exception>
    public CampaignVariant Variant(string id) =>
        Variants.FirstOrDefault(v => v.Id == id) ?? throw new KeyNotFoundException($"The campaign has no variant '{id}'.");

    /// <summary>
    /// Everything wrong with the definition, each with its JSON path (empty when it may run). With <paramref name="now"/>
    /// (when it is submitted) a start more than <see cref="StartTolerance"/> in the past is wrong too.
    /// </summary>
    public IReadOnlyList<CampaignProblem> Problems(DateTimeOffset? now = null)
    {
        var problems = new List<CampaignProblem>();
        void Add(string path, string message) => problems.Add(new CampaignProblem(path, message));

        if (Id is not null && (!CampaignMessageId.IsPart(Id) || Id.Length > MaxIdLength))
        {
            Add("id", $"use 1–{MaxIdLength} letters, digits, '-' or '_'");
        }

        Text(problems, "name", Name, 200);
        Text(problems, "segmentId", SegmentId, 200);
        Text(problems, "purpose", Purpose, 100);
        if (Sender is null)
        {
            Add("sender", "is required");
        }
        else
        {
            if (!IsAddress(Sender.From))
            {
                Add("sender.from", "must be an e-mail address");
            }

            if (Sender.Name is { Length: > 200 } || Sender.Name?.Any(char.IsControl) == true)
            {
                Add("sender.name", "must be at most 200 characters on one line");
            }

            if (Sender.ReplyTo is not null && !IsAddress(Sender.ReplyTo))
            {
                Add("sender.replyTo", "must be an e-mail address");
            }
        }

        VariantProblems(problems);
        AbTestProblems(problems);
        ReminderProblems(problems);
        ScheduleProblems(problems, now);

        if (ThroughputPerMinute is { } throughput && throughput is < 1 or > 1_000_000)
        {
            Add("throughputPerMinute", "must be from 1 to 1000000");
        }

        if (FrequencyCap is { } cap)
        {
            if (cap.PerDay is null && cap.PerWeek is null)
            {
                Add("frequencyCap", "set perDay, perWeek or both");
            }

            if (cap.PerDay is < 1)
            {
                Add("frequencyCap.perDay", "must be at least 1");
            }

            if (cap.PerWeek is < 1)
            {
                Add("frequencyCap.perWeek", "must be at least 1");
            }
            else if (cap is { PerDay: { } day, PerWeek: { } week } && week < day)
            {
                Add("frequencyCap.perWeek", "must be at least perDay");
            }
        }

        if (InactiveMonths is { } months && months is < 1 or > 120)
        {
            Add("inactiveMonths", "must be from 1 to 120");
        }

        if (Conversion is { } conversion)
        {
            Text(problems, "conversion.event", conversion.Event, 200);
            if (!(conversion.AttributionDays > 0 && conversion.AttributionDays <= 90))
            {
                Add("conversion.attributionDays", "must be above 0 and at most 90");
            }
        }

        return problems;
    }

    private void VariantProblems(List<CampaignProblem> problems)
    {
        if (Variants is null || Variants.Count == 0)
        {
            problems.Add(new("variants", "name at least one variant"));
            return;
        }

        if (Variants.Count > MaxVariants)
        {
            problems.Add(new("variants", $"at most {MaxVariants} variants, not {Variants.Count}"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Variants.Count; i++)
        {
            var path = Invariant($"variants[{i}]");
            var variant = Variants[i];
            if (variant is null)
            {
                problems.Add(new(path, "must be an object"));
                continue;
            }

            if (!CampaignMessageId.IsPart(variant.Id) || variant.Id.Length > MaxVariantIdLength)
            {
                problems.Add(new(path + ".id", $"use 1–{MaxVariantIdLength} letters, digits, '-' or '_'"));
            }
            else if (!seen.Add(variant.Id))
            {
                problems.Add(new(path + ".id", $"'{variant.Id}' is used by an earlier variant"));
            }

            Text(problems, path + ".templateId", variant.TemplateId, 200);
            if (variant.Subject is not null)
            {
                Subject(problems, path + ".subject", variant.Subject);
            }
        }

        if (DefaultVariant is not null && Variants.All(v => v?.Id != DefaultVariant))
        {
            problems.Add(new("defaultVariant", $"'{DefaultVariant}' is not one of the variants"));
        }
    }

    private void AbTestProblems(List<CampaignProblem> problems)
    {
        if (AbTest is not { } test)
        {
            return;
        }

        if (Variants is { Count: < 2 })
        {
            problems.Add(new("abTest", "an A/B test needs at least two variants"));
        }

        if (!(test.TestShare > 0 && test.TestShare < 1))
        {
            problems.Add(new("abTest.testShare", "must be above 0 and below 1 (the share of the audience in the test; the rest gets the winner)"));
        }

        if (!Enum.IsDefined(test.Metric))
        {
            problems.Add(new("abTest.metric", "must be opens, clicks or conversions"));
        }

        if (!(test.DecideAfterHours > 0 && test.DecideAfterHours <= 720))
        {
            problems.Add(new("abTest.decideAfterHours", "must be above 0 and at most 720"));
        }

        if (test.MinimumSamplePerVariant < 30)
        {
            problems.Add(new("abTest.minimumSamplePerVariant", "must be at least 30"));
        }

        if (!(test.Confidence >= 0.5 && test.Confidence <= 0.999))
        {
            problems.Add(new("abTest.confidence", "must be from 0.5 to 0.999"));
        }
    }

    private void ReminderProblems(List<CampaignProblem> problems)
    {
        if (Reminder is not { } reminder)
        {
            return;
        }

        if (!(reminder.AfterDays > 0 && reminder.AfterDays <= 90))
        {
            problems.Add(new("reminder.afterDays", "must be above 0 and at most 90"));
        }

        if (!Enum.IsDefined(reminder.To))
        {
            problems.Add(new("reminder.to", "must be nonOpeners or nonClickers"));
        }

        Subject(problems, "reminder.subject", reminder.Subject);
        if (reminder.TemplateId is not null)
        {
            Text(problems, "reminder.templateId", reminder.TemplateId, 200);
        }
    }

    private void ScheduleProblems(List<CampaignProblem> problems, DateTimeOffset? now)
    {
        if (SendWindow is { } window)
        {
            if (window.From == window.To)
            {
                problems.Add(new("sendWindow.to", "must differ from sendWindow.from"));
            }

            if (window.Days is null || window.Days.Count == 0)
            {
                problems.Add(new("sendWindow.days", "name at least one day"));
            }
            else if (window.Days.Any(d => !Enum.IsDefined(d)))
            {
                problems.Add(new("sendWindow.days", "holds an unknown day"));
            }
            else if (window.Days.Distinct().Count() != window.Days.Count)
            {
                problems.Add(new("sendWindow.days", "must not repeat a day"));
            }
        }

        if (QuietHours is { } quiet && quiet.From == quiet.To)
        {
            problems.Add(new("quietHours.to", "must differ from quietHours.from"));
        }

        if (SendWindow is { } w && w.From != w.To && QuietHours is { } q && q.From != q.To
            && !Enumerable.Range(0, 24 * 60).Any(m => SendTimeRules.Within(TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(m)), w.From, w.To)
                && !SendTimeRules.Within(TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(m)), q.From, q.To)))
        {
            problems.Add(new("quietHours", "cover the whole send window: no message could ever go out"));
        }

        if (string.IsNullOrWhiteSpace(TimeZone))
        {
            problems.Add(new("timeZone", "is required (an IANA name such as Europe/Prague)"));
        }
        else if (!SendTimeRules.TryFindTimeZone(TimeZone, out _))
        {
            problems.Add(new("timeZone", $"'{TimeZone}' is not a known IANA time zone (such as Europe/Prague)"));
        }

        if (DefaultSendHour is { } hour && hour is < 0 or > 23)
        {
            problems.Add(new("defaultSendHour", "must be from 0 to 23"));
        }

        if (StartAt is { } start && now is { } submitted && start < submitted - StartTolerance)
        {
            problems.Add(new("startAt", Invariant($"{start:u} is in the past (now {submitted:u})")));
        }
    }

    private static void Text(List<CampaignProblem> problems, string path, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add(new(path, "is required"));
        }
        else if (value.Length > maxLength || value.Any(char.IsControl))
        {
            problems.Add(new(path, Invariant($"must be at most {maxLength} characters on one line")));
        }
    }

    private static void Subject(List<CampaignProblem> problems, string path, string? subject)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            problems.Add(new(path, "must not be blank"));
        }
        else if (subject.Length > 500 || subject.Any(char.IsControl))
        {
            problems.Add(new(path, "must be at most 500 characters on one line"));
        }
    }

    private static bool IsAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Length > 254 || address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or ',' or ';' or '"'))
        {
            return false;
        }

        var at = address.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == address.LastIndexOf('@') && at < address.Length - 1 && address[(at + 1)..].Contains('.', StringComparison.Ordinal)
            && !address.EndsWith('.');
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
