using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Web;

namespace Engagement.Integration.Tests.Support;

/// <summary>
/// The table requests this process sends to one Azurite while it listens, seen by HttpClient's own diagnostics (the
/// SDK's log redacts the query): what a test asserts when the point is which rows were read, not only what came out.
/// </summary>
public sealed partial class StorageRequests : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly ConcurrentQueue<Uri> _requests = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Lock _gate = new();
    private readonly string _tableEndpoint;
    private readonly IDisposable _listening;

    /// <summary>Listens for requests to the table service of the storage <paramref name="connectionString"/> names.</summary>
    public StorageRequests(string connectionString)
    {
        _tableEndpoint = connectionString.Split(';').Select(p => p.Split('=', 2)).Single(p => p[0] == "TableEndpoint")[1].TrimEnd('/') + "/";
        _listening = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>The <c>$filter</c> of every query of <paramref name="table"/> sent (an empty string for a query without one).</summary>
    public IReadOnlyList<string> FiltersOf(string table) => _requests
        .Where(uri => uri.AbsolutePath.TrimEnd('/').EndsWith("/" + table + "()", StringComparison.Ordinal) || uri.AbsolutePath.TrimEnd('/').EndsWith("/" + table, StringComparison.Ordinal))
        .Select(uri => HttpUtility.ParseQueryString(uri.Query)["$filter"] ?? string.Empty)
        .ToList();

    /// <summary>The partition keys that the queries of <paramref name="table"/> name one by one (<c>PartitionKey eq '…'</c>).</summary>
    public IReadOnlySet<string> PartitionsNamedIn(string table) => FiltersOf(table)
        .SelectMany(f => NamedPartition().Matches(f).Select(m => m.Groups[1].Value))
        .ToHashSet(StringComparer.Ordinal);

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == "HttpHandlerDiagnosticListener")
        {
            lock (_gate)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == "System.Net.Http.Request"
            && value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is HttpRequestMessage { RequestUri: { } uri }
            && uri.AbsoluteUri.StartsWith(_tableEndpoint, StringComparison.Ordinal))
        {
            _requests.Enqueue(uri);
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _listening.Dispose();
        lock (_gate)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }

    [GeneratedRegex("PartitionKey eq '([^']*)'")]
    private static partial Regex NamedPartition();
}
