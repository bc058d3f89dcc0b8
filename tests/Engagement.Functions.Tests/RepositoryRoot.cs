namespace Engagement.Functions.Tests;

/// <summary>Paths in the repository, found from the test's output folder upwards.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string FunctionsProject => System.IO.Path.Combine(Path, "functions", "Engagement.Functions");

    public static string Bicep => System.IO.Path.Combine(Path, "infra-bicep");

    public static string HostJson => System.IO.Path.Combine(Path, "host.json");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Functions.sln above {AppContext.BaseDirectory}.");
    }
}
