using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues.Models;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Storage;

namespace Engagement.Integration.Tests.Support;

/// <summary>Reads what the platform stored, straight from Azurite, so tests check the real rows, blobs and messages.</summary>
public static class StorageProbe
{
    /// <summary>The events-table partition of an identity.</summary>
    public static string PartitionOf(this EngagementServices services, IdentityRef identity) =>
        services.Get<Pseudonymizer>().KeyOf(identity).Value;

    /// <summary>Event rows (not the activity row) of an identity's partition.</summary>
    public static async Task<IReadOnlyList<TableEntity>> EventRowsAsync(this EngagementServices services, IdentityRef identity)
    {
        var partition = services.PartitionOf(identity);
        var rows = new List<TableEntity>();
        await foreach (var row in services.Get<EngagementStorage>().Events.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ne {"activity"}")))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Dead letters of a stage whose blob name holds <paramref name="idPart"/>.</summary>
    public static async Task<IReadOnlyList<(string Name, DeadLetter Letter)>> DeadLettersAsync(this EngagementServices services, string stage, string idPart)
    {
        var container = services.Get<EngagementStorage>().DeadLetters;
        var found = new List<(string, DeadLetter)>();
        await foreach (var blob in container.GetBlobsAsync())
        {
            if (blob.Name.Contains($"/{stage}/", StringComparison.Ordinal) && blob.Name.Contains(idPart, StringComparison.Ordinal))
            {
                var content = await container.GetBlobClient(blob.Name).DownloadContentAsync();
                found.Add((blob.Name, JsonSerializer.Deserialize<DeadLetter>(content.Value.Content.ToString(), JsonSerializerOptions.Web)!));
            }
        }

        return found;
    }

    /// <summary>The messages waiting in the stream queue, without taking them.</summary>
    public static async Task<IReadOnlyList<PeekedMessage>> PeekStreamAsync(this EngagementServices services)
    {
        var peeked = await services.Get<EngagementStorage>().StreamQueue.PeekMessagesAsync(32);
        return peeked.Value;
    }

    /// <summary>Names of the claim-check blobs in the <c>stream</c> container.</summary>
    public static async Task<IReadOnlyList<string>> ClaimCheckBlobsAsync(this EngagementServices services)
    {
        var names = new List<string>();
        await foreach (var blob in services.Get<EngagementStorage>().StreamPayloads.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }

    /// <summary>Gzip-compresses text, as a stream message or a client's request body would be.</summary>
    public static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }
}
