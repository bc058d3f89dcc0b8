using Engagement.Infrastructure.Journeys;
using Engagement.Infrastructure.Models;
using Engagement.Infrastructure.Scheduling;
using Microsoft.Azure.Functions.Worker;

namespace Engagement.Functions.Scheduling;

/// <summary>Timer jobs, on the same <c>Schedules:*</c> settings the self-hosted scheduler reads.</summary>
public sealed class TimerFunctions(StreamPayloadCleanup cleanup, ModelTraining training, ScorePublisher publisher, EventRetention retention)
{
    /// <summary>Deletes claim-check payloads older than a week (also covered by the storage lifecycle rule; this keeps both hosts alike).</summary>
    [Function("CleanupStreamPayloads")]
    [FixedDelayRetry(3, "00:01:00")]
    public Task CleanupStreamPayloadsAsync([TimerTrigger("%Schedules:CleanupStreamPayloads%")] TimerInfo timer, CancellationToken cancellationToken) =>
        cleanup.RunAsync(cancellationToken);

    /// <summary>Retrains every goal's model nightly; a model replaces the champion only if it beats it on the same hold-out.</summary>
    [Function("RetrainModels")]
    public Task RetrainModelsAsync([TimerTrigger("%Schedules:RetrainModels%")] TimerInfo timer, CancellationToken cancellationToken) =>
        training.RunAsync(cancellationToken);

    /// <summary>Scores people with the champions and publishes bid lists and next-best-offer lists hourly.</summary>
    [Function("PublishScores")]
    [FixedDelayRetry(2, "00:05:00")]
    public Task PublishScoresAsync([TimerTrigger("%Schedules:PublishScores%")] TimerInfo timer, CancellationToken cancellationToken) =>
        publisher.RunAsync(cancellationToken);

    /// <summary>Deletes events older than <c>Retention:EventDays</c> and recomputes the activity they were counted in.</summary>
    [Function("PurgeOldEvents")]
    [FixedDelayRetry(3, "00:05:00")]
    public Task PurgeOldEventsAsync([TimerTrigger("%Schedules:PurgeOldEvents%")] TimerInfo timer, CancellationToken cancellationToken) =>
        retention.RunAsync(cancellationToken);
}
