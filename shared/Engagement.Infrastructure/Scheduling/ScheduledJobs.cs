using System.ComponentModel.DataAnnotations;

namespace Engagement.Infrastructure.Scheduling;

/// <summary>
/// When timer jobs run: six-field NCRONTAB expressions in UTC (<c>second minute hour day month weekday</c>), read by
/// Azure Functions' <c>TimerTrigger("%Schedules:Name%")</c> and by the self-hosted scheduler alike.
/// </summary>
public sealed class Schedules
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Schedules";

    /// <summary>Deleting claim-check payloads left behind by settled deliveries.</summary>
    [Required]
    public string CleanupStreamPayloads { get; set; } = "0 30 3 * * *";

    /// <summary>Deleting events older than <c>Retention:EventDays</c> (nightly).</summary>
    [Required]
    public string PurgeOldEvents { get; set; } = "0 45 1 * * *";

    /// <summary>Retraining the goal models from stored journeys (nightly).</summary>
    [Required]
    public string RetrainModels { get; set; } = "0 0 2 * * *";

    /// <summary>Scoring people with the champion models and publishing bid lists and next-best-offer lists (hourly).</summary>
    [Required]
    public string PublishScores { get; set; } = "0 15 * * * *";

    /// <summary>Starting birthday e-mails: the scan for today's and tomorrow's birthdays (daily).</summary>
    [Required]
    public string StartBirthdayTriggers { get; set; } = "0 5 0 * * *";
}

/// <summary>A job run on a schedule named after it in <see cref="Schedules"/>.</summary>
public interface IScheduledJob
{
    /// <summary>The schedule's name in <see cref="Schedules"/>.</summary>
    string Name { get; }

    /// <summary>Runs the job once.</summary>
    Task RunAsync(CancellationToken cancellationToken = default);
}
