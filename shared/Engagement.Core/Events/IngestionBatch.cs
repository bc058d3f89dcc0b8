namespace Engagement.Core.Events;

/// <summary>A unit on the event stream: events accepted together from one source.</summary>
/// <param name="BatchId">Unique id of this batch, for tracing and claim-check names.</param>
/// <param name="SourceId">The source that sent the events.</param>
/// <param name="Events">The normalized events.</param>
public sealed record IngestionBatch(string BatchId, string SourceId, IReadOnlyList<EngagementEvent> Events);
