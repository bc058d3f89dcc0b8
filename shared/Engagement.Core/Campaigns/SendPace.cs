namespace Engagement.Core.Campaigns;

/// <summary>
/// Spaces sends evenly at a rate: each send reserves the next free slot, one interval after the previous one (or now,
/// when the pace has been idle, so idle time is never saved up into a burst). Slots are computed, not waited for: the
/// caller waits until its slot, so the schedule itself can be checked. Safe to share between concurrent senders.
/// </summary>
public sealed class SendPace
{
    private readonly Lock _gate = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    /// <summary>A pace of <paramref name="perSecond"/> sends a second; zero or less: no limit.</summary>
    public SendPace(double perSecond)
    {
        if (double.IsNaN(perSecond) || double.IsInfinity(perSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(perSecond), "A send rate is a finite number of messages per second.");
        }

        PerSecond = Math.Max(0, perSecond);
        Interval = PerSecond > 0 ? TimeSpan.FromTicks((long)Math.Ceiling(TimeSpan.TicksPerSecond / PerSecond)) : TimeSpan.Zero;
    }

    /// <summary>No limit.</summary>
    public static SendPace Unlimited => new(0);

    /// <summary>Sends a second; 0 for no limit.</summary>
    public double PerSecond { get; }

    /// <summary>The time between two sends.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Whether the pace limits anything.</summary>
    public bool IsLimited => Interval > TimeSpan.Zero;

    /// <summary>Reserves the earliest slot at or after <paramref name="now"/>; the caller sends at that time.</summary>
    public DateTimeOffset Reserve(DateTimeOffset now)
    {
        if (!IsLimited)
        {
            return now;
        }

        lock (_gate)
        {
            var slot = now > _next ? now : _next;
            _next = slot + Interval;
            return slot;
        }
    }

    /// <summary>
    /// Records that the send of a reserved slot happens only at <paramref name="sendsAt"/> (another pace held it back),
    /// so the next slot keeps a full interval after it.
    /// </summary>
    public void Defer(DateTimeOffset sendsAt)
    {
        if (!IsLimited)
        {
            return;
        }

        lock (_gate)
        {
            if (sendsAt + Interval > _next)
            {
                _next = sendsAt + Interval;
            }
        }
    }

    /// <summary>
    /// The slot honouring every pace (a campaign's own, then the deployment's): each later pace starts from the slot
    /// of the one before, and the earlier ones are deferred to the slot found.
    /// </summary>
    public static DateTimeOffset ReserveAll(IReadOnlyList<SendPace> paces, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(paces);
        var slot = now;
        foreach (var pace in paces)
        {
            slot = pace.Reserve(slot);
        }

        foreach (var pace in paces)
        {
            pace.Defer(slot);
        }

        return slot;
    }
}
