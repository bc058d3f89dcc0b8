using System.Globalization;
using System.Text.Json;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Workflows;

namespace Engagement.Core.Tests.ConsentDrives;

/// <summary>
/// A seeded population of contacts that answers a drive's commands as the activities must: measures it, shows forms by
/// the allocation in force when people visit the portal, sends waves and lists only to the not yet asked (continuing from
/// the cursor), and reactivates contacts of unknown provenance. It records what it was asked so tests can check the drive.
/// </summary>
internal sealed class SimulatedPopulation
{
    private readonly Random _random;
    private readonly Contact[] _contacts;
    private readonly Dictionary<string, (long Displays, long Conversions)> _variants = new(StringComparer.Ordinal);
    private readonly Dictionary<DriveChannel, long> _conversions = [];
    private readonly Dictionary<DriveChannel, string?> _cursors = [];
    private readonly Dictionary<string, JsonElement> _answers = new(StringComparer.Ordinal);
    private FormAllocation? _allocation;

    /// <param name="size">Contacts in the audience (none opted in).</param>
    /// <param name="seed">Seeds who has which address, who visits and who converts.</param>
    /// <param name="emailShare">Share of contacts with an e-mail address.</param>
    /// <param name="phoneShare">Share with a phone number.</param>
    /// <param name="unknownShare">Share of unknown provenance.</param>
    public SimulatedPopulation(int size, int seed, double emailShare = 0.7, double phoneShare = 0.6, double unknownShare = 0.05)
    {
        _random = new Random(seed);
        string[] segments = ["gold", "silver", "bronze"];
        _contacts = Enumerable.Range(0, size).Select(i => new Contact(
            Email: _random.NextDouble() < emailShare,
            Phone: _random.NextDouble() < phoneShare,
            Unknown: _random.NextDouble() < unknownShare,
            Segment: segments[i % segments.Length])).ToArray();
    }

    /// <summary>Opt-in chance per display of each form variant.</summary>
    public Dictionary<string, double> VariantRates { get; } = new(StringComparer.Ordinal);

    /// <summary>Opt-in chance per contact asked over each outreach channel.</summary>
    public Dictionary<DriveChannel, double> ChannelRates { get; } = new()
    {
        [DriveChannel.Email] = 0.05,
        [DriveChannel.Sms] = 0.04,
        [DriveChannel.CallCentre] = 0.2,
        [DriveChannel.Store] = 0.1,
    };

    /// <summary>Chance that a contact not opted in visits the portal in a review period.</summary>
    public double PortalVisitRate { get; set; } = 0.2;

    /// <summary>Command ids in the order the activities ran them (a retry appears again).</summary>
    public List<string> Ran { get; } = [];

    /// <summary>Every wave or list a contact was on, by channel (a contact asked twice over one channel would show twice).</summary>
    public Dictionary<DriveChannel, List<int>> AskedOver { get; } = [];

    /// <summary>Waves whose cursor was not the one the previous wave of their channel answered.</summary>
    public List<string> CursorMismatches { get; } = [];

    /// <summary>Every form allocation received, in order.</summary>
    public List<FormAllocation> Allocations { get; } = [];

    /// <summary>How many times the reactivation actually sent (an idempotent activity sends once per command id).</summary>
    public int ReactivationsSent { get; private set; }

    /// <summary>Contacts opted in.</summary>
    public long OptedIn => _contacts.LongCount(c => c.OptedIn);

    /// <summary>Contacts in the audience.</summary>
    public int Size => _contacts.Length;

    /// <summary>Contacts reachable over <paramref name="channel"/>.</summary>
    public long Reachable(DriveChannel channel) => _contacts.LongCount(c => Reaches(c, channel));

    /// <summary>Runs a command as its activity would; the same command id answers the same again without doing anything.</summary>
    public JsonElement Run(WorkflowCommand command)
    {
        Ran.Add(command.Id);
        if (_answers.TryGetValue(command.Id, out var earlier) && command.Activity != ConsentDriveActivities.Measure)
        {
            return earlier;
        }

        var answer = command.Activity switch
        {
            ConsentDriveActivities.Measure => WorkflowJson.Write(Measure(WorkflowJson.Read<MeasureDrive>(command.Input))),
            ConsentDriveActivities.AllocateForms => Allocate(WorkflowJson.Read<FormAllocation>(command.Input)),
            ConsentDriveActivities.SendWave or ConsentDriveActivities.CallList => WorkflowJson.Write(Ask(command.Id, WorkflowJson.Read<OutreachBatch>(command.Input))),
            ConsentDriveActivities.Reactivate => WorkflowJson.Write(Reactivate()),
            _ => throw new InvalidOperationException($"No activity {command.Activity}"),
        };
        _answers[command.Id] = answer;
        return answer;
    }

