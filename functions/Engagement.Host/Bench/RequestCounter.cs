using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Engagement.Host.Bench;

/// <summary>
/// Counts the storage requests this process sends, by part of the benchmark, method and table, from the Azure SDK's
/// own event source: on Azurite the cost of a request barely depends on its size, so the count explains a figure.
/// </summary>
internal sealed class RequestCounter : EventListener
{
    private readonly ConcurrentDictionary<(string Part, string Request), long> _counts = new();

    /// <summary>The part requests are counted for from now on; null counts nothing.</summary>
    public string? Part { get; set; }

    /// <summary>Requests counted for a part, most frequent first, e.g. ("GET profiles", 2418).</summary>
    public IReadOnlyList<(string Request, long Count)> CountsOf(string part) =>
        _counts.Where(c => c.Key.Part == part).OrderByDescending(c => c.Value).Select(c => (c.Key.Request, c.Value)).ToList();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Azure-Core")
        {
            EnableEvents(eventSource, EventLevel.Informational);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        // Azure-Core's "Request" event: request id, method, URI, headers, client assembly.
        if (Part is not { } part || eventData.EventName != "Request" || eventData.Payload is not { Count: >= 3 } payload
            || payload[1] is not string method || payload[2] is not string uri)
        {
            return;
        }

        // The last path segment names the table ("profiles(PartitionKey='…',RowKey='…')", "$batch", "Tables").
        var resource = new Uri(uri).AbsolutePath.Split('/')[^1];
        var paren = resource.IndexOf('(', StringComparison.Ordinal);
        var request = $"{method} {(paren > 0 ? resource[..paren] : resource)}";
        _counts.AddOrUpdate((part, request), 1, (_, count) => count + 1);
    }
}
