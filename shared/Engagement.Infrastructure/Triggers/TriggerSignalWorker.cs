using Azure.Storage.Queues.Models;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Triggers;

/// <summary>
/// Works the <c>trigger-signals</c> queue. Self-hosted it polls the queue (<see cref="RunAsync"/>); in Azure a
/// QueueTrigger function calls <see cref="HandleMessageAsync"/> with the Durable runtime. A message that keeps failing
/// is dead-lettered after <see cref="TriggerOptions.MaxDeliveries"/> tries; handling it again is harmless.
/// </summary>
public sealed partial class TriggerSignalWorker(
    EngagementStorage storage,
    TriggerSignalHandler handler,
    IWorkflowRuntime runtime,
    DeadLetterStore deadLetters,
    IOptions<TriggerOptions> options,
    TimeProvider clock,
    ILogger<TriggerSignalWorker> logger)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Handles one message's text with a runtime (the Functions glue passes the Durable one); throws on a passing fault.</summary>
    public async Task HandleMessageAsync(string text, IWorkflowRuntime workflows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TriggerSignalSender.Decode(text) is not { } signals)
        {
            await deadLetters.WriteAsync("triggers", "not a trigger signal message", text, null, cancellationToken: cancellationToken);
            return;
        }

        await handler.HandleAsync(workflows, signals, cancellationToken);
    }

    /// <summary>Runs until cancelled (self-hosted).</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        QueuePolling.RunAsync(WorkOnceAsync, clock, ex => LogStorageTrouble(logger, ex), cancellationToken);

    /// <summary>Takes the visible messages once (up to 32) and works them; answers how many were taken.</summary>
    public Task<int> WorkOnceAsync(CancellationToken cancellationToken = default) =>
        QueuePolling.WorkVisibleAsync(storage.TriggerSignals, Lease, options.Value.Concurrency, WorkAsync, cancellationToken);

    private async Task WorkAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await HandleMessageAsync(message.MessageText, runtime, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (message.DequeueCount < options.Value.MaxDeliveries)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, message.DequeueCount)));
                LogRetry(logger, message.MessageId, (int)message.DequeueCount, ex);
                await storage.TriggerSignals.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: delay, cancellationToken: cancellationToken);
                return;
            }

            await deadLetters.WriteAsync("triggers", ex.Message, message.MessageText, null, message.MessageId, cancellationToken);
        }

        await storage.TriggerSignals.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trigger signal storage did not answer; retrying")]
    private static partial void LogStorageTrouble(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trigger signal message {MessageId} failed attempt {Attempt}; tried again later")]
    private static partial void LogRetry(ILogger logger, string messageId, int attempt, Exception exception);
}
