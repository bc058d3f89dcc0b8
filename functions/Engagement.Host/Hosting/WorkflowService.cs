using Engagement.Infrastructure.Workflows;

namespace Engagement.Host.Hosting;

/// <summary>The self-hosted workflow runtime: works the workflow queue while the host runs, resuming every unfinished instance at start.</summary>
internal sealed class WorkflowService(WorkflowQueueWorker worker) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => worker.RunAsync(stoppingToken);
}
