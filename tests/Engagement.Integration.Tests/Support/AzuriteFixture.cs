using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Support;

/// <summary>
/// One in-memory Azurite for the whole test run, with the platform's real services wired to it. Test classes join
/// with <c>[Collection(SharedAzurite.Name)]</c> and take the fixture in their constructor; each test uses ids of
/// its own (see <see cref="UniqueId"/>) so tests never see each other's data.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>The pseudonym secret of <see cref="Services"/> and, unless overridden, of every container made here.</summary>
    public const string PseudonymSecret = "integration-tests-pseudonym-secret";

    /// <summary>The admin key configured for management calls.</summary>
    public const string AdminKey = "integration-tests-admin-key";

    /// <summary>The secret that signs consent form tokens and double opt-in links.</summary>
    public const string ConsentFormSecret = "integration-tests-consent-form-secret-0123";

    /// <summary>The secret that signs campaign open pixels and click links.</summary>
    public const string CampaignTrackingSecret = "integration-tests-campaign-tracking-secret-0123";

    private readonly List<EngagementServices> _containers = [];
    private AzuriteProcess? _azurite;
    private EngagementServices? _services;

    /// <summary>The connection string of the running Azurite.</summary>
    public string ConnectionString => (_azurite ?? throw NotStarted()).ConnectionString;

    /// <summary>The shared container: the platform as one host process would run it.</summary>
    public EngagementServices Services => _services ?? throw NotStarted();

    /// <summary>Everything the platform is configured with in tests; <see cref="CreateServicesAsync"/> can override any key.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Storage:ConnectionString"] = ConnectionString,
        ["Ingestion:PseudonymSecret"] = PseudonymSecret,
        ["Admin:Key"] = AdminKey,
        ["Consent:FormSecret"] = ConsentFormSecret,
        ["Campaigns:TrackingSecret"] = CampaignTrackingSecret,
    };

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(dataDirectory: null);
        _services = await CreateServicesAsync();
    }

    /// <summary>
    /// Another container on the same Azurite, as a second host process would be: its own caches, and the given
    /// settings over <see cref="Settings"/> (e.g. another <c>Ingestion:QueueName</c> or <c>Ingestion:PseudonymSecret</c>).
    /// Disposed with the fixture unless the test disposes it first.
    /// </summary>
    public async Task<EngagementServices> CreateServicesAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(Settings)
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var collection = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddEngagementInfrastructure(configuration);
        configureServices?.Invoke(collection);
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var services = new EngagementServices(provider);
        lock (_containers)
        {
            _containers.Add(services);
        }

        await services.Get<EngagementStorage>().EnsureCreatedAsync(cancellationToken);
        return services;
    }

    /// <summary>A container with a stream queue of its own, for tests that pump the stream.</summary>
    public Task<EngagementServices> CreateServicesWithOwnQueueAsync(CancellationToken cancellationToken = default) =>
        CreateServicesAsync(new Dictionary<string, string?> { ["Ingestion:QueueName"] = UniqueId.QueueName() }, cancellationToken: cancellationToken);

    public async Task DisposeAsync()
    {
        List<EngagementServices> containers;
        lock (_containers)
        {
            containers = [.. _containers];
        }

        foreach (var container in containers)
        {
            await container.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    private static InvalidOperationException NotStarted() => new("Azurite has not been started; use the fixture through its collection.");
}

/// <summary>The xUnit collection of tests that share the run's Azurite: <c>[Collection(SharedAzurite.Name)]</c>.</summary>
[CollectionDefinition(Name)]
public sealed class SharedAzurite : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
