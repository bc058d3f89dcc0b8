using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Engagement.Core.Events;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Core.Interests;
using Engagement.Core.Journeys;
using Engagement.Infrastructure.Journeys;
using Engagement.Infrastructure.Scheduling;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Engagement.Ml;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Models;

/// <summary>A list that was published.</summary>
/// <param name="Container">Its blob container.</param>
/// <param name="Path">Its blob name.</param>
/// <param name="Rows">Data lines.</param>
/// <param name="Sha256">Checksum of the file.</param>
public sealed record PublishedList(string Container, string Path, long Rows, string Sha256);

/// <summary>What a publishing run did.</summary>
/// <param name="Published">Whether lists were published.</param>
/// <param name="Message">What happened, for a person.</param>
/// <param name="ModelVersions">The champion version used per goal.</param>
/// <param name="PeopleScored">People active in the scoring window who were scored.</param>
/// <param name="WithoutLawfulBasis">Of those, people bid zero for lack of a lawful basis for ad personalisation.</param>
/// <param name="Lists">The lists written.</param>
/// <param name="IntentEvents">Intent events put on the stream (one per intent, person and day; a repeat is deduplicated at ingestion).</param>
public sealed record PublishReport(bool Published, string Message, IReadOnlyDictionary<string, string> ModelVersions, long PeopleScored, long WithoutLawfulBasis, IReadOnlyList<PublishedList> Lists, long IntentEvents = 0);

