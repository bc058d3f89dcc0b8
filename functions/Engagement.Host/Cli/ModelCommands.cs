using System.CommandLine;
using System.Globalization;
using Engagement.Infrastructure.Journeys;
using Engagement.Infrastructure.Models;
using Spectre.Console;

namespace Engagement.Host.Cli;

/// <summary><c>engage train</c>, <c>engage publish</c>, <c>engage models …</c> and <c>engage journeys rebuild</c>.</summary>
internal static class ModelCommands
{
    public static IEnumerable<Command> Create(Option<string?> storage)
    {
        var train = new Command("train", "Retrain every goal's model now from stored journeys; promote a model only if it beats the champion.");
        train.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var reports = await services.GetRequiredService<ModelTraining>().TrainAllAsync(cancellationToken);
            ModelPrinter.Print(reports);
            return reports.Any(r => r.Trained) ? 0 : 1;
        });

        var publish = new Command("publish", "Score people active in the scoring window and publish bid lists and next-best-offer lists now.");
        publish.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var report = await services.GetRequiredService<ScorePublisher>().PublishAsync(cancellationToken);
            ModelPrinter.Print(report);
            return report.Published ? 0 : 1;
        });

        var goalOption = new Option<string?>("--goal") { Description = "Only this goal." };
        var list = new Command("list", "List stored model versions with their hold-out metrics; * marks the champion.") { goalOption };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var versions = await services.GetRequiredService<ModelRegistry>().ListAsync(parse.GetValue(goalOption), cancellationToken);
            if (versions.Count == 0)
            {
                Console.WriteLine("No models stored yet (engage train).");
                return 0;
            }

            foreach (var v in versions)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(v.IsChampion ? "*" : " ")} {v.Goal}\t{v.Version}\t{v.Trainer}\tAUC {v.Auc:F3}\ttop-decile lift {v.TopDecileLift:F2}×\t{v.CreatedAt:yyyy-MM-dd HH:mm}Z"));
            }

            return 0;
        });

        var goal = new Argument<string>("goal") { Description = "The goal." };
        var version = new Argument<string>("version") { Description = "The version to make champion." };
        var promote = new Command("promote", "Make a stored version the champion (only if its model loads).") { goal, version };
        promote.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var change = await services.GetRequiredService<ModelRegistry>().PromoteAsync(parse.GetValue(goal)!, parse.GetValue(version)!, "promoted by hand (engage models promote)", cancellationToken);
            return Report(change);
        });

        var rollbackGoal = new Argument<string>("goal") { Description = "The goal." };
        var rollback = new Command("rollback", "Return a goal to its previous champion.") { rollbackGoal };
        rollback.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var change = await services.GetRequiredService<ModelRegistry>().RollbackAsync(parse.GetValue(rollbackGoal)!, "rolled back by hand (engage models rollback)", cancellationToken);
            return Report(change);
        });

        var rebuild = new Command("rebuild", "Recompute every identity's journey aggregates (counters, sessions) from its stored events.");
        rebuild.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var result = await services.GetRequiredService<JourneyStore>().RebuildAsync(cancellationToken: cancellationToken);
            Console.WriteLine($"{result.Identities:N0} identities, {result.Events:N0} events read; {result.Changed:N0} activity rows rewritten where they differed from what the events give.");
            return 0;
        });

        yield return train;
        yield return publish;
        yield return new Command("models", "Model versions and champions.") { list, promote, rollback };
        yield return new Command("journeys", "Journeys and their aggregates.") { rebuild };
    }

    private static int Report(ChampionChange change)
    {
        if (change.Succeeded)
        {
            Console.WriteLine(change.Message);
            return 0;
        }

        throw new CommandLineException(change.Message);
    }
}

/// <summary>Prints training and publishing results.</summary>
internal static class ModelPrinter
{
    public static void Print(IReadOnlyList<GoalTrainingReport> reports)
    {
        foreach (var report in reports)
        {
            AnsiConsole.MarkupLine($"[bold]goal {Markup.Escape(report.Goal)}[/]");
            if (!report.Trained || report.Metrics is not { } metrics)
            {
                AnsiConsole.MarkupLine($"  [yellow]{Markup.Escape(report.Message)}[/]");
                continue;
            }

            var table = new Table().AddColumns("trainer", "hold-out AUC", "top-decile lift", "training time");
            foreach (var trainer in report.Trainers ?? [])
            {
                table.AddRow(trainer.Trainer, trainer.Auc.ToString("F3", CultureInfo.InvariantCulture), trainer.TopDecileLift.ToString("F2", CultureInfo.InvariantCulture) + "×",
                    trainer.Duration.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s");
            }

            AnsiConsole.Write(table);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  best: {report.Trainer}, version {report.Version}: AUC {metrics.Auc:F3}, top-decile lift {metrics.TopDecileLift:F2}× (base rate {metrics.BaseRate:P2}; {report.TrainRows:N0} training rows, {report.HoldoutRows:N0} held out)"));
            Console.WriteLine("  strongest features: " + string.Join(", ", (report.TopFeatures ?? []).Take(5).Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Name} (AUC −{f.AucDrop:F3})"))));
            Console.WriteLine($"  {(report.Promoted ? "champion: " : "not promoted: ")}{report.Message}");
            Console.WriteLine($"  report: models/{report.Goal}/{report.Version}/report.md");
        }
    }

    public static void Print(PublishReport report)
    {
        Console.WriteLine(report.Message);
        foreach (var list in report.Lists)
        {
            Console.WriteLine($"  {list.Container}/{list.Path}\t{list.Rows:N0} rows\tsha256 {list.Sha256[..12]}…");
        }
    }
}
