using System.Diagnostics;
using Engagement.Host.Hosting;

namespace Engagement.EndToEnd.Tests.Support;

/// <summary>Runs a third-party tracking client (an npm package) in a Node.js script against the host.</summary>
public static class NodeClient
{
    public static async Task<string> RunAsync(string script, IReadOnlyDictionary<string, string> environment, string requiredPackage)
    {
        await NodeTools.RequireAsync(Path.Combine(requiredPackage, "package.json"));
        var path = Path.Combine(RepoPaths.Root, "tests", "Engagement.EndToEnd.Tests", "clients", script);
        var start = new ProcessStartInfo("node", [path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{script} failed ({process.ExitCode}): {await errors} {await output}");
        return await output;
    }
}
