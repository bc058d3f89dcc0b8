using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Engagement.Functions.Tests;

/// <summary>
/// Compiles C# sources of the Functions app with Roslyn against our own assemblies and the .NET and ASP.NET Core
/// reference assemblies, without the Azure Functions, Durable Task, Event Hubs and Application Insights packages
/// (the feed here does not serve them). Reports every diagnostic that is not explained by one of those packages
/// being absent.
/// </summary>
internal static partial class GlueCompiler
{
    /// <summary>Namespaces that only those packages provide.</summary>
    private static readonly string[] AbsentNamespaces =
    [
        "Microsoft.Azure.Functions.Worker",
        "Microsoft.DurableTask",
        "Azure.Messaging.EventHubs",
        "Microsoft.ApplicationInsights",
    ];

    /// <summary>Types of those packages, by simple name (attributes with and without the suffix).</summary>
    private static readonly HashSet<string> AbsentTypes = new(StringComparer.Ordinal)
    {
        // Microsoft.Azure.Functions.Worker (+ extensions)
        "Function", "FunctionAttribute", "FunctionContext", "FunctionsApplication", "FunctionsApplicationBuilder",
        "IFunctionsWorkerApplicationBuilder", "AuthorizationLevel", "RetryContext",
        "HttpTrigger", "HttpTriggerAttribute", "HttpResult", "HttpResultAttribute", "HttpRequestData", "HttpResponseData",
        "EventHubTrigger", "EventHubTriggerAttribute", "EventHubOutput", "EventHubOutputAttribute",
        "TimerTrigger", "TimerTriggerAttribute", "TimerInfo", "ScheduleStatus",
        "EventGridTrigger", "EventGridTriggerAttribute",
        "QueueTrigger", "QueueTriggerAttribute",
        "FixedDelayRetry", "FixedDelayRetryAttribute", "ExponentialBackoffRetry", "ExponentialBackoffRetryAttribute",
        // Durable Functions (Microsoft.DurableTask, Microsoft.Azure.Functions.Worker.Extensions.DurableTask)
        "OrchestrationTrigger", "OrchestrationTriggerAttribute", "ActivityTrigger", "ActivityTriggerAttribute",
        "DurableClient", "DurableClientAttribute", "TaskOrchestrationContext", "DurableTaskClient", "TaskName",
        "TaskOptions", "RetryPolicy", "StartOrchestrationOptions", "OrchestrationMetadata", "OrchestrationRuntimeStatus",
        "TaskFailedException",
        // Azure.Messaging.EventHubs
        "EventData", "EventHubProducerClient", "EventHubProducerClientOptions", "EventHubsRetryOptions",
        "EventHubsRetryMode", "EventHubsException", "SendEventOptions", "EventDataBatch",
    };

    /// <summary>Extension methods of those packages on types we do resolve (such as <c>IServiceCollection</c>).</summary>
    private static readonly HashSet<string> AbsentExtensionMethods = new(StringComparer.Ordinal)
    {
        "AddApplicationInsightsTelemetryWorkerService",
        "ConfigureFunctionsApplicationInsights",
    };

    /// <summary>Assemblies of those packages, as named in CS0012.</summary>
    private static readonly string[] AbsentAssemblyPrefixes =
    [
        "Microsoft.Azure.Functions.Worker",
        "Microsoft.DurableTask",
        "Azure.Messaging.EventHubs",
        "Microsoft.ApplicationInsights",
    ];

