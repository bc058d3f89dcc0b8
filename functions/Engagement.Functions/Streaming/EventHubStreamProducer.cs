using Azure.Identity;
using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Engagement.Core.Events;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Streaming;
using Microsoft.Extensions.Configuration;

namespace Engagement.Functions.Streaming;

/// <summary>
/// The Azure event stream: each tracking batch becomes one event on the <c>web-events</c> hub, in the same wire form
/// as the self-hosted queue (<see cref="StreamCodec"/>), with a claim-check blob for batches over one event's size.
/// </summary>
/// <remarks>
/// Why a producer client and not an <c>[EventHubOutput]</c> binding: with the ASP.NET Core integration the worker
/// writes the HTTP response as soon as the function returns, and output bindings are handed to the host only after
/// that. A 200 would then go out before the events are on the stream, and a failed send could no longer become a 503.
/// <see cref="IEventStreamProducer.AppendAsync"/> returns only once Event Hubs has acknowledged the event, so the
/// tracking API's 200 still means "durable on the stream".
/// </remarks>
public sealed class EventHubStreamProducer(EventHubProducerClient producer, ClaimCheckEncoder encoder) : IEventStreamProducer
{
    // Standard tier takes 1 MiB per event or batch; this leaves room for the AMQP envelope and properties.
    internal const int MaxInlineBytes = 900 * 1024;

    /// <inheritdoc />
    public async Task AppendAsync(IngestionBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var payload = await encoder.EncodeAsync(batch, MaxInlineBytes, cancellationToken);
        var data = new EventData(new BinaryData(payload)) { MessageId = batch.BatchId, ContentType = "application/gzip" };
        try
        {
            // No partition key: batches spread over all partitions; ingestion keys rows by event id, not by order.
            await producer.SendAsync(new[] { data }, cancellationToken);
        }
        catch (EventHubsException ex)
        {
            // The tracking intake answers 503 ("nothing was kept, retry") to I/O faults of the stream.
            throw new IOException($"Event hub {producer.EventHubName} did not accept batch {batch.BatchId} ({ex.Reason}).", ex);
        }
    }

    /// <summary>
    /// The client of the <c>web-events</c> hub: a connection string in the <c>EventHubConnection</c> setting, or the
    /// namespace in <c>EventHubConnection__fullyQualifiedNamespace</c> reached with the managed identity
    /// (<c>EventHubConnection__clientId</c>, else <c>Storage__ManagedIdentityClientId</c>): the same settings the trigger reads.
    /// </summary>
    public static EventHubProducerClient CreateClient(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new EventHubProducerClientOptions
        {
            // A tracking call waits for the send: fail within seconds and let the client retry on the 503.
            RetryOptions = new EventHubsRetryOptions
            {
                Mode = EventHubsRetryMode.Exponential,
                MaximumRetries = 2,
                Delay = TimeSpan.FromMilliseconds(200),
                MaximumDelay = TimeSpan.FromSeconds(2),
                TryTimeout = TimeSpan.FromSeconds(10),
            },
        };

        var connectionString = configuration[EventHubNames.Connection];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new EventHubProducerClient(connectionString, EventHubNames.WebEvents, options);
        }

        var section = configuration.GetSection(EventHubNames.Connection);
        var fullyQualifiedNamespace = section["fullyQualifiedNamespace"];
        if (string.IsNullOrWhiteSpace(fullyQualifiedNamespace))
        {
            throw new InvalidOperationException(
                $"Set {EventHubNames.Connection}__fullyQualifiedNamespace (managed identity) or {EventHubNames.Connection} (connection string).");
        }

        var clientId = section["clientId"]
            ?? configuration.GetSection(StorageOptions.SectionName)[nameof(StorageOptions.ManagedIdentityClientId)];
        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
        return new EventHubProducerClient(fullyQualifiedNamespace, EventHubNames.WebEvents, credential, options);
    }
}
