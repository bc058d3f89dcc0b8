using System.Text.Json.Serialization;
using Engagement.Core.Consent;

namespace Engagement.Core.ConsentDrives;

/// <summary>A channel a consent drive asks over.</summary>
public enum DriveChannel
{
    /// <summary>Consent forms on the web: the portal pop-up and the injection page, in variants.</summary>
    WebForm,
    /// <summary>Lists of contacts for call-centre agents to ask.</summary>
    CallCentre,
    /// <summary>Lists of contacts for store staff to ask at their next visit.</summary>
    Store,
    /// <summary>Consent request e-mails (double opt-in), sent in waves.</summary>
    Email,
    /// <summary>Consent request SMS (reply ANO/NE), sent in waves.</summary>
    Sms,
}

/// <summary>Where a form variant is shown.</summary>
public enum FormPlacement
{
    /// <summary>The pop-up shown in the customer portal after login.</summary>
    PortalPopup,
    /// <summary>The full-page consent page shown before the portal.</summary>
    InjectionPage,
}

/// <summary>
/// The shape of the planned opt-in share between the drive's start and its deadline, where it reaches the target.
/// With <c>f</c> the elapsed fraction of the drive (0 at the start, 1 at the deadline), the plan stands at
/// <c>baseline + (target − baseline) · shape(f)</c>; see <see cref="DrivePlanCurve"/>.
/// </summary>
public enum PlanCurve
{
    /// <summary><c>shape(f) = f</c>: the same gain every day.</summary>
    Linear,
    /// <summary>
    /// <c>shape(f) = 1 − (1 − f)²</c>: most of the gain early, when the willing are asked first (a quarter of the way in,
    /// the plan expects 44 % of the gain; half-way, 75 %).
    /// </summary>
    FrontLoaded,
}

/// <summary>A variant of the consent form, shown in one placement; variants compete for displays.</summary>
/// <param name="Id">Its id: lower-case letters, digits and hyphens (it appears in command inputs and reports).</param>
/// <param name="Placement">Where it is shown.</param>
/// <param name="Description">What differs in it (wording, layout), for people.</param>
public sealed record FormVariant(string Id, FormPlacement Placement, string? Description = null);

/// <summary>One channel of a drive's plan.</summary>
/// <param name="Channel">The channel; each appears once in a plan.</param>
/// <param name="NotBefore">The earliest time the channel may open; null: any time.</param>
/// <param name="BatchSize">
/// E-mail, SMS: contacts per wave; call centre, store: contacts per list (both ≥ 1). Web forms: the most displays per
/// review period over all variants; 0 for no limit beyond the per-contact caps.
/// </param>
/// <param name="MaxWaves">E-mail, SMS: the most waves; call centre, store: the most lists (both ≥ 1). Web forms: 0.</param>
/// <param name="Variants">Web forms only: the form variants (at least one).</param>
public sealed record DriveChannelPlan(
    DriveChannel Channel,
    DateTimeOffset? NotBefore = null,
    int BatchSize = 0,
    int MaxWaves = 0,
    IReadOnlyList<FormVariant>? Variants = null)
{
    /// <summary>Whether the channel reaches people in batches (waves or lists) rather than by forms.</summary>
    [JsonIgnore]
    public bool IsOutreach => Channel != DriveChannel.WebForm;
}

/// <summary>How often one contact may be shown a consent form during a drive.</summary>
/// <param name="PerDay">At most this many displays per contact per day (per review period when reviews are more frequent).</param>
/// <param name="Total">At most this many displays per contact over the whole drive.</param>
public sealed record DisplayCaps(int PerDay = 1, int Total = 5);

/// <summary>
/// Who a drive asks: the contacts that lacked consent for every one of the drive's purposes when it started (by the
/// ledger's status as of <see cref="ConsentDriveInput.StartsAt"/>), narrowed by segment and provenance. Membership is
/// fixed at the start, so the opt-in share has one denominator for the whole drive.
/// </summary>
/// <param name="Segments">Only contacts in at least one of these segments (profile segment tags); empty or null: any.</param>
/// <param name="Provenances">Only contacts of these provenances; empty or null: any.</param>
public sealed record DriveAudience(IReadOnlyList<string>? Segments = null, IReadOnlyList<ContactProvenance>? Provenances = null);

