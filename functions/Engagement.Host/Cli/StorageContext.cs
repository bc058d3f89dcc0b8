using Azure;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Storage;

namespace Engagement.Host.Cli;

/// <summary>A failure the command line reports as one line with exit code 2.</summary>
/// <param name="message">What went wrong and what to do.</param>
/// <param name="inner">The underlying fault, if any.</param>
internal sealed class CommandLineException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The storage a command works on: the embedded default (Azurite under <c>.engage/</c>, started when needed) or an
/// account given with <c>--storage</c>, whose secrets then come from configuration (environment variables).
/// </summary>
internal sealed class StorageContext : IAsyncDisposable
{
    private readonly EmbeddedStorage? _embedded;

    private StorageContext(IReadOnlyDictionary<string, string?> settings, EmbeddedStorage? embedded)
    {
        Settings = settings;
        _embedded = embedded;
    }

    /// <summary>Configuration for the services.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Whether this is the embedded default.</summary>
    public bool IsEmbedded => _embedded is not null;

    public static async Task<StorageContext> OpenAsync(string? storage, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().Select(e => ((string)e.Key, e.Value as string)))
        {
            if (key.Contains("__", StringComparison.Ordinal))
            {
                settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
            }
        }

        EmbeddedStorage? embedded = null;
        if (storage is null)
        {
            try
            {
                embedded = await EmbeddedStorage.OpenAsync(RepoPaths.DataDirectory, cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                throw new CommandLineException($"could not start the embedded storage (Azurite): {ex.Message.Split('\n')[0]}", ex);
            }

            foreach (var (key, value) in LocalSettings.Load(RepoPaths.DataDirectory))
            {
                settings.TryAdd(key, value);
            }

            settings["Storage:ConnectionString"] = embedded.ConnectionString;
        }
        else
        {
            if (!storage.Contains('=', StringComparison.Ordinal))
            {
                throw new CommandLineException("--storage takes a storage connection string (\"DefaultEndpointsProtocol=…;AccountName=…;…\").");
            }

            settings["Storage:ConnectionString"] = storage;
            foreach (var required in new[] { "Ingestion:PseudonymSecret", "Admin:Key" })
            {
                if (string.IsNullOrWhiteSpace(settings.GetValueOrDefault(required)))
                {
                    throw new CommandLineException($"with --storage, set {required.Replace(":", "__", StringComparison.Ordinal)} in the environment (the same value as the deployment's).");
                }
            }
        }

        return new StorageContext(settings, embedded);
    }

    /// <summary>A context over storage given by complete settings (tests, and hosts that configure themselves).</summary>
    internal static StorageContext ForSettings(IReadOnlyDictionary<string, string?> settings) => new(settings, null);

    /// <summary>A service provider over this storage, with storage created and checked.</summary>
    public Task<ServiceProvider> CreateServicesAsync(CancellationToken cancellationToken) => CreateServicesAsync(Settings, cancellationToken);

    /// <summary>A service provider (its own caches) over the given settings, with storage created and checked.</summary>
    public static async Task<ServiceProvider> CreateServicesAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("Azure.Core", LogLevel.Error))
            .AddEngagementInfrastructure(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false });
        await CheckReachableAsync(services, cancellationToken);
        return services;
    }

    /// <summary>Creates tables and containers; a storage account that does not answer becomes a one-line error.</summary>
    public static async Task CheckReachableAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await services.GetRequiredService<EngagementStorage>().EnsureCreatedAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException or FormatException or ArgumentException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new CommandLineException($"storage is not reachable: {ex.Message.Split('\n')[0].Trim()}", ex);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            throw new CommandLineException($"configuration is invalid: {ex.Message}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }
}
