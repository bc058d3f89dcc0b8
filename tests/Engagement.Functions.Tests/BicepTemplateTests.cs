using System.Diagnostics;
using System.Reflection;

namespace Engagement.Functions.Tests;

/// <summary>
/// Compiles infra-bicep/ with the Bicep CLI (from NuGet, see the project file): syntax, resource types, API versions
/// and property names are checked against Bicep's Azure type definitions, the linter runs over main.bicep and every
/// module it uses, and every warning fails the test.
/// </summary>
public sealed class BicepTemplateTests
{
    private static readonly string? BicepCli = typeof(BicepTemplateTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "BicepCli")?.Value;

    [Fact]
    public void MainTemplateBuildsWithoutWarnings() => AssertClean("build", Path.Combine(RepositoryRoot.Bicep, "main.bicep"), "--stdout");

    [Fact]
    public void ParametersFileBuildsWithoutWarnings() => AssertClean("build-params", Path.Combine(RepositoryRoot.Bicep, "main.bicepparam"), "--stdout");

    private static void AssertClean(params string[] arguments)
    {
        // The CLI package is restored on linux-x64 only, the kind of machine our builds and CI run on.
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return;
        }

        Assert.True(BicepCli is not null && File.Exists(BicepCli), $"The Bicep CLI is not at {BicepCli}; restore the test project.");
        File.SetUnixFileMode(BicepCli, File.GetUnixFileMode(BicepCli) | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo(BicepCli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Bicep,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry, no update check: the CLI then needs no network.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var bicep = Process.Start(start)!;
        var stdout = bicep.StandardOutput.ReadToEndAsync();
        var stderr = bicep.StandardError.ReadToEnd();
        Assert.True(bicep.WaitForExit(TimeSpan.FromMinutes(2)), "bicep did not finish within 2 minutes.");
        _ = stdout.Result;

        Assert.True(bicep.ExitCode == 0 && string.IsNullOrWhiteSpace(stderr), $"bicep {string.Join(' ', arguments)} exited {bicep.ExitCode}:{Environment.NewLine}{stderr}");
    }
}
