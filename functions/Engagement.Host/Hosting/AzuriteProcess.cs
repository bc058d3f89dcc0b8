using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engagement.Host.Hosting;

/// <summary>
/// Azurite (Blob, Queue, Table) started from the repository's npm packages on free loopback ports, and stopped on
/// dispose: the embedded default storage of <c>engage</c> and of the tests.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly bool _persistent;

    private AzuriteProcess(Process process, StringBuilder output, int blobPort, int queuePort, int tablePort, bool persistent)
    {
        _persistent = persistent;
        _process = process;
        _output = output;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;";
    }

    /// <summary>The storage connection string of this Azurite.</summary>
    public string ConnectionString { get; }

    /// <summary>The id of the Node.js process running Azurite, to watch its memory.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The JavaScript heap Azurite may grow to unless told otherwise.</summary>
    public const int DefaultHeapMegabytes = 8192;

    /// <summary>Starts Azurite, keeping data in <paramref name="dataDirectory"/>, or in memory when null.</summary>
    public static Task<AzuriteProcess> StartAsync(string? dataDirectory, CancellationToken cancellationToken = default) =>
        StartAsync(dataDirectory, DefaultHeapMegabytes, cancellationToken);

    /// <summary>
    /// Starts Azurite, keeping data in <paramref name="dataDirectory"/>, or in memory when null, with a JavaScript heap of
    /// up to <paramref name="heapMegabytes"/> (Azurite's table service holds every entity in memory, a few kB each).
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(string? dataDirectory, int heapMegabytes, CancellationToken cancellationToken = default)
    {
        var script = await NodeTools.RequireAsync(Path.Combine("azurite", "dist", "src", "azurite.js"), cancellationToken);
        var ports = Loopback.FreePorts(3);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A large event store is held in memory by Azurite's table service.
        start.Environment["NODE_OPTIONS"] = "--max-old-space-size=" + heapMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Azurite reports usage to Microsoft by default, doing work on every request and calling out of the machine.
        string[] args =
        [
            script, "--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--disableTelemetry",
            "--blobHost", "127.0.0.1", "--blobPort", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (dataDirectory is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(dataDirectory);
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(dataDirectory);
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Node.js for Azurite.");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var azurite = new AzuriteProcess(process, output, ports[0], ports[1], ports[2], dataDirectory is not null);
        try
        {
            await WaitForPortsAsync(process, ports, output, cancellationToken);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }

        return azurite;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // With data on disk, a polite stop first: Azurite saves its table and blob metadata on SIGTERM, a kill loses the last seconds.
            if (_persistent && Terminate(_process.Id))
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    // Did not stop in time: killed below.
                }
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    /// <summary>What Azurite printed, for diagnosing a failed start.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private static bool Terminate(int processId) => OperatingSystem.IsWindows() ? false : SendSignal(processId, 15) == 0;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int processId, int signal);

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < 20_000)
            {
                output.AppendLine(line);
            }
        }
    }

    private static async Task WaitForPortsAsync(Process process, int[] ports, StringBuilder output, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in ports)
        {
            while (true)
            {
                if (process.HasExited)
                {
                    lock (output)
                    {
                        throw new InvalidOperationException($"Azurite exited ({process.ExitCode}) while starting: {output.ToString().Trim()}");
                    }
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100, cancellationToken);
                }
            }
        }
    }
}
