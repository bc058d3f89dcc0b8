using System.CommandLine;
using System.Text.Json;
using Engagement.Host.Demo;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Ads;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Sources;
using Microsoft.Extensions.Options;

namespace Engagement.Host.Cli;

/// <summary>The <c>engage</c> command line: the self-hosted runtime and the admin's tools.</summary>
public static class EngageCommandLine
{
    private static readonly JsonSerializerOptions PrettyJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Runs the command line; returns the exit code (0 ok, 1 failure, 2 bad arguments or unreachable storage).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"error: {parse.Errors[0].Message} (see engage --help)");
            return 2;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CommandLineException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Disposal has run by now (embedded Azurite stopped); say what failed in one line rather than crash.
            await Console.Error.WriteLineAsync($"error: {ex.GetType().Name}: {ex.Message.Split('\n')[0]}");
            return 1;
        }
    }

    private static RootCommand Build()
    {
        var storage = new Option<string?>("--storage") { Description = "Storage connection string. Default: the embedded Azurite under .engage/, started when needed.", Recursive = true };
        var root = new RootCommand("Engagement 360: customer engagement platform, self-hosted runtime and admin tools.");
        root.Options.Add(storage);
        root.Subcommands.Add(ServeCommand(storage));
        root.Subcommands.Add(DemoCommand(storage));
        root.Subcommands.Add(SourcesCommand(storage));
        root.Subcommands.Add(ImportCommand(storage));
        root.Subcommands.Add(ContactsCommand(storage));
        root.Subcommands.Add(ProfilesCommand(storage));
        root.Subcommands.Add(DeadLettersCommand(storage));
        foreach (var command in ModelCommands.Create(storage))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(ConsentCommands.Create(storage));
        root.Subcommands.Add(CampaignCommands.Create(storage));
        root.Subcommands.Add(Bench.BenchCommand.Create(storage));
        return root;
    }

    private static Command ServeCommand(Option<string?> storage)
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var maildev = new Option<bool>("--maildev") { Description = "Start MailDev (from npm) and send e-mail there, such as double opt-in requests; prints its inbox." };
        var command = new Command("serve", "Run the tracking, consent and management endpoints, the stream consumer and the timers.") { urls, maildev };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var inbox = parse.GetValue(maildev) ? await MailDevProcess.StartAsync(cancellationToken) : null;
            var settings = new Dictionary<string, string?>(context.Settings, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in inbox?.EmailSettings ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            await using var app = EngageWebHost.Build(settings, parse.GetValue(urls)!);
            await StorageContext.CheckReachableAsync(app.Services, cancellationToken);
            await app.StartAsync(cancellationToken);
            Console.WriteLine($"Engagement 360 listening on {string.Join(", ", app.Urls)}");
            if (context.IsEmbedded)
            {
                Console.WriteLine($"Embedded storage (Azurite) under {RepoPaths.DataDirectory}; admin key: {app.Services.GetRequiredService<IOptions<AdminOptions>>().Value.Key}");
                Console.WriteLine($"Communication Services events webhook (SMS and e-mail, Event Grid): {app.Urls.First()}/api/events/communication?key={app.Services.GetRequiredService<IOptions<Infrastructure.Sms.SmsOptions>>().Value.WebhookKey}");
            }

            if (inbox is not null)
            {
                Console.WriteLine($"E-mail goes to MailDev: inbox {inbox.WebAddress} (SMTP 127.0.0.1:{inbox.SmtpPort})");
            }

            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static Command DemoCommand(Option<string?> storage)
    {
        var seed = new Option<int>("--seed") { Description = "Seed of the generated traffic.", DefaultValueFactory = _ => 7 };
        var visitors = new Option<int>("--visitors") { Description = "How many visitors to simulate.", DefaultValueFactory = _ => 2000 };
        visitors.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 10 or > 1_000_000)
            {
                r.AddError("--visitors must be between 10 and 1000000.");
            }
        });
        var start = new Option<DateOnly?>("--start") { Description = "First day of the simulated week (yyyy-MM-dd). Default: seven days ago." };
        var command = new Command("demo", "Generate a realistic week of web and ad traffic, send it through the real API and import, and show what is stored.") { seed, visitors, start };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            var firstDay = parse.GetValue(start) ?? DateOnly.FromDateTime(DateTime.UtcNow.Date.AddDays(-7));
            return await DemoRun.RunAsync(context, parse.GetValue(seed), parse.GetValue(visitors), new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), cancellationToken);
        });
        return command;
    }

    private static Command SourcesCommand(Option<string?> storage)
    {
        var name = new Argument<string>("name") { Description = "Source name (a–z, 0–9, '-')." };
        var key = new Option<string?>("--key") { Description = "Use this write key instead of a random one." };
        var add = new Command("add", "Add a tracking source and print its write key.") { name, key };
        add.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var result = await services.GetRequiredService<SourceRegistry>().AddAsync(parse.GetValue(name)!, parse.GetValue(key), cancellationToken);
            if (result.Error is not null)
            {
                throw new CommandLineException(result.Error);
            }

            Console.WriteLine(result.WriteKey);
            return 0;
        });

        var list = new Command("list", "List tracking sources.");
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            foreach (var source in await services.GetRequiredService<SourceRegistry>().ListAsync(cancellationToken))
            {
                Console.WriteLine($"{source.Name}\tadded {source.CreatedAt:yyyy-MM-dd HH:mm}Z\tkey sha256 {source.KeyHash[..12]}…");
            }

            return 0;
        });
        return new Command("sources", "Manage tracking sources (websites, apps, ad feeds).") { add, list };
    }

    private static Command ImportCommand(Option<string?> storage)
    {
        var file = new Argument<FileInfo>("file") { Description = "Ad-server log: CSV with a header row, or JSON lines (.jsonl/.ndjson)." };
        var format = new Option<AdLogFormat?>("--format") { Description = "csv or jsonlines; default from the file extension." };
        var source = new Option<string>("--source") { Description = "Source the records are attributed to.", DefaultValueFactory = _ => "ad-server" };
        var ads = new Command("ads", "Put an ad-server log (impressions, clicks, conversions) on the event stream.") { file, format, source };
        ads.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CommandLineException($"{path.FullName} does not exist.");
            }

            var chosen = parse.GetValue(format) ?? (path.Extension.ToLowerInvariant() is ".jsonl" or ".ndjson" or ".json" ? AdLogFormat.JsonLines : AdLogFormat.Csv);
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            using var reader = path.OpenText();
            var report = await services.GetRequiredService<AdImporter>().ImportAsync(reader, chosen, parse.GetValue(source)!, cancellationToken: cancellationToken);
            Console.WriteLine($"{report.Records} records read, {report.Accepted} put on the stream, {report.Errors.Count} rejected (dead-lettered).");
            foreach (var error in report.Errors.Take(50))
            {
                Console.WriteLine($"  line {error.Line}: {error.Error}");
            }

            if (report.Errors.Count > 50)
            {
                Console.WriteLine($"  … and {report.Errors.Count - 50} more (engage deadletters list)");
            }

            return report.Errors.Count == 0 ? 0 : 1;
        });
        return new Command("import", "Import data onto the event stream.") { ads };
    }

    private static Command ContactsCommand(Option<string?> storage)
    {
        var file = new Argument<FileInfo>("file") { Description = "CRM contacts: CSV with a header row (subject, email, phone, provenance, provenance_detail, provenance_since)." };
        var import = new Command("import", "Import contacts (contact points and where each came from) from a CRM's CSV file.") { file };
        import.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CommandLineException($"{path.FullName} does not exist.");
            }

            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            using var reader = path.OpenText();
            ContactImportReport report;
            try
            {
                report = await services.GetRequiredService<ContactImport>().ImportAsync(reader, cancellationToken);
            }
            catch (InvalidDataException ex)
            {
                throw new CommandLineException($"{path.Name} is not a contacts file: {ex.Message}", ex);
            }

            Console.WriteLine($"{report.Rows} rows read: {report.Created} new contacts, {report.Updated} updated, {report.Unchanged} unchanged, {report.Errors.Count} refused.");
            foreach (var error in report.Errors.Take(50))
            {
                Console.WriteLine($"  line {error.Line}: {error.Error}");
            }

            if (report.Errors.Count > 50)
            {
                Console.WriteLine($"  … and {report.Errors.Count - 50} more");
            }

            return report.Errors.Count == 0 ? 0 : 1;
        });
        return new Command("contacts", "Manage contacts.") { import };
    }

    private static Command ProfilesCommand(Option<string?> storage)
    {
        var id = new Argument<string>("id") { Description = "User id or anonymous id." };
        var show = new Command("show", "Print the 360° profile of a person as JSON.") { id };
        show.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var profile = await services.GetRequiredService<ProfileQuery>().GetAsync(parse.GetValue(id)!, cancellationToken);
            if (profile is null)
            {
                await Console.Error.WriteLineAsync($"error: nothing is known of \"{parse.GetValue(id)}\".");
                return 1;
            }

            Console.WriteLine(JsonSerializer.Serialize(profile, PrettyJson));
            return 0;
        });
        return new Command("profiles", "Look at profiles.") { show };
    }

    private static Command DeadLettersCommand(Option<string?> storage)
    {
        var list = new Command("list", "List dead letters: what could not be accepted or stored, with the reason.");
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var count = 0;
            await foreach (var (name, letter) in services.GetRequiredService<DeadLetterStore>().ListAsync(cancellationToken))
            {
                count++;
                Console.WriteLine($"{name}\t{letter.Stage}\t{letter.SourceId}\t{letter.Reason}");
            }

            Console.WriteLine($"{count} dead letters");
            return 0;
        });
        var replay = new Command("replay", "Put dead letters that failed for a passing reason (storage trouble) back on the stream.");
        replay.SetAction(async (parse, cancellationToken) =>
        {
            await using var context = await StorageContext.OpenAsync(parse.GetValue(storage), cancellationToken);
            await using var services = await context.CreateServicesAsync(cancellationToken);
            var report = await services.GetRequiredService<DeadLetterReplay>().ReplayAsync(cancellationToken);
            Console.WriteLine($"{report.Replayed} replayed onto the stream, {report.Kept} kept (invalid input or unreadable)");
            return 0;
        });
        return new Command("deadletters", "Inspect and replay dead letters.") { list, replay };
    }
}
