namespace Engagement.Core.ConsentDrives;

/// <summary>
/// Thompson sampling of form variants with a random source whose whole state is one number (SplitMix64), so a decider
/// carries it in its state and a replay draws exactly the same numbers.
/// </summary>
internal static class VariantSampling
{
    /// <summary>How many joint draws estimate each variant's chance of being the best.</summary>
    internal const int Draws = 2000;

    /// <summary>
    /// Each variant's share of the next displays: the fraction of <see cref="Draws"/> joint draws from the posteriors
    /// Beta(1 + conversions, 1 + displays − conversions) in which it is the best (ties go to the earlier variant). A
    /// variant that converts clearly better wins nearly every draw; while the evidence is thin the shares stay spread.
    /// </summary>
    /// <param name="arms">Displays and conversions per variant.</param>
    /// <param name="random">The random state before; returns the state after.</param>
    internal static double[] Shares(IReadOnlyList<(long Displays, long Conversions)> arms, ref ulong random)
    {
        var shares = new double[arms.Count];
        if (arms.Count == 1)
        {
            shares[0] = 1;
            return shares;
        }

        var wins = new int[arms.Count];
        for (var draw = 0; draw < Draws; draw++)
        {
            var best = 0;
            var bestValue = double.MinValue;
            for (var i = 0; i < arms.Count; i++)
            {
                var conversions = Math.Clamp(arms[i].Conversions, 0, Math.Max(0, arms[i].Displays));
                var value = Beta(1 + conversions, 1 + Math.Max(0, arms[i].Displays) - conversions, ref random);
                if (value > bestValue)
                {
                    best = i;
                    bestValue = value;
                }
            }

            wins[best]++;
        }

        for (var i = 0; i < arms.Count; i++)
        {
            shares[i] = (double)wins[i] / Draws;
        }

        return shares;
    }

    /// <summary>Splits <paramref name="total"/> by <paramref name="shares"/> in whole numbers that add up (largest remainder, ties to the earlier).</summary>
    internal static long[] Apportion(long total, IReadOnlyList<double> shares)
    {
        var counts = new long[shares.Count];
        if (total <= 0 || shares.Count == 0)
        {
            return counts;
        }

        var sum = shares.Sum();
        var exact = shares.Select(s => sum > 0 ? s / sum * total : (double)total / shares.Count).ToArray();
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = (long)Math.Floor(exact[i]);
        }

        var left = total - counts.Sum();
        foreach (var i in Enumerable.Range(0, counts.Length).OrderByDescending(i => exact[i] - counts[i]).ThenBy(i => i).Take((int)Math.Min(left, counts.Length)))
        {
            counts[i]++;
        }

        return counts;
    }

    /// <summary>The seed's first random state (SplitMix64 spreads nearby seeds apart).</summary>
    internal static ulong Seeded(int seed)
    {
        var state = unchecked((ulong)seed);
        _ = Next(ref state);
        return state;
    }

    /// <summary>A draw from Beta(<paramref name="a"/>, <paramref name="b"/>) for a, b ≥ 1, as X / (X + Y) of two gamma draws.</summary>
    internal static double Beta(double a, double b, ref ulong random)
    {
        var x = Gamma(a, ref random);
        var y = Gamma(b, ref random);
        return x / (x + y);
    }

    /// <summary>A draw from Gamma(shape, 1) for shape ≥ 1 (Marsaglia and Tsang, 2000).</summary>
    private static double Gamma(double shape, ref ulong random)
    {
        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(ref random);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = Uniform(ref random);
            if (u < 1 - (0.0331 * x * x * x * x) || Math.Log(u) < (0.5 * x * x) + (d * (1 - v + Math.Log(v))))
            {
                return d * v;
            }
        }
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    private static double Normal(ref ulong random)
    {
        var u1 = Uniform(ref random);
        var u2 = Uniform(ref random);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A uniform draw in (0, 1), never 0 (logarithms are taken of it).</summary>
    internal static double Uniform(ref ulong random) => ((Next(ref random) >> 11) + 0.5) * (1.0 / (1UL << 53));

    /// <summary>SplitMix64 (Steele, Lea and Flood, 2014): advances the state and returns 64 random bits.</summary>
    private static ulong Next(ref ulong state)
    {
        unchecked
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
