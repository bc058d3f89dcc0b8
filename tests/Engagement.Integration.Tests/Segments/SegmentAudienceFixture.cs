using Engagement.Core.Consent;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Host.Hosting;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Storage;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Engagement.Integration.Tests.Segments;

/// <summary>
/// An Azurite of its own holding a few hundred planted people (more than one page of profiles) whose traits, orders
/// and consents are known by construction, and a few people known only by their page views, so a segment's exact
/// count can be worked out by hand and nothing of other tests is counted.
/// </summary>
public sealed class SegmentAudienceFixture : IAsyncLifetime
{
    /// <summary>The instant segments are evaluated at.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    /// <summary>People with a profile.</summary>
    public const int People = 300;

    /// <summary>People known only by their anonymous page views.</summary>
    public const int Anonymous = 20;

    private AzuriteProcess? _azurite;
    private ServiceProvider? _provider;

    public IServiceProvider Services => _provider ?? throw new InvalidOperationException("Not started.");

    /// <summary>The connection string of this fixture's Azurite.</summary>
    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Not started.");

    public static string UserOf(int index) => $"segment-user-{index:D4}";

    /// <summary>Every third person is on the gold plan.</summary>
    public static bool IsGold(int index) => index % 3 == 0;

    /// <summary>Every fourth person ordered twice (150 each) in the last ten days; the next one ordered once (50) forty days ago.</summary>
    public static bool OrderedRecently(int index) => index % 4 == 0;

    /// <summary>Every fifth person granted marketing by e-mail; the next one granted and then withdrew it.</summary>
    public static bool GrantedEmail(int index) => index % 5 == 0;

    /// <summary>See <see cref="GrantedEmail"/>.</summary>
    public static bool WithdrewEmail(int index) => index % 5 == 1;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(dataDirectory: null);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = _azurite.ConnectionString,
                ["Ingestion:PseudonymSecret"] = AzuriteFixture.PseudonymSecret,
                ["Admin:Key"] = AzuriteFixture.AdminKey,
                ["Consent:FormSecret"] = AzuriteFixture.ConsentFormSecret,
            })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddEngagementInfrastructure(configuration);
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FixedClock(Now)));
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await Services.GetRequiredService<EngagementStorage>().EnsureCreatedAsync();
        var ingestion = Services.GetRequiredService<IngestionHandler>();
        foreach (var chunk in Traffic().Chunk(1_000))
        {
            await ingestion.HandleAsync(chunk);
        }

        var consents = Services.GetRequiredService<ConsentStore>();
        var pseudonymizer = Services.GetRequiredService<Pseudonymizer>();
        for (var i = 0; i < People; i++)
        {
            if (!GrantedEmail(i) && !WithdrewEmail(i))
            {
                continue;
            }

            var subject = pseudonymizer.KeyOf(IdentityRef.User(UserOf(i))).Value;
            await consents.AppendAsync(Decision(subject, ConsentDecision.Granted, Now.AddDays(-20)));
            if (WithdrewEmail(i))
            {
                await consents.AppendAsync(Decision(subject, ConsentDecision.Withdrawn, Now.AddDays(-2)));
            }
        }
    }

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

    private static ConsentRequest Decision(string subject, ConsentDecision decision, DateTimeOffset at) =>
        new(subject, "marketing", ContactChannel.Email, decision, LegalBasis.Consent, CaptureChannel.Import, at,
            new ConsentTextReference("marketing-email", 1, "cs", ConsentLedger.TextHash("Souhlasím.")), new ConsentEvidence(), "crm");

    private static IEnumerable<EngagementEvent> Traffic()
    {
        for (var i = 0; i < People; i++)
        {
            var user = UserOf(i);
            yield return EventBuilder.Identify($$"""{"plan":"{{(IsGold(i) ? "gold" : "silver")}}","age":{{20 + (i % 50)}}}""")
                .ForUser(user).At(Now.AddDays(-60)).Build();
            if (OrderedRecently(i))
            {
                foreach (var daysAgo in new[] { 3, 9 })
                {
                    yield return EventBuilder.Track("Order Completed").WithProperties("""{"total":150}""").ForUser(user).At(Now.AddDays(-daysAgo)).Build();
                }
            }
            else if (i % 4 == 1)
            {
                yield return EventBuilder.Track("Order Completed").WithProperties("""{"total":50}""").ForUser(user).At(Now.AddDays(-40)).Build();
            }
        }

        for (var j = 0; j < Anonymous; j++)
        {
            yield return EventBuilder.Page("https://www.example-finance.cz/kontakty").ForAnonymous($"segment-anon-{j:D3}").At(Now.AddDays(-1)).Build();
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

[CollectionDefinition(Name)]
public sealed class SegmentAudienceStore : ICollectionFixture<SegmentAudienceFixture>
{
    public const string Name = "Segment audience";
}
