using System.CommandLine;
using Engagement.Infrastructure.ConsentDrives;
using Engagement.Infrastructure.Workflows;

namespace Engagement.Host.Cli;

/// <summary><c>engage consent report &lt;drive&gt;</c>: a consent drive's progress as tables, and optionally its chart as a PNG.</summary>
internal static class ConsentCommands
{
    public static Command Create(Option<string?> storage)
    {
        var drive = new Argument<string>("drive") { Description = "The drive's id (as POST /api/consent-drives answered)." };
        var png = new Option<FileInfo?>("--png") { Description = "Also write the opt-in curve against the plan to this PNG file." };
        var report = new Command("report", "Show a consent drive's opt-in share over time against its plan, per-channel conversion and per-segment reach.") { drive, png };
        report.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var id = parse.GetValue(drive)!;
            if (await ConsentDriveHttp.ReadAsync(services.GetRequiredService<WorkflowEngine>(), id, cancellationToken) is not { } found)
            {
                throw new CommandLineException($"no consent drive is named \"{id}\"");
            }

            Console.WriteLine($"Consent drive {found.View.Id} ({found.View.Status.ToString().ToLowerInvariant()})");
            Console.WriteLine(found.Report.ToText());
            if (parse.GetValue(png) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, ConsentDriveChart.Png(found.Report), cancellationToken);
                Console.WriteLine($"Chart: {file.FullName}");
            }

            return 0;
        });

        return new Command("consent", "Consent drives.") { report };
    }
}
