using Engagement.Infrastructure.Scheduling;
using Microsoft.Azure.Functions.Worker;

namespace Engagement.Functions.Scheduling;

/// <summary>Timer jobs, on the same <c>Schedules:*</c> settings the self-hosted scheduler reads.</summary>
public sealed class TimerFunctions(StreamPayloadCleanup cleanup)
{
    /// <summary>Deletes claim-check payloads older than a week (also covered by the storage lifecycle rule; this keeps both hosts alike).</summary>
    [Function("CleanupStreamPayloads")]
    [FixedDelayRetry(3, "00:01:00")]
    public Task CleanupStreamPayloadsAsync([TimerTrigger("%Schedules:CleanupStreamPayloads%")] TimerInfo timer, CancellationToken cancellationToken) =>
        cleanup.RunAsync(cancellationToken);
}
