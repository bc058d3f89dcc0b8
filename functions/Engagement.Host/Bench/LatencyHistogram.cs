namespace Engagement.Host.Bench;

/// <summary>
/// Request latencies in logarithmic buckets 2 % wide (from 10 µs to over a minute): fixed memory however many
/// requests are recorded, percentiles within 2 %. Thread-safe.
/// </summary>
internal sealed class LatencyHistogram
{
    private const double Growth = 1.02;
    private const double MinMicroseconds = 10;
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _buckets = new long[800];
    private long _count;
    private long _maxTicks;

    public long Count => Interlocked.Read(ref _count);

    public TimeSpan Max => TimeSpan.FromTicks(Interlocked.Read(ref _maxTicks));

    public void Record(TimeSpan latency)
    {
        Interlocked.Increment(ref _buckets[BucketOf(latency)]);
        Interlocked.Increment(ref _count);
        long seen;
        while (latency.Ticks > (seen = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, latency.Ticks, seen) != seen)
        {
        }
    }

    /// <summary>The latency below which <paramref name="percent"/> % of the requests fell (the bucket's upper edge).</summary>
    public TimeSpan Percentile(double percent)
    {
        var total = Count;
        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (long)Math.Ceiling(total * percent / 100);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank)
            {
                var upper = TimeSpan.FromMicroseconds(MinMicroseconds * Math.Pow(Growth, i + 1));
                return upper < Max ? upper : Max;
            }
        }

        return Max;
    }

    private int BucketOf(TimeSpan latency)
    {
        var microseconds = Math.Max(latency.TotalMicroseconds, MinMicroseconds);
        return Math.Min(_buckets.Length - 1, (int)(Math.Log(microseconds / MinMicroseconds) / LogGrowth));
    }
}
