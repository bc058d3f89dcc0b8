using Engagement.Core.Events;

namespace Engagement.Infrastructure.Streaming;

/// <summary>The durable event stream between intake and ingestion (Event Hubs in Azure, a Storage queue self-hosted).</summary>
public interface IEventStreamProducer
{
    /// <summary>Appends a batch. Returns only when the batch is durable; throws when it could not be made so.</summary>
    Task AppendAsync(IngestionBatch batch, CancellationToken cancellationToken = default);
}
