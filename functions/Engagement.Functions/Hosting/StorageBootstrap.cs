using Azure;
using Azure.Identity;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Engagement.Functions.Hosting;

/// <summary>
/// Creates the tables (and any missing container) at start; Bicep creates the containers, the app its tables.
/// Runs in the background and retries, because right after a first deployment the identity's role assignments
/// can take minutes to reach the storage account, and a worker that failed to start would only be restarted.
/// </summary>
internal sealed partial class StorageBootstrap(EngagementStorage storage, ILogger<StorageBootstrap> logger) : BackgroundService
{
    private const int Attempts = 10;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                await storage.EnsureCreatedAsync(stoppingToken);
                LogReady(logger, attempt);
                return;
            }
            catch (Exception ex) when (ex is RequestFailedException or AuthenticationFailedException or HttpRequestException)
            {
                LogNotReady(logger, attempt, Attempts, ex);
                if (attempt < Attempts)
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage tables and containers are ready (attempt {Attempt})")]
    private static partial void LogReady(ILogger logger, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not create storage tables and containers (attempt {Attempt} of {Attempts}); /healthz shows what fails")]
    private static partial void LogNotReady(ILogger logger, int attempt, int attempts, Exception exception);
}
