using System.CommandLine;

namespace Engagement.Host.Cli;

/// <summary>The <c>engage</c> command line.</summary>
public static class EngageCommandLine
{
    /// <summary>Runs the command line; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Engagement 360: customer engagement on Azure Functions, self-hosted.");
        var parse = root.Parse(args);
        return await parse.InvokeAsync();
    }
}
