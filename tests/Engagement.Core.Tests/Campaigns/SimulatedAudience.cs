using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Engagement.Core.Campaigns;
using Engagement.Core.Workflows;

namespace Engagement.Core.Tests.Campaigns;

/// <summary>
/// A segment of recipients that answers a campaign's commands the way the Infrastructure activities would: a snapshot
/// split by <see cref="CampaignCells"/>, plans made by <see cref="SendTimePlanner"/>, sends recorded once per recipient
/// and step, and opens and clicks drawn per recipient, step and variant from fixed rates by a hash (no randomness).
/// </summary>
internal sealed class SimulatedAudience
{
    private readonly List<string> _members;
    private readonly Dictionary<string, CellAssignment> _snapshot = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(DateTimeOffset At, string Subject, string Variant)>> _plans = new(StringComparer.Ordinal);

    public SimulatedAudience(int members, int excluded = 0)
    {
        _members = Enumerable.Range(1, members).Select(i => string.Create(CultureInfo.InvariantCulture, $"s{i:D6}")).ToList();
        Excluded = excluded;
    }

    /// <summary>Members the contact policy leaves out (the first ones).</summary>
    public int Excluded { get; }

    /// <summary>Open rate per variant (per delivered message).</summary>
    public Dictionary<string, double> OpenRates { get; } = new(StringComparer.Ordinal) { ["a"] = 0.2, ["b"] = 0.2 };

    /// <summary>Share of openers who click.</summary>
    public double ClickShare { get; set; } = 0.3;

    /// <summary>Each recipient's preferred local hour, or null (no history).</summary>
    public Func<string, int?> PreferredHour { get; set; } = _ => null;

    /// <summary>Every send made: (step, subject) → variant and the input of the batch that sent it.</summary>
    public Dictionary<(string Step, string Subject), (string Variant, SendSlot Batch)> Sent { get; } = [];

    /// <summary>Sends attempted for a recipient and step already sent (must stay 0: the ledger would refuse them).</summary>
    public int DuplicateSends { get; private set; }

    /// <summary>How many times each command id ran.</summary>
    public Dictionary<string, int> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs a command and answers as its activity would.</summary>
    public JsonElement Run(WorkflowCommand command, DateTimeOffset now)
    {
        Runs[command.Id] = Runs.GetValueOrDefault(command.Id) + 1;
        return command.Activity switch
        {
            CampaignActivities.ResolveAudience => WorkflowJson.Write(Resolve(WorkflowJson.Read<ResolveAudience>(command.Input))),
            CampaignActivities.PlanStep => WorkflowJson.Write(Plan(WorkflowJson.Read<PlanStep>(command.Input), now)),
            CampaignActivities.SendSlot => WorkflowJson.Write(Send(WorkflowJson.Read<SendSlot>(command.Input))),
            CampaignActivities.Measure => WorkflowJson.Write(Measure(WorkflowJson.Read<MeasureCampaign>(command.Input))),
            _ => WorkflowJson.Write(new { }),
        };
    }

    /// <summary>Whether the recipient opened their message of a step (drawn by hash from the variant's rate).</summary>
    public bool Opened(string subject, string step, string variant) => Draw(subject, step, "open") < OpenRates.GetValueOrDefault(variant);

    /// <summary>Whether the recipient clicked in their message of a step.</summary>
    public bool Clicked(string subject, string step, string variant) => Opened(subject, step, variant) && Draw(subject, step, "click") < ClickShare;

    /// <summary>The recipient's cell in the snapshot.</summary>
    public CellAssignment CellOf(string subject) => _snapshot[subject];

