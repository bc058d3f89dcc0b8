namespace Engagement.Infrastructure.Ingestion;

/// <summary>Running totals of this process's ingestion, for progress reports and the demo's "caught up" check.</summary>
public sealed class IngestionMetrics
{
    private long _received;
    private long _stored;
    private long _duplicates;
    private long _deadLettered;

    /// <summary>Events handed to ingestion.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>New events stored.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Events found already stored.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Events dead-lettered by ingestion.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Adds one call's outcome.</summary>
    public void Add(IngestionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Interlocked.Add(ref _received, result.Received);
        Interlocked.Add(ref _stored, result.Stored);
        Interlocked.Add(ref _duplicates, result.Duplicates);
        Interlocked.Add(ref _deadLettered, result.DeadLettered);
    }
}
