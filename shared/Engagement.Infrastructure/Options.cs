using System.ComponentModel.DataAnnotations;

namespace Engagement.Infrastructure;

/// <summary>Where data is stored. Either a connection string (local, Azurite) or an account name used with a managed identity (Azure).</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Storage";

    /// <summary>A storage connection string; wins over <see cref="AccountName"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The storage account name, reached with <c>DefaultAzureCredential</c>.</summary>
    public string? AccountName { get; set; }

    /// <summary>The managed identity's client id, when a user-assigned identity is used.</summary>
    public string? ManagedIdentityClientId { get; set; }
}

/// <summary>How events are stored.</summary>
public sealed class IngestionOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ingestion";

    /// <summary>The secret of the keyed hash that turns ids into pseudonymous storage keys. Keep it in Key Vault; changing it orphans stored data.</summary>
    [Required, MinLength(16)]
    public string PseudonymSecret { get; set; } = string.Empty;

    /// <summary>How many user partitions are written at once.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>How many identities' activity rows, links and profile versions are kept in memory (one LRU each) to save a read per write; the identities active at once should fit.</summary>
    [Range(0, 10_000_000)]
    public int ActivityCacheSize { get; set; } = 10_000;

    /// <summary>How often a stream message is delivered before it is dead-lettered.</summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>How many queue messages the self-hosted consumer takes at once (1–32).</summary>
    [Range(1, 32)]
    public int QueueBatchSize { get; set; } = 32;

    /// <summary>The self-hosted stream queue's name.</summary>
    [Required]
    public string QueueName { get; set; } = "web-events";
}

/// <summary>The tracking API's limits and rate limit.</summary>
public sealed class TrackingOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Tracking";

    /// <summary>Largest single event, bytes.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxEventBytes { get; set; } = 32 * 1024;

    /// <summary>Largest request body after decompression, bytes.</summary>
    [Range(1024, 4 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 500 * 1024;

    /// <summary>Most messages in one batch.</summary>
    [Range(1, 10_000)]
    public int MaxBatchEvents { get; set; } = 2500;

    /// <summary>Deepest JSON nesting.</summary>
    [Range(4, 256)]
    public int MaxJsonDepth { get; set; } = 32;

    /// <summary>Events per second one source may send before it is answered 429.</summary>
    [Range(1, 1_000_000)]
    public int EventsPerSecondPerSource { get; set; } = 5000;

    /// <summary>Events a source may send in a burst above its rate.</summary>
    [Range(1, 10_000_000)]
    public int BurstEventsPerSource { get; set; } = 20_000;

    /// <summary>The host (and port) browsers reach the tracking API at, when it differs from the request's (behind a proxy or CDN).</summary>
    public string? PublicApiHost { get; set; }

    /// <summary>The scheme browsers reach the tracking API with (https behind TLS termination).</summary>
    public string? PublicApiScheme { get; set; }

    /// <summary>Origins allowed to call the tracking API from browsers; empty allows any.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>Access to management endpoints.</summary>
public sealed class AdminOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Admin";

    /// <summary>The key management calls send as <c>X-Admin-Key</c>.</summary>
    [Required, MinLength(16)]
    public string Key { get; set; } = string.Empty;
}