/// <summary>
/// Scores everyone active in the scoring window with the champion models and publishes, per targeting platform, a
/// user bid list and a domain bid list, and a next-best-offer list for the CRM and call centre. People are streamed in
/// chunks and lists written to temporary files, so memory does not grow with the audience. Each list is one blob
/// written in one piece, and a manifest (model versions, counts, checksums) is written after them: a downloader reads
/// the manifest first and never sees a half-written list.
/// </summary>
public sealed partial class ScorePublisher(
    JourneyStore journeys,
    ModelRegistry registry,
    JourneyInterests interests,
    IntentDetector intentDetector,
    IEventStreamProducer stream,
    Contacts.ContactGate gate,
    Pseudonymizer pseudonymizer,
    EngagementStorage storage,
    IOptions<ModelOptions> options,
    TimeProvider clock,
    ILogger<ScorePublisher> logger,
    IEnumerable<IScoreObserver> observers) : IScheduledJob
{
    private const int ChunkSize = 2_000;
    private const string IntentSource = "engagement-intents";
    private const string AdPersonalisation = "ad-personalisation";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web);

    /// <inheritdoc />
    public string Name => nameof(Schedules.PublishScores);

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken = default) => await PublishAsync(cancellationToken);

    /// <summary>Scores and publishes now.</summary>
    public async Task<PublishReport> PublishAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var goals = settings.EffectiveGoals();
        var bidGoal = goals.First(g => settings.BidGoal is null || g.Name == settings.BidGoal);
        var champions = new Dictionary<string, Champion>(StringComparer.Ordinal);
        foreach (var goal in goals)
        {
            if (await registry.GetChampionAsync(goal.Name, cancellationToken) is { } champion
                && await registry.GetMetricsAsync(goal.Name, champion.Version, cancellationToken) is { } metrics)
            {
                champions[goal.Name] = new Champion(goal, champion.Version, champion.Model, metrics.BaseRate, new JourneyFeatures(champion.Model.Schema, interests.Features));
            }
        }

        var versions = champions.ToDictionary(c => c.Key, c => c.Value.Version, StringComparer.Ordinal);
        var watchers = new List<(IScoreObserver Observer, IReadOnlyCollection<string> Goals)>();
        foreach (var observer in observers)
        {
            watchers.Add((observer, await observer.GoalsAsync(cancellationToken)));
        }

        if (!champions.TryGetValue(bidGoal.Name, out var bidder))
        {
            // Intents need no model: they are still detected and emitted.
            long detected = 0, people = 0;
            await foreach (var chunk in ActivePeopleAsync(clock.GetUtcNow().AddDays(-settings.ScoringDays), cancellationToken).Chunk(ChunkSize).WithCancellation(cancellationToken))
            {
                detected += await EmitIntentsAsync(chunk, clock.GetUtcNow(), cancellationToken);
                await ObserveScoresAsync(chunk, champions, watchers, clock.GetUtcNow(), cancellationToken);
                people += chunk.Length;
            }

            var message = $"No champion model for goal '{bidGoal.Name}' yet (engage train); no lists were published. {detected:N0} intent events from {people:N0} active people put on the stream.";
            LogNothing(logger, message);
            return new PublishReport(false, message, versions, 0, 0, [], detected);
        }

        var now = clock.GetUtcNow();
        var date = now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var policy = new BidPolicy(settings.BaseBid, settings.BidFloor, settings.BidCap);
        var platforms = settings.EffectivePlatforms().Select(p => (Options: p, Format: FormatOf(p))).ToList();
        var families = champions.Values.Where(c => c.Goal.ProductFamily is not null).ToList();
        var familyBaseRates = families.ToDictionary(f => f.Goal.ProductFamily!, f => f.BaseRate, StringComparer.Ordinal);
        using var files = new ListFiles();
        var userWriters = platforms.Select(p => new StreamingList<UserBid>(files.Create(), (stream, rows, ct) => BidListWriter.WriteUsers(stream, rows, p.Format, ct))).ToList();
        using var offers = new StreamingList<NextBestOffer>(files.Create(), NextBestOfferWriter.Write);
        using var disposeUserWriters = new Disposables(userWriters);
        var audiences = new Dictionary<string, (long Audience, long Converters)>(StringComparer.Ordinal);
        long scored = 0, withoutBasis = 0, intentEvents = 0;
        var adGate = await gate.ForAudienceAsync(AdPersonalisation, cancellationToken);
        var windowStart = now.AddDays(-settings.ScoringDays);

        await foreach (var chunk in ActivePeopleAsync(windowStart, cancellationToken).Chunk(ChunkSize).WithCancellation(cancellationToken))
        {
            intentEvents += await EmitIntentsAsync(chunk, now, cancellationToken);
            await ObserveScoresAsync(chunk, champions, watchers, now, cancellationToken);
            var bidScores = bidder.Score(chunk, now, cancellationToken);
            var familyScores = families.ToDictionary(f => f.Goal.ProductFamily!, f => f.Score(chunk, now, cancellationToken), StringComparer.Ordinal);
            for (var i = 0; i < chunk.Length; i++)
            {
                var person = chunk[i];
                var basis = HasAdPersonalisationBasis(person, adGate, settings, now);
                withoutBasis += basis ? 0 : 1;
                scored++;
                var bid = UserBids.Bid(policy, bidScores[i], bidder.BaseRate, basis);
                foreach (var (writer, platform) in userWriters.Zip(platforms))
                {
                    foreach (var userBid in UserBidsOf(person, bid, platform.Format.IdKind))
                    {
                        writer.Add(userBid);
                    }
                }

                CountAudience(audiences, person, windowStart, bidGoal);
                if (person.Journey.UserId is { } userId && familyScores.Count > 0)
                {
                    var propensities = familyScores.ToDictionary(f => f.Key, f => (double)f.Value[i], StringComparer.Ordinal);
                    if (NextBestOffers.Choose(new CustomerPropensities(userId, propensities, interests.OfferEvidence(person.Journey.Steps, now)), familyBaseRates) is { } offer)
                    {
                        offers.Add(offer);
                    }
                }
            }
        }

        var lists = new List<PublishedList>();
        var domainBids = DomainBids.From(audiences.Select(a => new DomainAudience(a.Key, a.Value.Audience, a.Value.Converters)), bidder.BaseRate, policy, settings.DomainMinAudience).ToList();
        for (var p = 0; p < platforms.Count; p++)
        {
            var folder = $"{platforms[p].Options.Name}/{date}/";
            var users = await UploadAsync(storage.BidLists, folder + "users.csv", userWriters[p].Finish(cancellationToken), cancellationToken);
            ListWriteResult domainResult;
            using (var domainFile = files.Create())
            {
                domainResult = BidListWriter.WriteDomains(domainFile, domainBids, platforms[p].Format, cancellationToken);
                domainFile.Position = 0;
                await storage.BidLists.GetBlobClient(folder + "domains.csv").UploadAsync(domainFile, Csv, cancellationToken);
            }

            var domains = new PublishedList(storage.BidLists.Name, folder + "domains.csv", domainResult.Rows, domainResult.Sha256);
            await UploadManifestAsync(storage.BidLists, folder + "manifest.json", new ListManifest(now, bidGoal.Name, bidder.Version, versions, scored, withoutBasis, [users, domains]), cancellationToken);
            lists.Add(users);
            lists.Add(domains);
        }

        if (families.Count > 0)
        {
            var nbo = await UploadAsync(storage.NextBestOffers, $"{date}.csv", offers.Finish(cancellationToken), cancellationToken);
            await UploadManifestAsync(storage.NextBestOffers, $"{date}.manifest.json", new ListManifest(now, null, null, versions, scored, withoutBasis, [nbo]), cancellationToken);
            lists.Add(nbo);
        }

        var summary = $"Scored {scored:N0} people active since {windowStart:yyyy-MM-dd HH:mm}Z with {bidGoal.Name} {bidder.Version}; {withoutBasis:N0} without a lawful basis for ad personalisation bid 0; " +
            $"{lists.Count} lists published; {intentEvents:N0} intent events put on the stream.";
        LogPublished(logger, summary);
        return new PublishReport(true, summary, versions, scored, withoutBasis, lists, intentEvents);
    }

    /// <summary>
    /// Detects intents (probably travelling, moving, dissatisfied…) and puts them on the stream as <c>Intent Detected</c>
    /// events so campaigns can react. Their ids are fixed per intent, person and day, so hourly runs add nothing twice.
    /// Someone known only by events has no id to address the event to and is left out.
    /// </summary>
    private async Task<int> EmitIntentsAsync(PersonJourney[] people, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var events = new List<EngagementEvent>();
        foreach (var person in people)
        {
            var userId = person.Journey.UserId;
            var anonymousId = person.Profile?.AnonymousIds.FirstOrDefault();
            if (userId is null && anonymousId is null)
            {
                continue;
            }

            foreach (var intent in intentDetector.Detect(person.Journey.Steps.SelectMany(s => s.Signals), now))
            {
                events.Add(IntentEvents.Create(intent, person.Journey.ProfileKey, userId, userId is null ? anonymousId : null, IntentSource, now));
            }
        }

        if (events.Count > 0)
        {
            var batchId = "intents-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(string.Join(',', events.Select(e => e.MessageId)))))[..32];
            await stream.AppendAsync(new IngestionBatch(batchId, IntentSource, events), cancellationToken);
        }

        return events.Count;
    }

    /// <summary>Tells each observer the scores of known people for the goals it asked for that have a champion.</summary>
    private static async Task ObserveScoresAsync(
        PersonJourney[] people, Dictionary<string, Champion> champions, List<(IScoreObserver Observer, IReadOnlyCollection<string> Goals)> watchers, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var scored = new Dictionary<string, IReadOnlyList<UserScore>>(StringComparer.Ordinal);
        foreach (var (observer, goals) in watchers)
        {
            foreach (var goal in goals)
            {
                if (!champions.TryGetValue(goal, out var champion))
                {
                    continue;
                }

                if (!scored.TryGetValue(goal, out var scores))
                {
                    var probabilities = champion.Score(people, now, cancellationToken);
                    scores = people.Select((p, i) => (p.Journey.UserId, Probability: (double)probabilities[i]))
                        .Where(s => s.UserId is not null)
                        .Select(s => new UserScore(s.UserId!, s.Probability))
                        .ToList();
                    scored[goal] = scores;
                }

                await observer.ObserveAsync(goal, scores, now, cancellationToken);
            }
        }
    }

    private async IAsyncEnumerable<PersonJourney> ActivePeopleAsync(DateTimeOffset windowStart, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var person in journeys.ReadAllAsync(cancellationToken))
        {
            if (person.Journey.Steps.Count > 0 && person.Journey.Steps[^1].Timestamp >= windowStart)
            {
                yield return person;
            }
        }
    }

    private static IEnumerable<UserBid> UserBidsOf(PersonJourney person, double bid, BidIdKind idKind)
    {
        if (idKind == BidIdKind.AnonymousId)
        {
            // Cookie-based platforms match on each of the person's cookies. Events store no ids, so someone known only
            // by events has no cookie to list.
            foreach (var anonymousId in person.Profile?.AnonymousIds ?? [])
            {
                yield return new UserBid(person.Journey.ProfileKey, person.Journey.UserId, anonymousId, bid);
            }

            yield break;
        }

        yield return new UserBid(person.Journey.ProfileKey, person.Journey.UserId, null, bid);
    }

    private static void CountAudience(Dictionary<string, (long Audience, long Converters)> audiences, PersonJourney person, DateTimeOffset windowStart, GoalDefinition goal)
    {
        var recent = person.Journey.Steps.Where(s => s.Timestamp >= windowStart).ToList();
        var converted = recent.Any(goal.IsReachedBy);
        foreach (var domain in recent.Where(s => s.Kind == EventKind.AdImpression && s.Domain is not null).Select(s => s.Domain!).Distinct(StringComparer.Ordinal))
        {
            var (audience, converters) = audiences.GetValueOrDefault(domain);
            audiences[domain] = (audience + 1, converters + (converted ? 1 : 0));
        }
    }

    /// <summary>
    /// Whether ads may be personalised for someone, decided by <see cref="ContactPolicy"/> through the contact gate:
    /// the consent ledger decides when it holds anything for them; else what the CRM recorded as the profile trait
    /// <c>adPersonalisation</c>; else <c>Models:AdPersonalisationDefault</c>. A suppression of every channel wins over
    /// all of them, and the default (legitimate interest) never covers a contact of unknown provenance.
    /// </summary>
    private bool HasAdPersonalisationBasis(PersonJourney person, Contacts.AudienceGate audience, ModelOptions settings, DateTimeOffset now)
    {
        var granted = settings.AdPersonalisationDefault == "Granted";
        var byDefault = new ContactPolicyOptions { LegitimateInterest = granted ? [AdPersonalisation] : [] };
        var subjectKey = person.Journey.UserId is { } userId ? pseudonymizer.KeyOf(IdentityRef.User(userId)).Value : null;
        if (subjectKey is not null && audience.HasRecordedDecision(subjectKey))
        {
            return audience.Decide(subjectKey, ContactChannel.Any, now, byDefault).Allowed;
        }

        if (person.Profile?.Traits.TryGetValue("adPersonalisation", out var recorded) == true)
        {
            var crmGranted = recorded.Value.ValueKind == JsonValueKind.True
                || (recorded.Value.ValueKind == JsonValueKind.String && string.Equals(recorded.Value.GetString(), "granted", StringComparison.OrdinalIgnoreCase));
            // What the CRM recorded is a basis of its own: only a suppression can still stop it.
            return crmGranted && (subjectKey is null
                || ContactPolicy.ActiveSuppression(ContactChannel.Any, audience.FactsOf(subjectKey).Suppressions, now) is null);
        }

        return subjectKey is null ? granted : audience.Decide(subjectKey, ContactChannel.Any, now, byDefault).Allowed;
    }

    private static BidListFormat FormatOf(PlatformOptions platform) => new()
    {
        Delimiter = platform.Delimiter[0],
        Header = platform.Header,
        IdKind = Enum.Parse<BidIdKind>(platform.IdKind),
        DecimalPlaces = platform.Decimals,
    };

    private static readonly BlobUploadOptions Csv = new() { HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv; charset=utf-8" } };

    private static async Task<PublishedList> UploadAsync(BlobContainerClient container, string name, (Stream File, ListWriteResult Result) list, CancellationToken cancellationToken)
    {
        list.File.Position = 0;
        await container.GetBlobClient(name).UploadAsync(list.File, Csv, cancellationToken);
        return new PublishedList(container.Name, name, list.Result.Rows, list.Result.Sha256);
    }

    private static async Task UploadManifestAsync(BlobContainerClient container, string name, ListManifest manifest, CancellationToken cancellationToken) =>
        await container.GetBlobClient(name).UploadAsync(
            BinaryData.FromString(JsonSerializer.Serialize(manifest, Json)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published scores: {Summary}")]
    private static partial void LogPublished(ILogger logger, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogNothing(ILogger logger, string message);

    /// <summary>The manifest written after a set of lists.</summary>
    private sealed record ListManifest(
        DateTimeOffset PublishedAt, string? BidGoal, string? BidModelVersion, IReadOnlyDictionary<string, string> ModelVersions, long PeopleScored, long WithoutLawfulBasis, IReadOnlyList<PublishedList> Lists);

    /// <summary>A goal's champion and how to build its rows.</summary>
    private sealed record Champion(GoalDefinition Goal, string Version, TrainedModel Model, double BaseRate, JourneyFeatures Features)
    {
        public float[] Score(PersonJourney[] people, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var goal = Goal;
            var features = Features;
            var rows = people.Select(p => features.Current(p.Journey, now, goal, JourneyFeatures.TraitTokens(p.CategoricalTraits())));
            return Model.Score(rows, cancellationToken).Select(s => s.Probability).ToArray();
        }
    }

    /// <summary>Disposes a set of lists together.</summary>
    private sealed class Disposables(IEnumerable<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }

    /// <summary>Temporary files that go away with the run.</summary>
    private sealed class ListFiles : IDisposable
    {
        private readonly List<FileStream> _files = [];

        public FileStream Create()
        {
            var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            _files.Add(file);
            return file;
        }

        public void Dispose()
        {
            foreach (var file in _files)
            {
                file.Dispose();
            }
        }
    }

    /// <summary>
    /// A list whose rows arrive one by one while people stream past, written by a writer that takes an enumerable:
    /// rows are spooled to a temporary file of their own and handed to the writer at the end.
    /// </summary>
    private sealed class StreamingList<T>(FileStream target, Func<Stream, IEnumerable<T>, CancellationToken, ListWriteResult> write) : IDisposable
    {
        private readonly FileStream _spool = new(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);

        public void Add(T row)
        {
            JsonSerializer.Serialize(_spool, row, Compact);
            _spool.WriteByte((byte)'\n');
        }

        public (Stream File, ListWriteResult Result) Finish(CancellationToken cancellationToken)
        {
            _spool.Position = 0;
            var result = write(target, Rows(cancellationToken), cancellationToken);
            return (target, result);
        }

        public void Dispose() => _spool.Dispose();

        private IEnumerable<T> Rows(CancellationToken cancellationToken)
        {
            using var reader = new StreamReader(_spool, leaveOpen: true);
            while (reader.ReadLine() is { } line)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (line.Length > 0)
                {
                    yield return JsonSerializer.Deserialize<T>(line, Compact)!;
                }
            }
        }
    }
}

/// <summary>A known person's score for a goal.</summary>
/// <param name="UserId">The user id.</param>
/// <param name="Probability">The champion model's probability of the goal.</param>
public sealed record UserScore(string UserId, double Probability);

/// <summary>Told the scores of the goals it asks for after each chunk of people is scored (intent triggers).</summary>
public interface IScoreObserver
{
    /// <summary>The goals whose scores it wants (empty: none; the goals are then not scored for it).</summary>
    ValueTask<IReadOnlyCollection<string>> GoalsAsync(CancellationToken cancellationToken = default);

    /// <summary>The scores of known people of one chunk, for one goal.</summary>
    Task ObserveAsync(string goal, IReadOnlyList<UserScore> scores, DateTimeOffset publishedAt, CancellationToken cancellationToken = default);
}
