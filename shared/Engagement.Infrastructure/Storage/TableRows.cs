using Azure;
using Azure.Data.Tables;

namespace Engagement.Infrastructure.Storage;

/// <summary>
/// Rows written once and deleted in bulk: an insert that tells whether the row was new, and deletes in transactions of
/// up to 100 per partition, whatever someone else deleted meanwhile.
/// </summary>
internal static class TableRows
{
    /// <summary>Adds a row; false, and nothing changed, when a row with its keys exists (written before: a retry or a redelivery).</summary>
    public static async Task<bool> TryAddAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Deletes the rows (only their keys matter); returns how many were given.</summary>
    public static async Task<long> DeleteAsync(TableClient table, IEnumerable<TableEntity> rows, CancellationToken cancellationToken)
    {
        long count = 0;
        foreach (var partition in rows.GroupBy(r => r.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.Chunk(100))
            {
                try
                {
                    await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), cancellationToken);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 404)
                {
                    // Some were deleted meanwhile (another erasure or purge): delete the rest one by one.
                    foreach (var row in chunk)
                    {
                        await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                    }
                }

                count += chunk.Length;
            }
        }

        return count;
    }
}
