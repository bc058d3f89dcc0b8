using System.Diagnostics;
using System.Security.Cryptography;
using Engagement.Host.Cli;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;

namespace Engagement.Host.Bench;

/// <summary>
/// The storage a benchmark runs on: by default its own Azurite in memory, started for the run and stopped after it
/// (so nothing of the user's <c>.engage/</c> data is touched); with <c>--storage</c>, that account.
/// </summary>
internal sealed class BenchStorage : IAsyncDisposable
{
    private readonly AzuriteProcess? _azurite;
    private readonly StorageContext? _context;

    private BenchStorage(Dictionary<string, string?> settings, AzuriteProcess? azurite, StorageContext? context)
    {
        Settings = settings;
        _azurite = azurite;
        _context = context;
    }

    /// <summary>Configuration for the services and the web host.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Azurite's Node.js process, when the benchmark started one.</summary>
    public Process? AzuriteProcess => _azurite is null ? null : TryGetProcess(_azurite.ProcessId);

    public static Task<BenchStorage> OpenAsync(string? storage, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken) =>
        OpenAsync(storage, overrides, Hosting.AzuriteProcess.DefaultHeapMegabytes, cancellationToken);

    /// <summary>Opens the storage; an Azurite started for the run may grow its JavaScript heap to <paramref name="azuriteHeapMegabytes"/>.</summary>
    public static async Task<BenchStorage> OpenAsync(string? storage, IReadOnlyDictionary<string, string?> overrides, int azuriteHeapMegabytes, CancellationToken cancellationToken)
    {
        Dictionary<string, string?> settings;
        AzuriteProcess? azurite = null;
        StorageContext? context = null;
        if (storage is null)
        {
            try
            {
                azurite = await Hosting.AzuriteProcess.StartAsync(null, azuriteHeapMegabytes, cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                throw new CommandLineException($"could not start Azurite: {ex.Message.Split('\n')[0]}", ex);
            }

            settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            // Environment overrides (Ingestion__MaxConcurrency=64, say) apply as to every command.
            foreach (var (key, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().Select(e => ((string)e.Key, e.Value as string)))
            {
                if (key.Contains("__", StringComparison.Ordinal))
                {
                    settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
                }
            }

            settings.TryAdd("Ingestion:PseudonymSecret", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
            settings.TryAdd("Admin:Key", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
            settings.TryAdd("Consent:FormSecret", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
            settings.TryAdd("Campaigns:TrackingSecret", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
            settings["Storage:ConnectionString"] = azurite.ConnectionString;
        }
        else
        {
            context = await StorageContext.OpenAsync(storage, cancellationToken);
            settings = new Dictionary<string, string?>(context.Settings, StringComparer.OrdinalIgnoreCase);
        }

        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return new BenchStorage(settings, azurite, context);
    }

    /// <summary>A fresh service provider (fresh caches) over this storage, with storage created and checked.</summary>
    public Task<ServiceProvider> CreateServicesAsync(CancellationToken cancellationToken) => StorageContext.CreateServicesAsync(Settings, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
    }

    private static Process? TryGetProcess(int id)
    {
        try
        {
            return Process.GetProcessById(id);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
