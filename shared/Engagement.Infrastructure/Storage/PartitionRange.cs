using System.Globalization;
using Azure.Data.Tables;

namespace Engagement.Infrastructure.Storage;

/// <summary>
/// A range of partition keys, <see cref="From"/> included and <see cref="To"/> left out; a null bound is open. Jobs
/// over everyone split the key space into such ranges and read each one's rows of several tables with a query per
/// range, not a query per key.
/// </summary>
/// <param name="From">The first key of the range (inclusive); null: from the first key there is.</param>
/// <param name="To">The key the range stops before (exclusive); null: to the last key there is.</param>
public sealed record PartitionRange(string? From, string? To)
{
    /// <summary>The whole key space: given as the dense range, it reads the keys asked for as one range from the first to the last.</summary>
    public static PartitionRange All { get; } = new(null, null);

    /// <summary>
    /// The whole key space in <paramref name="count"/> ranges by the first two hexadecimal digits (a power of two, 1 to
    /// 256), in key order. Pseudonymous keys are hexadecimal hashes, so each range holds about as many as the next; the
    /// first and last ranges are open, so a key of any other form still falls into exactly one.
    /// </summary>
    public static IReadOnlyList<PartitionRange> HexSplit(int count)
    {
        if (count is < 1 or > 256 || (count & (count - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A power of two from 1 to 256.");
        }

        var step = 256 / count;
        var bounds = Enumerable.Range(1, count - 1).Select(i => (i * step).ToString("x2", CultureInfo.InvariantCulture)).ToList();
        return Enumerable.Range(0, count).Select(i => new PartitionRange(i == 0 ? null : bounds[i - 1], i == count - 1 ? null : bounds[i])).ToList();
    }

    /// <summary>Whether <paramref name="key"/> lies in the range.</summary>
    public bool Contains(string key) =>
        (From is null || string.CompareOrdinal(key, From) >= 0) && (To is null || string.CompareOrdinal(key, To) < 0);

    /// <summary>The OData filter of the range (empty when it is the whole key space).</summary>
    public string Filter() => string.Join(" and ", new[]
    {
        From is null ? null : TableClient.CreateQueryFilter($"PartitionKey ge {From}"),
        To is null ? null : TableClient.CreateQueryFilter($"PartitionKey lt {To}"),
    }.OfType<string>());
}

/// <summary>
/// Reads every row of a set of partitions: those inside a given range with one range query from the first to the last
/// of them (rows of partitions not asked for are dropped), the others a few partitions per query, the queries side by
/// side. The range query is what makes a page of an audience or a slice of a send cost one request per table, not one
/// per few people; where the range turns out sparse (a page of it holds fewer of the wanted partitions than one named
/// query would fetch) the rest of it is read by name, so a range never costs more than a page above naming.
/// </summary>
internal static class PartitionReads
{
    /// <summary>Partitions named in one query when they are not read as a range.</summary>
    public const int PartitionsPerQuery = 15;

    /// <summary>Rows per page of a range read.</summary>
    public const int RangePage = 1000;

    /// <summary>The rows of each of <paramref name="keys"/> that has any, in storage order, keyed by partition.</summary>
    /// <param name="table">The table read.</param>
    /// <param name="keys">The partitions wanted.</param>
    /// <param name="dense">The range in which the keys are expected dense enough to read as a range; null: read every key by name.</param>
    /// <param name="rowFilter">An extra filter on rows (on <c>RowKey</c>, say); null: every row.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public static async Task<Dictionary<string, List<TableEntity>>> ReadAsync(
        TableClient table, IReadOnlyCollection<string> keys, PartitionRange? dense, string? rowFilter, CancellationToken cancellationToken = default)
    {
        var wanted = keys.ToHashSet(StringComparer.Ordinal);
        var inRange = dense is null ? [] : wanted.Where(dense.Contains).Order(StringComparer.Ordinal).ToList();
        // A range query costs what one named query does; below two keys it reads nothing that naming would not.
        if (inRange.Count < 2)
        {
            inRange.Clear();
        }

        var reads = new List<Task<List<TableEntity>>>();
        if (inRange.Count > 0)
        {
            reads.Add(ReadRangeAsync(table, inRange, rowFilter, cancellationToken));
        }

        var named = inRange.Count == 0 ? wanted.Order(StringComparer.Ordinal) : wanted.Except(inRange, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        reads.AddRange(named.Chunk(PartitionsPerQuery).Select(group => QueryAsync(table, NamedFilter(group, rowFilter), cancellationToken)));
        var rows = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        foreach (var row in (await Task.WhenAll(reads)).SelectMany(r => r).Where(r => wanted.Contains(r.PartitionKey)))
        {
            if (!rows.TryGetValue(row.PartitionKey, out var list))
            {
                rows[row.PartitionKey] = list = [];
            }

            list.Add(row);
        }

        return rows;
    }

    // The range from the first to the last key, page by page, for as long as a page pays for itself; then the keys from
    // where the range stopped (the partition it stopped in may be cut short, so it is read again whole) by name.
    private static async Task<List<TableEntity>> ReadRangeAsync(TableClient table, List<string> sortedKeys, string? rowFilter, CancellationToken cancellationToken)
    {
        var range = TableClient.CreateQueryFilter($"PartitionKey ge {sortedKeys[0]} and PartitionKey le {sortedKeys[^1]}");
        var wanted = sortedKeys.ToHashSet(StringComparer.Ordinal);
        var rows = new List<TableEntity>();
        await foreach (var page in table.QueryAsync<TableEntity>(rowFilter is null ? range : $"{range} and ({rowFilter})", maxPerPage: RangePage, cancellationToken: cancellationToken).AsPages())
        {
            rows.AddRange(page.Values);
            if (page.ContinuationToken is null || page.Values.Count == 0)
            {
                continue;
            }

            var found = page.Values.Select(r => r.PartitionKey).Distinct(StringComparer.Ordinal).Count(wanted.Contains);
            if (found >= PartitionsPerQuery)
            {
                continue;
            }

            var stoppedIn = page.Values[^1].PartitionKey;
            rows.RemoveAll(r => r.PartitionKey == stoppedIn);
            var rest = sortedKeys.Where(k => string.CompareOrdinal(k, stoppedIn) >= 0).ToList();
            var named = await Task.WhenAll(rest.Chunk(PartitionsPerQuery).Select(group => QueryAsync(table, NamedFilter(group, rowFilter), cancellationToken)));
            rows.AddRange(named.SelectMany(n => n));
            break;
        }

        return rows;
    }

    private static string NamedFilter(IEnumerable<string> keys, string? rowFilter)
    {
        var partitions = string.Join(" or ", keys.Select(key => TableClient.CreateQueryFilter($"PartitionKey eq {key}")));
        return rowFilter is null ? partitions : $"({partitions}) and ({rowFilter})";
    }

    private static async Task<List<TableEntity>> QueryAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }
}