    /// <summary>What the SDK adds as global usings with ImplicitUsings for Microsoft.NET.Sdk.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>Source generators the SDK runs for us that the glue relies on ([LoggerMessage], JSON, regex).</summary>
    private static readonly string[] Generators =
    [
        "Microsoft.Extensions.Logging.Generators.dll",
        "System.Text.Json.SourceGeneration.dll",
        "System.Text.RegularExpressions.Generator.dll",
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    private static readonly Lazy<ImmutableArray<ISourceGenerator>> SourceGenerators = new(LoadGenerators);

    /// <summary>The diagnostics (errors and warnings, as the build treats warnings as errors) not explained by an absent package.</summary>
    public static IReadOnlyList<Diagnostic> Problems(IEnumerable<(string Path, string Text)> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: ["NET", "NET10_0", "NET10_0_OR_GREATER", "NETCOREAPP"]);
        var trees = sources
            .Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, parse, "GlobalUsings.g.cs"))
            .ToList();
        var hasTopLevelStatements = trees.Any(t => t.GetRoot().ChildNodes().OfType<GlobalStatementSyntax>().Any());
        var options = new CSharpCompilationOptions(
            hasTopLevelStatements ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            // The SDK's own default NoWarn: binding a newer minor version of a referenced assembly is expected.
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress });
        var compilation = CSharpCompilation.Create("Engagement.Functions", trees, References.Value, options);

        CSharpGeneratorDriver.Create(SourceGenerators.Value, parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);

        return generatorDiagnostics.Concat(generated.GetDiagnostics())
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && !IsExplainedByAbsentPackage(d))
            .ToList();
    }

    /// <summary>One line per diagnostic, with file and line.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics) => string.Join(
        Environment.NewLine,
        diagnostics.Select(d =>
        {
            var span = d.Location.GetLineSpan();
            return $"{Path.GetFileName(span.Path)}({span.StartLinePosition.Line + 1}): {d.Id} {d.GetMessage(CultureInfo.InvariantCulture)}";
        }));

    private static bool IsExplainedByAbsentPackage(Diagnostic diagnostic)
    {
        if (diagnostic.Severity != DiagnosticSeverity.Error)
        {
            return false;
        }

        switch (diagnostic.Id)
        {
            case "CS0246": // The type or namespace name 'X' could not be found
            case "CS0103": // The name 'X' does not exist in the current context
                return AbsentTypes.Contains(NameAt(diagnostic));
            case "CS0234": // The type or namespace name 'X' does not exist in the namespace 'N'
                return QualifiedNameAt(diagnostic) is { } name
                    && AbsentNamespaces.Any(ns => name == ns || name.StartsWith(ns + ".", StringComparison.Ordinal));
            case "CS1061": // 'T' does not contain a definition for 'M' and no accessible extension method 'M'
                return AbsentExtensionMethods.Contains(NameAt(diagnostic));
            case "CS0012": // The type 'X' is defined in an assembly that is not referenced. You must add a reference to assembly 'A'
                var assembly = AssemblyReference().Match(diagnostic.GetMessage(CultureInfo.InvariantCulture));
                return assembly.Success && AbsentAssemblyPrefixes.Any(p => assembly.Groups["name"].Value.StartsWith(p, StringComparison.Ordinal));
            default:
                return false;
        }
    }

    /// <summary>The identifier the diagnostic points at, without generic arguments.</summary>
    private static string NameAt(Diagnostic diagnostic)
    {
        var text = diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
        var generic = text.IndexOf('<', StringComparison.Ordinal);
        return generic < 0 ? text : text[..generic];
    }

    /// <summary>
    /// For a missing namespace member: the whole dotted name it sits in, up to and including the missing part
    /// (<c>Microsoft.Azure</c> in <c>using Microsoft.Azure.Functions.Worker;</c> is reported as the full using).
    /// </summary>
    private static string? QualifiedNameAt(Diagnostic diagnostic)
    {
        var root = diagnostic.Location.SourceTree!.GetRoot();
        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        NameSyntax? outermost = node as NameSyntax;
        for (var parent = node.Parent; parent is QualifiedNameSyntax or AliasQualifiedNameSyntax; parent = parent.Parent)
        {
            outermost = (NameSyntax)parent;
        }

        return outermost?.ToString();
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var frameworkRefs = SharedFrameworkReferencePacks().SelectMany(dir => Directory.EnumerateFiles(dir, "*.dll")).ToList();
        var frameworkNames = frameworkRefs.Select(Path.GetFileName).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ours = Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll")
            .Where(path => !frameworkNames.Contains(Path.GetFileName(path)))
            .Where(IsManagedAssembly);
        return [.. frameworkRefs.Concat(ours).Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    }

    private static ImmutableArray<ISourceGenerator> LoadGenerators()
    {
        var loader = new GeneratorLoader();
        return
        [
            .. SharedFrameworkReferencePacks()
                .Select(refDir => Path.Combine(refDir, "..", "..", "analyzers", "dotnet", "cs"))
                .SelectMany(dir => Generators.Select(name => Path.GetFullPath(Path.Combine(dir, name))))
                .Where(File.Exists)
                .SelectMany(path => new AnalyzerFileReference(path, loader).GetGenerators(LanguageNames.CSharp)),
        ];
    }

    /// <summary>The ref/net10.0 folders of the Microsoft.NETCore.App and Microsoft.AspNetCore.App reference packs of the running SDK.</summary>
    private static IEnumerable<string> SharedFrameworkReferencePacks()
    {
        // typeof(object) lives in {dotnet}/shared/Microsoft.NETCore.App/{version}/.
        var runtimeDir = new DirectoryInfo(Path.GetDirectoryName(typeof(object).Assembly.Location)!);
        var dotnetRoot = runtimeDir.Parent!.Parent!.Parent!.FullName;
        var tfm = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        foreach (var pack in new[] { "Microsoft.NETCore.App.Ref", "Microsoft.AspNetCore.App.Ref" })
        {
            var versions = new DirectoryInfo(Path.Combine(dotnetRoot, "packs", pack));
            var refDir = versions.Exists
                ? versions.EnumerateDirectories()
                    .Where(v => Version.TryParse(v.Name.Split('-')[0], out var version) && version.Major == Environment.Version.Major)
                    .OrderByDescending(v => Version.Parse(v.Name.Split('-')[0]))
                    .Select(v => Path.Combine(v.FullName, "ref", tfm))
                    .FirstOrDefault(Directory.Exists)
                : null;
            yield return refDir ?? throw new InvalidOperationException($"No {pack} for {tfm} under {versions.FullName}.");
        }
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    private sealed class GeneratorLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) => System.Reflection.Assembly.LoadFrom(fullPath);
    }

    [GeneratedRegex(@"reference to assembly '(?<name>[^,']+)")]
    private static partial Regex AssemblyReference();
}
