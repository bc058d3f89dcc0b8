using Engagement.Infrastructure.Triggers;

namespace Engagement.Host.Hosting;

/// <summary>The self-hosted stand-in for the trigger-signals QueueTrigger: works the queue while the host runs.</summary>
internal sealed class TriggerSignalService(TriggerSignalWorker worker) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => worker.RunAsync(stoppingToken);
}
