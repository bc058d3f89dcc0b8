using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;

namespace Engagement.Host.Hosting;

/// <summary>
/// The embedded default storage: one Azurite per data folder, shared by every <c>engage</c> command that runs at the
/// same time (a running <c>serve</c> and an <c>import</c>, say). The first command starts it and records its
/// address; the others use that address while it answers.
/// </summary>
public sealed class EmbeddedStorage : IAsyncDisposable
{
    private readonly AzuriteProcess? _owned;
    private readonly string? _statePath;

    private EmbeddedStorage(string connectionString, AzuriteProcess? owned, string? statePath)
    {
        ConnectionString = connectionString;
        _owned = owned;
        _statePath = statePath;
    }

    /// <summary>The storage connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>Whether this command started Azurite (and stops it on exit).</summary>
    public bool Started => _owned is not null;

    /// <summary>Uses the Azurite already running on <paramref name="dataDirectory"/>, or starts one.</summary>
    public static async Task<EmbeddedStorage> OpenAsync(string dataDirectory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(dataDirectory);
        var statePath = Path.Combine(dataDirectory, "azurite.json");
        using (var gate = await LockAsync(dataDirectory, cancellationToken))
        {
            if (File.Exists(statePath))
            {
                var state = JsonSerializer.Deserialize<RunningAzurite>(await File.ReadAllTextAsync(statePath, cancellationToken));
                if (state is not null && IsAlive(state))
                {
                    return new EmbeddedStorage(state.ConnectionString, null, null);
                }
            }

            var azurite = await AzuriteProcess.StartAsync(Path.Combine(dataDirectory, "azurite"), cancellationToken);
            var running = new RunningAzurite(Environment.ProcessId, azurite.ConnectionString);
            await File.WriteAllTextAsync(statePath, JsonSerializer.Serialize(running), cancellationToken);
            return new EmbeddedStorage(azurite.ConnectionString, azurite, statePath);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
        {
            if (_statePath is not null)
            {
                File.Delete(_statePath);
            }

            await _owned.DisposeAsync();
        }
    }

    private static bool IsAlive(RunningAzurite state)
    {
        try
        {
            using var owner = Process.GetProcessById(state.OwnerProcessId);
            if (owner.HasExited)
            {
                return false;
            }
        }
        catch (ArgumentException)
        {
            return false;
        }

        var table = state.ConnectionString.Split(';').First(p => p.StartsWith("TableEndpoint=", StringComparison.Ordinal))["TableEndpoint=".Length..];
        var uri = new Uri(table);
        try
        {
            using var client = new TcpClient();
            client.Connect(uri.Host, uri.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<FileStream> LockAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataDirectory, "azurite.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 300)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private sealed record RunningAzurite(int OwnerProcessId, string ConnectionString);
}
