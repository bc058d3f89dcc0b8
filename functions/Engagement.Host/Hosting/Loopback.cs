using System.Net;
using System.Net.Sockets;

namespace Engagement.Host.Hosting;

/// <summary>Free ports on the loopback interface, for the processes and listeners the runtime starts itself.</summary>
public static class Loopback
{
    /// <summary>Ports free at this moment, all different (taken together, so none is handed out twice).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    /// <summary>One port free at this moment.</summary>
    public static int FreePort() => FreePorts(1)[0];
}
