using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engagement.Integration.Tests.Support;

/// <summary>
/// A tiny SMTP server on a loopback port that answers RCPT TO as a test scripts it (451 "try later", 550 "no such
/// user", 421 "closing"), for the replies MailDev never gives. It speaks just enough SMTP for MailKit: greeting, EHLO,
/// MAIL, RCPT, DATA, RSET, NOOP, QUIT; no pipelining, no TLS.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<int, string> _rcptReply;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentQueue<string> _messages = new();
    private int _rcptAttempts;
    private int _connections;

    /// <param name="rcptReply">The reply to the n-th RCPT TO (1-based) over all connections, e.g. "451 4.3.0 Try again later".</param>
    public ScriptedSmtpServer(Func<int, string> rcptReply)
    {
        _rcptReply = rcptReply;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>RCPT TO commands received.</summary>
    public int RcptAttempts => Volatile.Read(ref _rcptAttempts);

    /// <summary>Connections accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Messages accepted (after DATA), raw.</summary>
    public IReadOnlyList<string> Messages => _messages.ToArray();

    /// <summary>Settings that send the platform's e-mail here, retrying at once.</summary>
    public IReadOnlyDictionary<string, string?> EmailSettings => new Dictionary<string, string?>
    {
        ["Email:Smtp:Host"] = "127.0.0.1",
        ["Email:Smtp:Port"] = Port.ToString(CultureInfo.InvariantCulture),
        ["Email:Smtp:Security"] = "None",
        ["Email:Smtp:Connections"] = "1",
        ["Email:From"] = "news@engagement360.local",
        ["Email:Retry:BaseDelayMilliseconds"] = "5",
        ["Email:Retry:MaxDelaySeconds"] = "1",
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII);
                await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 stub ESMTP ready");
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO" or "HELO":
                            await writer.WriteLineAsync("250 stub");
                            break;
                        case "MAIL" or "RSET" or "NOOP":
                            await writer.WriteLineAsync("250 2.0.0 OK");
                            break;
                        case "RCPT":
                            var reply = _rcptReply(Interlocked.Increment(ref _rcptAttempts));
                            await writer.WriteLineAsync(reply);
                            if (reply.StartsWith("421", StringComparison.Ordinal))
                            {
                                return;
                            }

                            break;
                        case "DATA":
                            await writer.WriteLineAsync("354 end with <CRLF>.<CRLF>");
                            var data = new StringBuilder();
                            while (await reader.ReadLineAsync(_stop.Token) is { } body && body != ".")
                            {
                                data.AppendLine(body);
                            }

                            _messages.Enqueue(data.ToString());
                            await writer.WriteLineAsync("250 2.0.0 queued");
                            break;
                        case "QUIT":
                            await writer.WriteLineAsync("221 2.0.0 bye");
                            return;
                        default:
                            await writer.WriteLineAsync("502 5.5.2 not implemented");
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the server is stopping.
            }
        }
    }
}
