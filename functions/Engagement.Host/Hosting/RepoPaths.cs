namespace Engagement.Host.Hosting;

/// <summary>Finds the repository the program runs from: where package.json (Azurite, MailDev) and .engage/ live.</summary>
public static class RepoPaths
{
    /// <summary>The repository root, found by walking up from the working directory and from the program's folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The local data folder, <c>.engage/</c> under the root.</summary>
    public static string DataDirectory => Path.Combine(Root, ".engage");

    private static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "package.json")) && File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the Engagement 360 repository (package.json beside Functions.sln) above the working directory.");
    }
}
