namespace Engagement.Functions.Streaming;

/// <summary>The event hubs of the namespace (created by infra-bicep/modules/eventhubs.bicep) and the setting that reaches them.</summary>
internal static class EventHubNames
{
    /// <summary>Tracking batches from the tracking API, consumed by ingestion.</summary>
    public const string WebEvents = "web-events";

    /// <summary>Ad-server records (one JSON object per line) from outside producers.</summary>
    public const string AdEvents = "ad-events";

    /// <summary>
    /// The connection setting: <c>EventHubConnection__fullyQualifiedNamespace</c> (+ <c>__credential</c>, <c>__clientId</c>)
    /// for a managed identity, or <c>EventHubConnection</c> holding a connection string.
    /// </summary>
    public const string Connection = "EventHubConnection";

    /// <summary>The consumer group both triggers read with, from the <c>EventHubs:ConsumerGroup</c> app setting.</summary>
    public const string ConsumerGroup = "%EventHubs:ConsumerGroup%";
}
