namespace Engagement.Functions.Tests;

/// <summary>
/// The Functions app cannot be built here (its packages are not on this feed), so its sources are compiled with
/// Roslyn against our assemblies: a wrong call into shared/ fails here, on every build, instead of at deployment.
/// </summary>
public sealed class FunctionsGlueCompilationTests
{
    [Fact]
    public void FunctionsSourcesCompileAgainstSharedAssemblies()
    {
        var sources = Directory.EnumerateFiles(RepositoryRoot.FunctionsProject, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => (path, File.ReadAllText(path)))
            .ToList();
        Assert.Contains(sources, s => Path.GetFileName(s.path) == "Program.cs");

        var problems = GlueCompiler.Problems(sources);

        Assert.True(problems.Count == 0, "The Functions sources do not compile against shared/:" + Environment.NewLine + GlueCompiler.Describe(problems));
    }

    [Fact]
    public void UnresolvedFunctionsAndEventHubsTypesAreTolerated()
    {
        var problems = GlueCompiler.Problems([("Glue.cs", """
            using Azure.Messaging.EventHubs;
            using Engagement.Infrastructure.Health;
            using Microsoft.Azure.Functions.Worker;
            using Microsoft.Extensions.DependencyInjection;

            var services = new ServiceCollection();
            services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();

            public sealed class Probe(HealthProbe probe)
            {
                [Function("Probe")]
                [FixedDelayRetry(5, "00:00:10")]
                public async Task RunAsync([EventHubTrigger("hub", Connection = "C")] EventData[] events, FunctionContext context)
                {
                    _ = events.Length;
                    await probe.CheckAsync(context.CancellationToken);
                }
            }
            """)]);

        Assert.True(problems.Count == 0, GlueCompiler.Describe(problems));
    }

    [Fact]
    public void ACallIntoSharedWithWrongArgumentsIsReported()
    {
        var problems = GlueCompiler.Problems([("Glue.cs", """
            using Azure.Messaging.EventHubs;
            using Engagement.Infrastructure.Streaming;
            using Microsoft.Azure.Functions.Worker;

            public sealed class Ingest(StreamDelivery delivery)
            {
                [Function("Ingest")]
                public Task RunAsync([EventHubTrigger("hub")] EventData[] events, CancellationToken cancellationToken) =>
                    delivery.HandleOrDeadLetterAsync("not messages", cancellationToken: cancellationToken);
            }
            """)]);

        Assert.Contains(problems, p => p.Id == "CS1503");
    }

    [Fact]
    public void AMisspelledSharedTypeIsReported()
    {
        var problems = GlueCompiler.Problems([("Glue.cs", """
            using Engagement.Infrastructure.Tracking;
            using Microsoft.Azure.Functions.Worker;

            public sealed class Track(TrackingIntak intake)
            {
                [Function("Track")]
                public void Run() => _ = intake;
            }
            """)]);

        Assert.Contains(problems, p => p.Id == "CS0246" && p.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("TrackingIntak", StringComparison.Ordinal));
    }

    [Fact]
    public void AnExtensionMethodOfOursThatDoesNotExistIsReported()
    {
        var problems = GlueCompiler.Problems([("Glue.cs", """
            using Microsoft.Extensions.DependencyInjection;

            var services = new ServiceCollection();
            services.AddEngagementInfrastructur(null!);
            """)]);

        Assert.Contains(problems, p => p.Id == "CS1061");
    }
}
