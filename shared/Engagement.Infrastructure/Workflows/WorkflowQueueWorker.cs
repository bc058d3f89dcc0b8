using System.Text.Json;
using Azure.Storage.Queues.Models;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Workflows;

/// <summary>
/// Works the self-hosted runtime's queue: takes messages in batches, runs each (command or wake-up) while renewing its
/// lease, deletes it when done, and on failure makes it visible again after a growing delay. Re-queues every unfinished
/// instance at start and every <see cref="WorkflowOptions.ResumeEvery"/>.
/// </summary>
public sealed partial class WorkflowQueueWorker(WorkflowEngine engine, IOptions<WorkflowOptions> options, TimeProvider clock, ILogger<WorkflowQueueWorker> logger)
{
    /// <summary>Runs until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var nextResume = DateTimeOffset.MinValue;
        return QueuePolling.RunAsync(
            async ct =>
            {
                if (clock.GetUtcNow() >= nextResume)
                {
                    // At start everything unfinished (a crash may have lost any message); later only what has stood still.
                    var resumed = await engine.ResumeAsync(nextResume == DateTimeOffset.MinValue ? null : options.Value.ResumeEvery, ct);
                    LogResumed(logger, resumed);
                    nextResume = clock.GetUtcNow() + options.Value.ResumeEvery;
                }

                return await WorkOnceAsync(ct);
            },
            clock,
            ex => LogStorageTrouble(logger, ex),
            cancellationToken);
    }

    /// <summary>Takes the visible messages once (up to 32) and works them; answers how many were taken.</summary>
    public Task<int> WorkOnceAsync(CancellationToken cancellationToken = default) =>
        QueuePolling.WorkVisibleAsync(engine.Queue, options.Value.LeaseTime, options.Value.Concurrency, WorkAsync, cancellationToken);

    private async Task WorkAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        WorkflowWork? work;
        try
        {
            work = JsonSerializer.Deserialize<WorkflowWork>(message.MessageText, WorkflowJson.Options);
        }
        catch (JsonException)
        {
            work = null;
        }

        var receipt = message.PopReceipt;
        if (work is null)
        {
            LogUnreadable(logger, message.MessageId);
            await engine.Queue.DeleteMessageAsync(message.MessageId, receipt, cancellationToken);
            return;
        }

        using var lease = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var keepAlive = Task.Run(async () =>
        {
            while (!lease.IsCancellationRequested)
            {
                await Task.Delay(settings.LeaseTime / 2, clock, lease.Token);
                var renewed = await engine.Queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: settings.LeaseTime, cancellationToken: lease.Token);
                receipt = renewed.Value.PopReceipt;
            }
        }, lease.Token);

        Exception? failure = null;
        try
        {
            await engine.ProcessAsync(work, (int)message.DequeueCount, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            failure = ex;
        }
        finally
        {
            await lease.CancelAsync();
            try
            {
                await keepAlive;
            }
            catch (OperationCanceledException)
            {
                // The lease ends with the work.
            }
        }

        if (failure is null)
        {
            await engine.Queue.DeleteMessageAsync(message.MessageId, receipt, cancellationToken);
            return;
        }

        var delay = settings.RetryDelay((int)message.DequeueCount + 1);
        LogAttemptFailed(logger, work.Instance, work.Command ?? "wake-up", (int)message.DequeueCount, delay, failure);
        await engine.Queue.UpdateMessageAsync(message.MessageId, receipt, visibilityTimeout: delay, cancellationToken: cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Re-queued the work of {Count} unfinished workflow instances")]
    private static partial void LogResumed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow storage did not answer; retrying")]
    private static partial void LogStorageTrouble(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped unreadable workflow queue message {MessageId}")]
    private static partial void LogUnreadable(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workflow {Instance}: {Work} failed attempt {Attempt}; next in {Delay}")]
    private static partial void LogAttemptFailed(ILogger logger, string instance, string work, int attempt, TimeSpan delay, Exception exception);
}