/// <summary>What starts a consent-collection drive (<c>POST /api/consent-drives</c>).</summary>
/// <param name="Name">A name for people and reports.</param>
/// <param name="Purposes">The purposes asked for; a contact counts as opted in once consent is granted for every one.</param>
/// <param name="Audience">Who is asked; null: every contact lacking consent.</param>
/// <param name="TargetOptInShare">The share of the audience to have opted in by the deadline, above 0 and at most 1.</param>
/// <param name="StartsAt">When the drive starts (its first review).</param>
/// <param name="Deadline">When it stops whatever the share.</param>
/// <param name="Channels">
/// The plan, in order: the first channel opens at the start (or at its <see cref="DriveChannelPlan.NotBefore"/>); each
/// later one opens only as an escalation, when the share lags behind the plan curve.
/// </param>
/// <param name="Seed">Seeds the sampling of form variants: the same input and signals give the same decisions.</param>
/// <param name="Caps">Display caps per contact; null: 1 a day, 5 in all.</param>
/// <param name="ReviewEvery">Time between reviews; null: one day. Shorter works the same (tests and demos compress days into seconds).</param>
/// <param name="Curve">The shape of the plan curve.</param>
/// <param name="LagTolerance">How far (share points, e.g. 0.02 = 2 %) the share may fall behind the plan before the drive escalates.</param>
/// <param name="MaxAttempts">How many times a failed command is run (the first time and retries at later reviews) before the drive gives up on it.</param>
/// <param name="ReactivateUnknownProvenance">Whether contacts of unknown provenance get a reactivation wave (once; e-mail first, SMS where there is no e-mail).</param>
public sealed record ConsentDriveInput(
    string Name,
    IReadOnlyList<string> Purposes,
    DriveAudience? Audience,
    double TargetOptInShare,
    DateTimeOffset StartsAt,
    DateTimeOffset Deadline,
    IReadOnlyList<DriveChannelPlan> Channels,
    int Seed,
    DisplayCaps? Caps = null,
    TimeSpan? ReviewEvery = null,
    PlanCurve Curve = PlanCurve.Linear,
    double LagTolerance = 0.02,
    int MaxAttempts = 3,
    bool ReactivateUnknownProvenance = true)
{
    /// <summary>The review cadence when none is given.</summary>
    public static readonly TimeSpan DefaultReviewEvery = TimeSpan.FromDays(1);

    /// <summary>The display caps when none are given.</summary>
    public static readonly DisplayCaps DefaultCaps = new();

    /// <summary>The time between reviews in effect.</summary>
    [JsonIgnore]
    public TimeSpan Cadence => ReviewEvery ?? DefaultReviewEvery;

    /// <summary>The display caps in effect.</summary>
    [JsonIgnore]
    public DisplayCaps CapsInEffect => Caps ?? DefaultCaps;

    /// <summary>The audience in effect.</summary>
    [JsonIgnore]
    public DriveAudience AudienceInEffect => Audience ?? new DriveAudience();

    /// <summary>The plan's web-form channel, when it has one.</summary>
    [JsonIgnore]
    public DriveChannelPlan? WebForms => Channels?.FirstOrDefault(c => c.Channel == DriveChannel.WebForm);

    /// <summary>What is wrong with the input (empty when a drive may start with it).</summary>
    public IReadOnlyList<string> Problems()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("name is required");
        }

        if (Purposes is null || Purposes.Count == 0)
        {
            errors.Add("purposes: name at least one purpose to ask for");
        }
        else if (Purposes.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("purposes must not be blank");
        }
        else if (Purposes.Distinct(StringComparer.Ordinal).Count() != Purposes.Count)
        {
            errors.Add("purposes must not repeat");
        }

        if (Audience?.Segments is { } segments && segments.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("audience.segments must not be blank");
        }

        if (Audience?.Provenances is { } provenances && provenances.Any(p => !Enum.IsDefined(p)))
        {
            errors.Add("audience.provenances holds an unknown provenance");
        }

        if (!(TargetOptInShare > 0 && TargetOptInShare <= 1))
        {
            errors.Add($"targetOptInShare must be above 0 and at most 1 (a share, e.g. 0.4 for 40 %), not {TargetOptInShare.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        if (Deadline <= StartsAt)
        {
            errors.Add("deadline must be after startsAt");
        }

        if (ReviewEvery is { } every && every <= TimeSpan.Zero)
        {
            errors.Add("reviewEvery must be positive");
        }
        else if (Deadline > StartsAt && Cadence > Deadline - StartsAt)
        {
            errors.Add("reviewEvery must not be longer than the drive (startsAt to deadline)");
        }

        if (Caps is { } caps && (caps.PerDay < 1 || caps.Total < caps.PerDay))
        {
            errors.Add("caps: perDay must be at least 1 and total at least perDay");
        }

        if (!(LagTolerance >= 0 && LagTolerance < 1))
        {
            errors.Add("lagTolerance must be at least 0 and below 1 (share points, e.g. 0.02)");
        }

        if (MaxAttempts < 1)
        {
            errors.Add("maxAttempts must be at least 1");
        }

        if (!Enum.IsDefined(Curve))
        {
            errors.Add("curve must be linear or frontLoaded");
        }

        errors.AddRange(PlanProblems());
        return errors;
    }

    private IEnumerable<string> PlanProblems()
    {
        if (Channels is null || Channels.Count == 0)
        {
            yield return "channels: the plan needs at least one channel";
            yield break;
        }

        if (Channels.Any(c => c is null))
        {
            yield return "channels must not hold null entries";
            yield break;
        }

        foreach (var repeated in Channels.GroupBy(c => c.Channel).Where(g => g.Count() > 1))
        {
            yield return $"channels: {DriveChannels.Key(repeated.Key)} appears more than once in the plan";
        }

        foreach (var plan in Channels)
        {
            var key = DriveChannels.Key(plan.Channel);
            if (!Enum.IsDefined(plan.Channel))
            {
                yield return "channels holds an unknown channel";
                continue;
            }

            if (plan.NotBefore is { } notBefore && notBefore >= Deadline)
            {
                yield return $"{key}: notBefore must be before the deadline, or the channel could never open";
            }

            if (plan.IsOutreach)
            {
                if (plan.BatchSize < 1 || plan.MaxWaves < 1)
                {
                    yield return $"{key}: batchSize and maxWaves must be at least 1";
                }

                if (plan.Variants is { Count: > 0 })
                {
                    yield return $"{key}: only webForm has form variants";
                }

                continue;
            }

            if (plan.BatchSize < 0)
            {
                yield return $"{key}: batchSize (displays per review) must be 0 (no limit) or more";
            }

            if (plan.MaxWaves != 0)
            {
                yield return $"{key}: forms are shown, not sent in waves; leave maxWaves out";
            }

            if (plan.Variants is null || plan.Variants.Count == 0)
            {
                yield return $"{key}: name at least one form variant";
                continue;
            }

            foreach (var variant in plan.Variants)
            {
                if (variant is null || string.IsNullOrEmpty(variant.Id) || variant.Id.Length > 40 || !variant.Id.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
                {
                    yield return $"{key}: a variant id must be 1–40 lower-case letters, digits or hyphens, not '{variant?.Id}'";
                }
                else if (!Enum.IsDefined(variant.Placement))
                {
                    yield return $"{key}: variant {variant.Id} has an unknown placement";
                }
            }

            if (plan.Variants.Where(v => v is not null).GroupBy(v => v.Id, StringComparer.Ordinal).Any(g => g.Count() > 1))
            {
                yield return $"{key}: variant ids must not repeat";
            }
        }
    }
}

/// <summary>How channels are named in command ids, notes and reports.</summary>
public static class DriveChannels
{
    /// <summary>The channel's key: <c>web-form</c>, <c>call-centre</c>, <c>store</c>, <c>email</c>, <c>sms</c>.</summary>
    public static string Key(DriveChannel channel) => channel switch
    {
        DriveChannel.WebForm => "web-form",
        DriveChannel.CallCentre => "call-centre",
        DriveChannel.Store => "store",
        DriveChannel.Email => "email",
        DriveChannel.Sms => "sms",
        _ => channel.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether the channel sends waves (e-mail, SMS) rather than call or store lists.</summary>
    public static bool SendsWaves(DriveChannel channel) => channel is DriveChannel.Email or DriveChannel.Sms;
}
