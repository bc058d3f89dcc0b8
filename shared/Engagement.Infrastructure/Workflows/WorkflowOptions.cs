using System.ComponentModel.DataAnnotations;

namespace Engagement.Infrastructure.Workflows;

/// <summary>How workflow commands are retried, and how the self-hosted runtime polls.</summary>
public sealed class WorkflowOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Workflows";

    /// <summary>Attempts per command before the decider is told it failed.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first retry's delay; each next one doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest delay between attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Self-hosted: the queue that carries commands and wake-ups.</summary>
    [Required]
    public string QueueName { get; set; } = "workflow-work";

    /// <summary>Self-hosted: how many queue messages are worked on at once.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 8;

    /// <summary>Self-hosted: how long a taken message stays invisible; renewed while its command runs.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Self-hosted: how often the commands and wake-up of instances that decided nothing for this long are re-queued, repairing any lost message (at start: of every unfinished instance).</summary>
    public TimeSpan ResumeEvery { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many recent decisions an instance's view shows.</summary>
    [Range(1, 1000)]
    public int HistoryInView { get; set; } = 50;

    /// <summary>The delay before attempt <paramref name="attempt"/> (2 for the first retry).</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        var factor = Math.Pow(2, Math.Max(0, attempt - 2));
        return TimeSpan.FromTicks((long)Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks * factor));
    }
}