    /// <summary>One review period of portal visits: each visitor not opted in is shown a form by the allocation in force, within the caps.</summary>
    public void LivePeriod()
    {
        if (_allocation is not { } allocation || allocation.Variants.All(v => v.Displays == 0))
        {
            return;
        }

        var left = allocation.Variants.ToDictionary(v => v.Variant, v => v.Displays, StringComparer.Ordinal);
        foreach (var contact in _contacts)
        {
            if (contact.OptedIn || contact.Displays >= allocation.Caps.Total || _random.NextDouble() >= PortalVisitRate)
            {
                continue;
            }

            var variant = Pick(allocation.Variants, left);
            if (variant is null)
            {
                break;
            }

            left[variant]--;
            contact.Displays++;
            var (displays, conversions) = _variants.GetValueOrDefault(variant);
            var converts = _random.NextDouble() < VariantRates.GetValueOrDefault(variant);
            _variants[variant] = (displays + 1, conversions + (converts ? 1 : 0));
            if (converts)
            {
                contact.OptedIn = true;
                _conversions[DriveChannel.WebForm] = _conversions.GetValueOrDefault(DriveChannel.WebForm) + 1;
            }
        }
    }

    private string? Pick(IReadOnlyList<VariantQuota> variants, Dictionary<string, long> left)
    {
        var open = variants.Where(v => left[v.Variant] > 0).ToList();
        if (open.Count == 0)
        {
            return null;
        }

        var total = open.Sum(v => v.Share);
        var draw = _random.NextDouble() * total;
        foreach (var v in open)
        {
            draw -= v.Share;
            if (draw < 0)
            {
                return v.Variant;
            }
        }

        return open[^1].Variant;
    }

    private DriveMeasurement Measure(MeasureDrive request)
    {
        var channels = request.Channels.Select(channel => channel == DriveChannel.WebForm
            ? new ChannelMeasurement(channel, _variants.Values.Sum(v => v.Displays), _conversions.GetValueOrDefault(channel), _contacts.LongCount(c => !c.OptedIn && c.Displays == 0))
            : new ChannelMeasurement(channel, AskedOver.GetValueOrDefault(channel)?.Count ?? 0, _conversions.GetValueOrDefault(channel), _contacts.LongCount(c => !c.OptedIn && Reaches(c, channel) && !c.Asked.Contains(channel)))).ToList();
        var variants = request.Variants.Select(v => new VariantMeasurement(v, _variants.GetValueOrDefault(v).Displays, _variants.GetValueOrDefault(v).Conversions)).ToList();
        var segments = _contacts.GroupBy(c => c.Segment).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new SegmentReach(g.Key, g.LongCount(), g.LongCount(c => c.Displays > 0 || c.Asked.Count > 0), g.LongCount(c => c.OptedIn))).ToList();
        return new DriveMeasurement(
            _contacts.Length,
            OptedIn,
            channels,
            variants,
            segments,
            _contacts.LongCount(c => c.Unknown),
            _contacts.LongCount(c => !c.OptedIn && c.Displays < request.Caps.Total));
    }

    private JsonElement Allocate(FormAllocation allocation)
    {
        Allocations.Add(allocation);
        if (_allocation is null || allocation.Number > _allocation.Number)
        {
            _allocation = allocation;
        }

        return WorkflowJson.Write(new { });
    }

    private OutreachBatchResult Ask(string commandId, OutreachBatch batch)
    {
        if (_cursors.GetValueOrDefault(batch.Channel) != batch.Cursor)
        {
            CursorMismatches.Add($"{commandId}: cursor {batch.Cursor ?? "(none)"}, expected {_cursors.GetValueOrDefault(batch.Channel) ?? "(none)"}");
        }

        var start = batch.Cursor is null ? 0 : int.Parse(batch.Cursor, CultureInfo.InvariantCulture);
        var asked = AskedOver.TryGetValue(batch.Channel, out var list) ? list : AskedOver[batch.Channel] = [];
        int contacted = 0, skipped = 0, i = start;
        for (; i < _contacts.Length && contacted < batch.BatchSize; i++)
        {
            var contact = _contacts[i];
            if (contact.OptedIn || contact.Asked.Contains(batch.Channel))
            {
                continue;
            }

            if (!Reaches(contact, batch.Channel))
            {
                skipped++;
                continue;
            }

            contact.Asked.Add(batch.Channel);
            asked.Add(i);
            contacted++;
            if (_random.NextDouble() < ChannelRates[batch.Channel])
            {
                contact.OptedIn = true;
                _conversions[batch.Channel] = _conversions.GetValueOrDefault(batch.Channel) + 1;
            }
        }

        var next = i < _contacts.Length ? i.ToString(CultureInfo.InvariantCulture) : null;
        _cursors[batch.Channel] = next;
        return new OutreachBatchResult(contacted, skipped, next, _contacts.LongCount(c => !c.OptedIn && Reaches(c, batch.Channel) && !c.Asked.Contains(batch.Channel)));
    }

    private ReactivationResult Reactivate()
    {
        ReactivationsSent++;
        var unknown = _contacts.Where(c => c.Unknown).ToList();
        var byEmail = unknown.LongCount(c => c.Email);
        var bySms = unknown.LongCount(c => !c.Email && c.Phone);
        return new ReactivationResult(byEmail, bySms, unknown.Count - byEmail - bySms);
    }

    private static bool Reaches(Contact contact, DriveChannel channel) => channel switch
    {
        DriveChannel.Email => contact.Email,
        DriveChannel.Sms or DriveChannel.CallCentre => contact.Phone,
        _ => true,
    };

    private sealed record Contact(bool Email, bool Phone, bool Unknown, string Segment)
    {
        public bool OptedIn { get; set; }

        public int Displays { get; set; }

        public HashSet<DriveChannel> Asked { get; } = [];
    }
}