    private AudienceResolved Resolve(ResolveAudience input)
    {
        if (_snapshot.Count == 0)
        {
            foreach (var member in _members.Skip(Excluded))
            {
                _snapshot[member] = CampaignCells.Assign(input.CampaignId, input.Cells, member);
            }
        }

        var cells = CampaignCells.Cells(input.Cells)
            .Select(c => new CellCount(c.Cell, c.Variant, _snapshot.Values.Count(v => v.Cell == c.Cell)))
            .ToList();
        var excluded = Excluded == 0 ? new Dictionary<string, long>() : new Dictionary<string, long> { [ExclusionReasons.NoLawfulBasis] = Excluded };
        return new AudienceResolved(_snapshot.Count, excluded, cells);
    }

    private StepPlanned Plan(PlanStep input, DateTimeOffset now)
    {
        var zone = input.SendTime.ZoneOf(null);
        long skipped = 0;
        if (!_plans.TryGetValue(input.Step, out var plan))
        {
            IEnumerable<(string Subject, string Variant)> recipients;
            if (input.Reminder is { } reminder)
            {
                var earlier = Sent.Where(s => reminder.AfterSteps.Contains(s.Key.Step)).ToList();
                var reacted = earlier.Where(s => reminder.To == ReminderAudience.NonOpeners
                        ? Opened(s.Key.Subject, s.Key.Step, s.Value.Variant)
                        : Clicked(s.Key.Subject, s.Key.Step, s.Value.Variant))
                    .Select(s => s.Key.Subject).ToHashSet(StringComparer.Ordinal);
                recipients = earlier.Where(s => !reacted.Contains(s.Key.Subject)).Select(s => (s.Key.Subject, s.Value.Variant)).DistinctBy(s => s.Subject);
                skipped = reacted.Count;
            }
            else
            {
                var cells = input.Cells.ToDictionary(c => c.Cell, c => c.Variant, StringComparer.Ordinal);
                recipients = _snapshot.Where(s => cells.ContainsKey(s.Value.Cell)).Select(s => (s.Key, cells[s.Value.Cell]));
            }

            plan = recipients
                .Select(r => (At: SendTimePlanner.Plan(input.StepStart, zone, Profile(r.Subject), null, input.SendTime), r.Subject, r.Variant))
                .OrderBy(r => r.At).ThenBy(r => r.Subject, StringComparer.Ordinal)
                .ToList();
            _plans[input.Step] = plan;
            _reminderSkipped = skipped;
        }

        return new StepPlanned(plan.GroupBy(p => p.At).Select(g => new PlannedSlot(g.Key, g.Count())).ToList(), input.Reminder is null ? 0 : _reminderSkipped);
    }

    private long _reminderSkipped;

    private HourProfile? Profile(string subject)
    {
        if (PreferredHour(subject) is not { } hour)
        {
            return null;
        }

        var weights = new double[24];
        weights[hour] = 1;
        return new HourProfile(weights);
    }

    private SlotSent Send(SendSlot input)
    {
        var recipients = _plans[input.Step].Where(p => p.At == input.SlotAt).Skip((int)input.Skip).Take(input.Take).ToList();
        foreach (var r in recipients)
        {
            if (!Sent.TryAdd((input.Step, r.Subject), (r.Variant, input)))
            {
                DuplicateSends++;
            }
        }

        return new SlotSent(recipients.GroupBy(r => r.Variant).Select(g => new VariantSendCount(g.Key, g.Count(), 0, 0)).ToList());
    }

    private CampaignMeasurement Measure(MeasureCampaign input)
    {
        var rows = Sent.Where(s => input.Steps.Contains(s.Key.Step))
            .GroupBy(s => (s.Key.Step, s.Value.Variant))
            .Select(g => new StepVariantMeasurement(
                g.Key.Step,
                g.Key.Variant,
                g.Count(),
                g.Count(),
                g.Count(s => Opened(s.Key.Subject, s.Key.Step, s.Value.Variant)),
                g.Count(s => Clicked(s.Key.Subject, s.Key.Step, s.Value.Variant))))
            .ToList();
        return new CampaignMeasurement(rows);
    }

    private static double Draw(string subject, string step, string what)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{subject}|{step}|{what}"));
        return BitConverter.ToUInt32(hash, 0) / (double)uint.MaxValue;
    }
}
