using System.Diagnostics;

namespace Engagement.Host.Hosting;

/// <summary>Installs the repository's npm packages (Azurite, MailDev, test clients) on first use.</summary>
public static class NodeTools
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>Path of an installed package's file, installing the packages first when missing.</summary>
    public static async Task<string> RequireAsync(string relativePath, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(RepoPaths.Root, "node_modules", relativePath);
        if (File.Exists(path))
        {
            return path;
        }

        await InstallGate.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(path))
            {
                await InstallAsync(cancellationToken);
            }
        }
        finally
        {
            InstallGate.Release();
        }

        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"npm installed the packages but {relativePath} is still missing.");
    }

    private static async Task InstallAsync(CancellationToken cancellationToken)
    {
        var hasLock = File.Exists(Path.Combine(RepoPaths.Root, "package-lock.json"));
        var failure = await RunNpmAsync(hasLock ? "ci" : "install", cancellationToken);
        if (failure is not null && hasLock)
        {
            // Some npm versions refuse "ci" when the lock file lacks other platforms' optional packages (which they
            // themselves leave out when writing it); "install" still installs the locked versions.
            failure = await RunNpmAsync("install", cancellationToken);
        }

        if (failure is not null)
        {
            throw new InvalidOperationException(failure);
        }
    }

    private static async Task<string?> RunNpmAsync(string command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { command, "--no-audit", "--no-fund", "--loglevel=error" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm; is Node.js installed?");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0
            ? null
            : $"npm {command} failed ({process.ExitCode}): {(await errors).Trim()} {(await output).Trim()}";
    }
}
