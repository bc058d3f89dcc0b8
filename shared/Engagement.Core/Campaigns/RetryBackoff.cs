namespace Engagement.Core.Campaigns;

/// <summary>
/// How long to wait before retrying a send the relay answered "try later" (SMTP 4xx, a dropped connection): exponential
/// from <see cref="BaseDelay"/>, capped at <see cref="MaxDelay"/>, with "equal jitter" (half the delay fixed, half
/// random) so many senders that failed together do not come back together, yet none comes back at once.
/// </summary>
/// <param name="MaxAttempts">Attempts in all, the first included; 1: never retry.</param>
/// <param name="BaseDelay">The delay before the first retry, before jitter.</param>
/// <param name="MaxDelay">The longest delay.</param>
public sealed record RetryBackoff(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>Whether another attempt may follow <paramref name="attemptsMade"/> failed ones.</summary>
    public bool MayRetry(int attemptsMade) => attemptsMade < MaxAttempts;

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first), with <paramref name="jitter"/> drawn from [0, 1).</summary>
    public TimeSpan DelayBefore(int retry, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retry, 1);
        if (jitter is < 0 or >= 1 || double.IsNaN(jitter))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), "Jitter is drawn from [0, 1).");
        }

        // 2^30 base delays exceed any sensible cap: stop doubling there instead of overflowing.
        var factor = Math.Pow(2, Math.Min(retry - 1, 30));
        var full = TimeSpan.FromTicks((long)Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * factor));
        return full / 2 + full / 2 * jitter;
    }
}
