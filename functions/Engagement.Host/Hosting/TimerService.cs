using Cronos;
using Engagement.Infrastructure.Scheduling;
using Microsoft.Extensions.Options;

namespace Engagement.Host.Hosting;

/// <summary>The self-hosted stand-in for Timer triggers: runs each <see cref="IScheduledJob"/> on its <c>Schedules:Name</c> expression.</summary>
internal sealed partial class TimerService(IEnumerable<IScheduledJob> jobs, IOptions<Schedules> schedules, TimeProvider time, ILogger<TimerService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(jobs.Select(job => RunOnScheduleAsync(job, ExpressionOf(job), stoppingToken)));

    private CronExpression ExpressionOf(IScheduledJob job)
    {
        var text = typeof(Schedules).GetProperty(job.Name)?.GetValue(schedules.Value) as string
            ?? throw new InvalidOperationException($"No schedule Schedules:{job.Name} for job {job.Name}.");
        return CronExpression.Parse(text, CronFormat.IncludeSeconds);
    }

    private async Task RunOnScheduleAsync(IScheduledJob job, CronExpression expression, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = expression.GetNextOccurrence(now, TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }

            try
            {
                await Task.Delay(next.Value - now, time, stoppingToken);
                await job.RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed run waits for its next occurrence, as a timer trigger does.
                LogJobFailed(logger, job.Name, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduled job {Job} failed")]
    private static partial void LogJobFailed(ILogger logger, string job, Exception exception);
}
