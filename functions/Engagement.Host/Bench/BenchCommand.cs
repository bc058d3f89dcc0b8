using System.CommandLine;
using System.CommandLine.Parsing;
using Engagement.Ml;

namespace Engagement.Host.Bench;

/// <summary><c>engage bench</c>: benchmarks run on demand, printing figures.</summary>
internal static class BenchCommand
{
    public static Command Create(Option<string?> storage)
    {
        var events = new Option<long>("--events") { Description = "Events ingested by the memory run (e).", DefaultValueFactory = _ => 1_000_000 };
        var baselineEvents = new Option<long>("--baseline-events") { Description = "Events of the throughput runs (a), (b), (b2).", DefaultValueFactory = _ => 200_000 };
        var duration = new Option<int>("--duration") { Description = "Seconds of tracking API load (d).", DefaultValueFactory = _ => 30 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent HTTP senders of the load (d).", DefaultValueFactory = _ => 32 };
        var activeVisitors = new Option<int>("--active-visitors") { Description = "Visitors whose traffic is interleaved at any moment.", DefaultValueFactory = _ => 500 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the generated traffic. Default: a new one per run, so runs against the same --storage do not collide." };
        var skip = new Option<BenchPart[]>("--skip") { Description = "Parts to leave out: throughput (a, b, c), queue (b2), load (d), memory (e).", AllowMultipleArgumentsPerToken = true };
        Between(events, 1_000, 100_000_000);
        Between(baselineEvents, 1_000, 100_000_000);
        Between(duration, 1, 3_600);
        Between(concurrency, 1, 1_024);
        Between(activeVisitors, 10, 1_000_000);

        var ingest = new Command("ingest", "Ingestion throughput against raw table writes, tracking API under load, memory over many events; prints one table.")
        {
            events, baselineEvents, duration, concurrency, activeVisitors, seed, skip,
        };
        ingest.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new IngestBenchSettings(
                parse.GetValue(events),
                parse.GetValue(baselineEvents),
                TimeSpan.FromSeconds(parse.GetValue(duration)),
                parse.GetValue(concurrency),
                parse.GetValue(activeVisitors),
                parse.GetValue(seed) ?? Random.Shared.Next(1, 1_000_000),
                (parse.GetValue(skip) ?? []).ToHashSet());
            return await IngestBench.RunAsync(parse.GetValue(storage), settings, cancellationToken);
        });
        return new Command("bench", "Benchmarks: run on demand, print figures.") { ingest, Models(), Send(storage) };
    }

    private static Command Models()
    {
        var rows = new Option<int[]>("--rows")
        {
            Description = "Training set sizes, each trained and scored separately.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [100_000, 1_000_000],
        };
        var trainers = new Option<TrainerKind[]>("--trainers")
        {
            Description = "Trainers to compare: LightGbm, FastTree, LogisticRegression. Default: all.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [TrainerKind.LightGbm, TrainerKind.FastTree, TrainerKind.LogisticRegression],
        };
        var scoreRows = new Option<long>("--score-rows") { Description = "Rows scored from a generator while memory is sampled (c); 0 skips it.", DefaultValueFactory = _ => 1_000_000 };
        var threads = new Option<int>("--threads") { Description = "Threads per trainer.", DefaultValueFactory = _ => new TrainingOptions().Threads };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated journeys and the trainers.", DefaultValueFactory = _ => 42 };
        rows.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int[]>() is { } sizes && (sizes.Length == 0 || sizes.Any(size => size is < 1_000 or > 20_000_000)))
            {
                result.AddError("--rows takes sizes between 1000 and 20000000.");
            }
        });
        Between(scoreRows, 0, int.MaxValue);
        Between(threads, 1, 64);

        var models = new Command("models", "Training time per trainer, batch scoring against raw ML.NET, memory while scoring a stream; prints one table.")
        {
            rows, trainers, scoreRows, threads, seed,
        };
        models.SetAction((parse, cancellationToken) =>
        {
            var settings = new ModelBenchSettings(
                parse.GetValue(rows)!,
                [.. (parse.GetValue(trainers) ?? []).Distinct()],
                parse.GetValue(scoreRows),
                parse.GetValue(threads),
                parse.GetValue(seed));
            return ModelBench.RunAsync(settings, cancellationToken);
        });
        return models;
    }

    private static Command Send(Option<string?> storage)
    {
        var messages = new Option<int>("--messages") { Description = "Messages sent by (a) and by (b) each.", DefaultValueFactory = _ => 5_000 };
        var profiles = new Option<int>("--profiles") { Description = "Profiles (with contacts) the audience of (c) is resolved over; generation is not timed.", DefaultValueFactory = _ => 1_000_000 };
        var connections = new Option<int>("--connections") { Description = "SMTP connections of (a) and (b).", DefaultValueFactory = _ => 4 };
        var chunks = new Option<int>("--chunks") { Description = "Turns (a) and (b) take.", DefaultValueFactory = _ => 10 };
        var skip = new Option<string[]>("--skip") { Description = "Parts to leave out: send (a, b), audience (c).", AllowMultipleArgumentsPerToken = true };
        Between(messages, 10, 1_000_000);
        Between(profiles, 100, 20_000_000);
        Between(connections, 1, 64);
        Between(chunks, 1, 1_000);
        skip.Validators.Add(result =>
        {
            if ((result.GetValueOrDefault<string[]>() ?? []).FirstOrDefault(s => s is not ("send" or "audience")) is { } unknown)
            {
                result.AddError($"--skip takes send or audience, not {unknown}.");
            }
        });

        var send = new Command("send", "Campaign e-mails/s through the full path against a raw MailKit loop, and audience resolution over many profiles; prints one table.")
        {
            messages, profiles, connections, chunks, skip,
        };
        send.SetAction((parse, cancellationToken) =>
        {
            var skipped = parse.GetValue(skip) ?? [];
            var settings = new SendBenchSettings(
                parse.GetValue(messages), parse.GetValue(profiles), parse.GetValue(connections), Math.Min(parse.GetValue(chunks), parse.GetValue(messages)),
                skipped.Contains("send"), skipped.Contains("audience"));
            return SendBench.RunAsync(parse.GetValue(storage), settings, cancellationToken);
        });
        return send;
    }

    private static void Between<T>(Option<T> option, T min, T max)
        where T : IComparable<T>
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
            {
                result.AddError($"{option.Name} must be between {min} and {max}.");
            }
        });
    }
}
