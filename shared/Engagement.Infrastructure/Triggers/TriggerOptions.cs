using System.ComponentModel.DataAnnotations;

namespace Engagement.Infrastructure.Triggers;

/// <summary>How trigger signals travel and how often ingestion looks for changed trigger definitions.</summary>
public sealed class TriggerOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Triggers";

    /// <summary>The Storage queue that carries trigger signals from ingestion, the birthday scan and score publishing (both hosts).</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "Triggers:SignalQueueName must be a Storage queue name (3–63 lower-case letters, digits and single dashes).")]
    public string SignalQueueName { get; set; } = "trigger-signals";

    /// <summary>How long ingestion uses its copy of the trigger definitions before reading them again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefreshEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Self-hosted: signal messages worked at once.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    /// <summary>How many times a signal message is tried before it is dead-lettered.</summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; set; } = 5;
}
