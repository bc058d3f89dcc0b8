using Azure;
using Engagement.Infrastructure.Streaming;

namespace Engagement.Host.Hosting;

/// <summary>The self-hosted stand-in for the Event Hubs trigger: pumps the stream queue into ingestion.</summary>
internal sealed partial class StreamConsumerService(QueueStreamConsumer consumer, ILogger<StreamConsumerService> logger) : BackgroundService
{
    private static readonly TimeSpan IdleDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FaultDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Two pumps keep storage busy while one waits on the network; more gain little on a small machine.
        await Task.WhenAll(PumpAsync(stoppingToken), PumpAsync(stoppingToken));
    }

    private async Task PumpAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await consumer.PumpOnceAsync(stoppingToken) == 0)
                {
                    await Task.Delay(IdleDelay, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException or InvalidOperationException or AggregateException)
            {
                // The delivery stays on the queue and comes back after its visibility timeout.
                LogPumpFailed(logger, ex);
                await Task.Delay(FaultDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream delivery failed; it will be redelivered")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception);
}
