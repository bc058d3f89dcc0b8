using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Engagement.Host.Hosting;

/// <summary>
/// MailDev (an SMTP sink with a web inbox and a REST API) started from the repository's npm packages on free
/// loopback ports, and stopped on dispose: where <c>engage serve --maildev</c> and the tests send e-mail.
/// Its REST API lists what arrived: <c>GET {WebAddress}api/email</c>.
/// </summary>
public sealed class MailDevProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private MailDevProcess(Process process, StringBuilder output, int smtpPort, int webPort)
    {
        _process = process;
        _output = output;
        SmtpPort = smtpPort;
        WebAddress = new Uri($"http://127.0.0.1:{webPort.ToString(CultureInfo.InvariantCulture)}/");
    }

    /// <summary>The SMTP port (on 127.0.0.1, plain text, no authentication).</summary>
    public int SmtpPort { get; }

    /// <summary>The web inbox and REST API.</summary>
    public Uri WebAddress { get; }

    /// <summary>The settings that send the platform's e-mail here.</summary>
    public IReadOnlyDictionary<string, string?> EmailSettings => new Dictionary<string, string?>
    {
        ["Email:Smtp:Host"] = "127.0.0.1",
        ["Email:Smtp:Port"] = SmtpPort.ToString(CultureInfo.InvariantCulture),
        ["Email:Smtp:Security"] = "None",
        ["Email:From"] = "consent@engagement360.local",
        ["Email:FromName"] = "Engagement 360",
    };

    /// <summary>Starts MailDev (mail kept in memory) and waits until its API answers.</summary>
    public static async Task<MailDevProcess> StartAsync(CancellationToken cancellationToken = default)
    {
        var script = await NodeTools.RequireAsync(Path.Combine("maildev", "dist", "bin", "maildev.js"), cancellationToken);
        var ports = Loopback.FreePorts(2);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            script,
            "--smtp", ports[0].ToString(CultureInfo.InvariantCulture),
            "--web", ports[1].ToString(CultureInfo.InvariantCulture),
            "--ip", "127.0.0.1",
            "--web-ip", "127.0.0.1",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Node.js for MailDev.");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var maildev = new MailDevProcess(process, output, ports[0], ports[1]);
        try
        {
            await maildev.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await maildev.DisposeAsync();
            throw;
        }

        return maildev;
    }

    /// <summary>What MailDev printed, for diagnosing a failed start.</summary>
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

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        // The API answers once both the web server and the SMTP server listen.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"MailDev exited ({_process.ExitCode}) while starting: {Output.Trim()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(WebAddress, "api/healthz"), cancellationToken);
                if (response.IsSuccessStatusCode && await SmtpAnswersAsync(cancellationToken))
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                // Not answering yet.
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"MailDev did not answer within 60 s: {Output.Trim()}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private async Task<bool> SmtpAnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync(System.Net.IPAddress.Loopback, SmtpPort, cancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

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
}
