using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Engagement.Infrastructure.Storage;

/// <summary>
/// How the self-hosted workers take their queues: poll briskly while there is work, back off to once a second when
/// there is none, and sit out a storage outage, the messages staying safely in the queue meanwhile.
/// </summary>
internal static class QueuePolling
{
    /// <summary>The most messages one receive takes (the queue service's own limit).</summary>
    public const int MessagesPerReceive = 32;

    private static readonly TimeSpan BusyDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan IdleDelayMax = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan OutageDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Calls <paramref name="workOnce"/> until cancelled; it answers how many messages it took. A storage fault is
    /// reported to <paramref name="storageTrouble"/> and waited out.
    /// </summary>
    public static async Task RunAsync(
        Func<CancellationToken, Task<int>> workOnce, TimeProvider clock, Action<RequestFailedException> storageTrouble, CancellationToken cancellationToken)
    {
        var idle = BusyDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var worked = await workOnce(cancellationToken);
                idle = worked > 0 ? BusyDelay : TimeSpan.FromTicks(Math.Min(IdleDelayMax.Ticks, idle.Ticks * 2));
                if (worked == 0)
                {
                    await Task.Delay(idle, clock, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RequestFailedException ex)
            {
                storageTrouble(ex);
                await Task.Delay(OutageDelay, clock, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Takes the visible messages once and works them, at most <paramref name="concurrency"/> at a time; answers how
    /// many were taken.
    /// </summary>
    public static async Task<int> WorkVisibleAsync(
        QueueClient queue, TimeSpan lease, int concurrency, Func<QueueMessage, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var messages = (await queue.ReceiveMessagesAsync(MessagesPerReceive, lease, cancellationToken)).Value;
        if (messages.Length == 0)
        {
            return 0;
        }

        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(messages.Select(async message =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await work(message, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
        return messages.Length;
    }
}
