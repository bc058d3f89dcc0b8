using Engagement.Core.Events;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Storage;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Engagement.Integration.Tests.Models;

/// <summary>
/// An Azurite of its own holding six days of traffic with a planted signal (people who read about travel order a
/// travel product far more often), so training and publishing see exactly these journeys and nothing of other tests.
/// </summary>
public sealed class ModelStoreFixture : IAsyncLifetime
{
    /// <summary>Midnight of the first day of traffic.</summary>
    public static readonly DateTimeOffset FirstDay = new(2026, 11, 10, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The instant the jobs run at: an hour after the six days.</summary>
    public static readonly DateTimeOffset Now = FirstDay.AddDays(6).AddHours(1);

    /// <summary>People in the traffic.</summary>
    public const int People = 400;

    private AzuriteProcess? _azurite;
    private ServiceProvider? _provider;

    public IServiceProvider Services => _provider ?? throw new InvalidOperationException("Not started.");

    /// <summary>The user id of person <paramref name="index"/>; even ones agreed to personalised ads.</summary>
    public static string UserOf(int index) => $"model-user-{index:D4}";

    /// <summary>Whether person <paramref name="index"/> is one of those keen on travel.</summary>
    public static bool IsKeen(int index) => index % 10 < 3;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(dataDirectory: null);
        _provider = Create(_azurite.ConnectionString, new Dictionary<string, string?>());
        await Services.GetRequiredService<EngagementStorage>().EnsureCreatedAsync();
        var ingestion = Services.GetRequiredService<IngestionHandler>();
        foreach (var chunk in Traffic().Chunk(2_000))
        {
            await ingestion.HandleAsync(chunk);
        }
    }

    private readonly Lazy<Task<IReadOnlyList<Infrastructure.Models.GoalTrainingReport>>> _training;

    public ModelStoreFixture() =>
        _training = new(() => Services.GetRequiredService<Infrastructure.Models.ModelTraining>().TrainAllAsync());

    /// <summary>The first training run on the traffic (run once, shared by the tests that need a champion).</summary>
    public Task<IReadOnlyList<Infrastructure.Models.GoalTrainingReport>> TrainOnceAsync() => _training.Value;

    /// <summary>Another container on this fixture's Azurite with extra settings (its own caches).</summary>
    public ServiceProvider CreateServices(IReadOnlyDictionary<string, string?> settings) => Create(_azurite!.ConnectionString, settings);

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    private static ServiceProvider Create(string connectionString, IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = connectionString,
                ["Ingestion:PseudonymSecret"] = AzuriteFixture.PseudonymSecret,
                ["Admin:Key"] = AzuriteFixture.AdminKey,
                ["Models:Goals:0:Name"] = "order",
                ["Models:Goals:0:Kind"] = "Conversion",
                ["Models:Goals:0:EventName"] = "Order Completed",
                ["Models:Goals:1:Name"] = "order-travel",
                ["Models:Goals:1:Kind"] = "Conversion",
                ["Models:Goals:1:EventName"] = "Order Completed",
                ["Models:Goals:1:Products:0"] = "travel-annual",
                ["Models:Goals:1:ProductFamily"] = "travel",
                ["Models:BidGoal"] = "order",
                ["Models:Trainers:0"] = "LightGbm",
                ["Models:Trainers:1"] = "LogisticRegression",
            })
            .AddInMemoryCollection(settings)
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddEngagementInfrastructure(configuration);
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FixedClock(Now)));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static IEnumerable<EngagementEvent> Traffic()
    {
        var random = new Random(11);
        for (var i = 0; i < People; i++)
        {
            var user = UserOf(i);
            var anonymous = $"model-anon-{i:D4}";
            var keen = IsKeen(i);
            yield return EventBuilder.Identify($$"""{"adPersonalisation":{{(i % 2 == 0 ? "true" : "false")}},"ageBand":"{{(keen ? "35-49" : "50-64")}}"}""")
                .ForUser(user).ForAnonymous(anonymous).At(FirstDay.AddMinutes(random.Next(600))).Build();
            for (var day = 0; day < 6; day++)
            {
                var time = FirstDay.AddDays(day).AddHours(8 + random.Next(10));
                if (random.NextDouble() < (keen ? 0.9 : 0.5))
                {
                    var path = keen && random.NextDouble() < 0.8 ? "/cestovani/pojisteni-do-zahranici" : "/kontakty";
                    yield return EventBuilder.Page("https://www.example-finance.cz" + path).ForUser(user).ForAnonymous(anonymous).At(time).Build();
                    yield return EventBuilder.Ad(EventKind.AdImpression, keen ? "cestovani.cz" : "novinky.cz", "travel-summer", visibleSeconds: random.Next(20))
                        .ForUser(user).At(time.AddMinutes(-5)).Build();
                }

                if (day > 0 && random.NextDouble() < (keen ? 0.45 : 0.02))
                {
                    yield return EventBuilder.Track("Order Completed").WithProperties("""{"product_id":"travel-annual"}""")
                        .ForUser(user).ForAnonymous(anonymous).At(time.AddMinutes(30)).Build();
                }
            }
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

[CollectionDefinition(Name)]
public sealed class ModelStore : ICollectionFixture<ModelStoreFixture>
{
    public const string Name = "ModelStore";
}
