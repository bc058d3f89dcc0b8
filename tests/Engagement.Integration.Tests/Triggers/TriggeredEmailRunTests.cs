using System.Text.Json.Nodes;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Core.Triggers;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Subjects;
using Engagement.Infrastructure.Templates;
using Engagement.Infrastructure.Triggers;
using Engagement.Infrastructure.Workflows;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Triggers;

/// <summary>
/// Triggered e-mails end to end on the self-hosted runtime: events through ingestion, signals on a real queue, runs on
/// the workflow runtime, the send through campaign delivery to a real MailDev. The clock is set by hand; waits are
/// seconds long, so a wake-up message becomes visible moments after the clock is moved past it.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class TriggeredEmailRunTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private readonly SettableClock _clock = new(DateTimeOffset.UtcNow);
    private readonly List<string> _triggers = [];
    private MailDevProcess _mailDev = null!;
    private EngagementServices _services = null!;

    public async Task InitializeAsync()
    {
        _mailDev = await MailDevProcess.StartAsync();
        _services = await azurite.CreateServicesAsync(
            new Dictionary<string, string?>(_mailDev.EmailSettings)
            {
                ["Workflows:QueueName"] = UniqueId.QueueName(),
                ["Workflows:FirstRetryDelay"] = "00:00:00.2",
                ["Triggers:SignalQueueName"] = UniqueId.QueueName(),
                ["Consent:PublicBaseUrl"] = "https://shop.example.cz",
            },
            services => services.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync()
    {
        // Triggers live in the shared storage: leave none enabled for the tests that come after.
        foreach (var id in _triggers)
        {
            await _services.Get<TriggerStore>().DisableAsync(id);
        }

        await _services.DisposeAsync();
        await _mailDev.DisposeAsync();
    }

    [Fact]
    public async Task AnAbandonedCartGetsItsEmailOnceTheWaitIsOver()
    {
        var trigger = await CartTriggerAsync();
        var (user, address) = await ContactAsync(consent: true);

        await IngestAsync(EventBuilder.Track("Product Added").ForUser(user).At(_clock.Now).Build());
        await PumpAsync();
        Assert.Empty(await MailToAsync(address));
        Assert.Equal(1, (await CountsAsync(trigger)).Waiting);

        await AdvanceAsync(Wait + TimeSpan.FromSeconds(1));

        var mail = Assert.Single(await MailToAsync(address));
        Assert.StartsWith("Cart reminder a for", (string)mail["subject"]!, StringComparison.Ordinal);
        Assert.Equal(new TriggerRunCounts(0, 1, 0, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task AnOrderWithinTheWaitCancelsTheRunAndNothingIsSent()
    {
        var trigger = await CartTriggerAsync();
        var (user, address) = await ContactAsync(consent: true);

        await IngestAsync(EventBuilder.Track("Product Added").ForUser(user).At(_clock.Now).Build());
        await PumpAsync();
        _clock.Advance(TimeSpan.FromSeconds(1));
        await IngestAsync(EventBuilder.Track("Order Completed").ForUser(user).At(_clock.Now).Build());
        await AdvanceAsync(Wait + TimeSpan.FromSeconds(1));

        Assert.Empty(await MailToAsync(address));
        Assert.Equal(new TriggerRunCounts(0, 0, 1, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task ACartEventArrivingAfterTheOrderThatFollowedItStartsNothing()
    {
        var trigger = await CartTriggerAsync();
        var (user, address) = await ContactAsync(consent: true);
        var cartAt = _clock.Now;

        await IngestAsync(EventBuilder.Track("Order Completed").ForUser(user).At(cartAt.AddSeconds(1)).Build());
        await PumpAsync();
        await IngestAsync(EventBuilder.Track("Product Added").ForUser(user).At(cartAt).Build());
        await AdvanceAsync(Wait + TimeSpan.FromSeconds(1));

        Assert.Empty(await MailToAsync(address));
        Assert.Equal(new TriggerRunCounts(0, 0, 0, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task CartsImportedFromDaysAgoSendNothingStale()
    {
        var trigger = await CartTriggerAsync();
        var (user, address) = await ContactAsync(consent: true);

        await IngestAsync(EventBuilder.Track("Product Added").ForUser(user).At(_clock.Now.AddDays(-3)).Build());
        await AdvanceAsync(Wait + TimeSpan.FromSeconds(1));

        Assert.Empty(await MailToAsync(address));
        Assert.Equal(new TriggerRunCounts(0, 0, 0, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task RepeatedDeliveriesOfTheSameEventsStartNothingTwice()
    {
        var trigger = await CartTriggerAsync();
        var (user, address) = await ContactAsync(consent: true);
        var added = EventBuilder.Track("Product Added").ForUser(user).At(_clock.Now).Build();

        await IngestAsync(added);
        await PumpAsync();
        await IngestAsync(added);
        await IngestAsync(added);
        await AdvanceAsync(Wait + TimeSpan.FromSeconds(1));
        // Delivered yet again after the run has ended: still nothing new.
        await IngestAsync(added);
        await PumpAsync();

        Assert.Single(await MailToAsync(address));
        Assert.Equal(new TriggerRunCounts(0, 1, 0, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task ALaterProductAddedWhileWaitingMovesTheWait()
    {
        var trigger = await CartTriggerAsync();
        var (user, address) = await ContactAsync(consent: true);

        await IngestAsync(EventBuilder.Track("Product Added").ForUser(user).At(_clock.Now).Build());
        await PumpAsync();
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        await IngestAsync(EventBuilder.Track("Product Added").ForUser(user).At(_clock.Now).Build());
        await PumpAsync();
        _clock.Advance(TimeSpan.FromSeconds(1));
        await PumpAsync();

        // Past the first wait but not the moved one: one run, still waiting.
        Assert.Empty(await MailToAsync(address));
        Assert.Equal(new TriggerRunCounts(1, 0, 0, 0, 0), await CountsAsync(trigger));

        await AdvanceAsync(Wait);
        Assert.Single(await MailToAsync(address));
    }

    [Fact]
    public async Task WithoutConsentTheRunEndsExcludedAndNothingIsSent()
    {
        var trigger = await CartTriggerAsync();
        var (user, address) = await ContactAsync(consent: false);

        await IngestAsync(EventBuilder.Track("Product Added").ForUser(user).At(_clock.Now).Build());
        await PumpAsync();
        await AdvanceAsync(Wait + TimeSpan.FromSeconds(1));

        Assert.Empty(await MailToAsync(address));
        Assert.Equal(new TriggerRunCounts(0, 0, 0, 1, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task AWelcomeGoesOutOncePerUserHoweverOftenTheyAreIdentified()
    {
        var trigger = await SaveAsync(new TriggerDefinition(Id("hello"), "Welcome", TriggerKind.Welcome, await TemplateAsync(), Welcome: new WelcomeSettings(0)));
        var (user, address) = await ContactAsync(consent: true);

        await IngestAsync(EventBuilder.Identify("""{"firstName":"Jana"}""").ForUser(user).At(_clock.Now).Build());
        await IngestAsync(EventBuilder.Identify("""{"plan":"gold"}""").ForUser(user).At(_clock.Now.AddSeconds(1)).Build());
        await PumpAsync();
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await IngestAsync(EventBuilder.Identify("""{"plan":"silver"}""").ForUser(user).At(_clock.Now).Build());
        await PumpAsync();

        Assert.Single(await MailToAsync(address));
        Assert.Equal(new TriggerRunCounts(0, 1, 0, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task ACustomerKnownForLongerWhoIdentifiesAgainGetsNoWelcome()
    {
        var trigger = await SaveAsync(new TriggerDefinition(Id("hello"), "Welcome", TriggerKind.Welcome, await TemplateAsync(), Welcome: new WelcomeSettings(0)));
        var (user, address) = await ContactAsync(consent: true);
        await IngestAsync(EventBuilder.Track("Order Completed").ForUser(user).At(_clock.Now.AddDays(-40)).Build());

        await IngestAsync(EventBuilder.Identify("""{"firstName":"Petr"}""").ForUser(user).At(_clock.Now).Build());
        await AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Empty(await MailToAsync(address));
        Assert.Equal(new TriggerRunCounts(0, 0, 0, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task BirthdayEmailsGoOutOnTheBirthdayOnly()
    {
        var trigger = await SaveAsync(new TriggerDefinition(Id("bday"), "Birthday", TriggerKind.Birthday, await TemplateAsync(),
            Birthday: new BirthdaySettings("birthday", LocalHour: 0, TimeZone: "Europe/Prague")));
        Assert.True(BirthdayDates.TryFindZone("Europe/Prague", out var prague));
        var today = BirthdayDates.LocalDate(_clock.Now, prague);
        var (celebrating, celebratingAddress) = await ContactAsync(consent: true);
        var (notYet, notYetAddress) = await ContactAsync(consent: true);
        await IngestAsync(
            EventBuilder.Identify($$"""{"birthday":"1990-{{today:MM-dd}}"}""").ForUser(celebrating).At(_clock.Now).Build(),
            EventBuilder.Identify($$"""{"birthday":"1985-{{today.AddDays(5):MM-dd}}"}""").ForUser(notYet).At(_clock.Now).Build());

        var signalled = await _services.Get<BirthdayTriggerScan>().ScanAsync();
        await PumpAsync();
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        // The next day's scan meets the same birthday (it looks a day ahead): nothing twice.
        await _services.Get<BirthdayTriggerScan>().ScanAsync();
        await PumpAsync();

        Assert.True(signalled >= 1);
        Assert.Single(await MailToAsync(celebratingAddress));
        Assert.Empty(await MailToAsync(notYetAddress));
        Assert.Equal(new TriggerRunCounts(0, 1, 0, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task IntentRunsStartAtTheThresholdAndKeepTheCooldown()
    {
        var trigger = await SaveAsync(new TriggerDefinition(Id("buyers"), "Likely buyers", TriggerKind.Intent, await TemplateAsync(),
            Intent: new IntentSettings("order", 0.6, CooldownDays: 3)));
        var (likely, likelyAddress) = await ContactAsync(consent: true);
        var (unlikely, unlikelyAddress) = await ContactAsync(consent: true);
        var observer = _services.Get<IntentTriggerSignals>();

        async Task PublishAsync()
        {
            await observer.ObserveAsync("order", [new Infrastructure.Models.UserScore(likely, 0.8), new Infrastructure.Models.UserScore(unlikely, 0.3)], _clock.Now);
            await PumpAsync();
        }

        await PublishAsync();
        _clock.Advance(TimeSpan.FromDays(1));
        await PublishAsync();
        Assert.Equal(new TriggerRunCounts(0, 1, 0, 0, 0), await CountsAsync(trigger));

        _clock.Advance(TimeSpan.FromDays(2));
        await _services.Get<ConsentStore>().AppendAsync(Grant(Key(likely)));
        await PublishAsync();

        Assert.Equal(2, (await MailToAsync(likelyAddress)).Count);
        Assert.Empty(await MailToAsync(unlikelyAddress));
        Assert.Equal(new TriggerRunCounts(0, 2, 0, 0, 0), await CountsAsync(trigger));
    }

    [Fact]
    public async Task ASubjectsTriggerRunsAreExportedAndErased()
    {
        var trigger = await CartTriggerAsync();
        var (user, _) = await ContactAsync(consent: true);
        await IngestAsync(EventBuilder.Track("Product Added").ForUser(user).At(_clock.Now).Build());
        await PumpAsync();
        // A signal that kept failing was dead-lettered: it names the subject by the key only, and goes too.
        await _services.Get<Infrastructure.DeadLetters.DeadLetterStore>().WriteAsync("triggers", "kept failing",
            TriggerSignalSender.Encode([new TriggerSignal(trigger, TriggerSignalKind.Start, Key(user), "m-1", _clock.Now)]), null);
        var rights = _services.Get<SubjectRights>();

        var export = await rights.ExportAsync(user);
        var erased = await rights.EraseAsync(user);

        var run = Assert.Single(export!.TriggerRuns);
        Assert.Equal(trigger, run.TriggerId);
        Assert.Equal(TriggerRunStatus.Waiting, run.Status);
        Assert.True(erased.TriggerRuns > 2, "the index row, the run row and the run's workflow rows");
        Assert.Equal(1, erased.DeadLetters);
        Assert.Empty(await _services.Get<TriggerRunLog>().ExportAsync(Key(user)));
        Assert.Null(await _services.Get<WorkflowEngine>().GetAsync(run.RunId));

        // The run's wake-up finds nothing: no e-mail, no record naming the subject again.
        await AdvanceAsync(Wait + TimeSpan.FromSeconds(1));
        Assert.Empty(await _services.Get<TriggerRunLog>().ExportAsync(Key(user)));
    }

    private async Task<string> CartTriggerAsync() =>
        await SaveAsync(new TriggerDefinition(Id("cart"), "Cart reminder", TriggerKind.AbandonedCart, await TemplateAsync(),
            AbandonedCart: new AbandonedCartSettings(WaitHours: Wait.TotalHours)));

    private async Task<string> SaveAsync(TriggerDefinition trigger)
    {
        await _services.Get<TriggerStore>().CreateAsync(trigger);
        _services.Get<TriggerCatalog>().Forget();
        _triggers.Add(trigger.Id);
        return trigger.Id;
    }

    private async Task<string> TemplateAsync()
    {
        var id = UniqueId.New("trg-template");
        await _services.Get<TemplateStore>().CreateAsync(id, new CampaignTemplate(
            "Triggered", "{{ campaign.name }} {{ campaign.variant }} for {{ profile.firstName | default: 'you' }}", "", "<p>Hello</p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a>", "Hello"));
        return id;
    }

    private async Task<(string UserId, string Address)> ContactAsync(bool consent)
    {
        var user = UniqueId.New("trg-user");
        var address = $"{user}@example.cz";
        await _services.Get<ContactStore>().PutAsync(Key(user), new ContactPoints(new EmailAddress(address), null, "cs"),
            new ContactSource(ContactProvenance.Order, null, _clock.Now.AddDays(-30)));
        if (consent)
        {
            await _services.Get<ConsentStore>().AppendAsync(Grant(Key(user)));
        }

        return (user, address);
    }

    private ConsentRequest Grant(string subjectKey)
    {
        var text = _services.Get<ConsentTextCatalog>().CurrentFor("marketing", ContactChannel.Email, "cs")!;
        return new ConsentRequest(subjectKey, "marketing", ContactChannel.Email, ConsentDecision.Granted, LegalBasis.Consent, CaptureChannel.EmailLink,
            _clock.Now.AddMinutes(-1), text.Reference, new ConsentEvidence(IpAddress: "203.0.113.9", UserAgent: "Mozilla/5.0"), "test");
    }

    private string Key(string user) => _services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(user)).Value;

    private static string Id(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    private async Task IngestAsync(params EngagementEvent[] events) => await _services.Get<IngestionHandler>().HandleAsync(events);

    private async Task<TriggerRunCounts> CountsAsync(string trigger) => await _services.Get<TriggerRunLog>().CountsAsync(trigger);

    /// <summary>Moves the clock on and works the queues until the wake-ups that came due have run.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        _clock.Advance(by);
        await PumpAsync(settle: by + TimeSpan.FromSeconds(1));
    }

    /// <summary>Works the signal and workflow queues until nothing has been left to do for a while.</summary>
    private async Task PumpAsync(TimeSpan? settle = null)
    {
        var signals = _services.Get<TriggerSignalWorker>();
        var workflows = _services.Get<WorkflowQueueWorker>();
        var quietSince = DateTimeOffset.UtcNow;
        var quietFor = settle ?? TimeSpan.FromMilliseconds(600);
        var until = DateTimeOffset.UtcNow.AddSeconds(30);
        while (DateTimeOffset.UtcNow - quietSince < quietFor && DateTimeOffset.UtcNow < until)
        {
            if (await signals.WorkOnceAsync() + await workflows.WorkOnceAsync() > 0)
            {
                quietSince = DateTimeOffset.UtcNow;
            }
            else
            {
                await Task.Delay(100);
            }
        }
    }

    private async Task<List<JsonNode>> MailToAsync(string address)
    {
        using var http = new HttpClient { BaseAddress = _mailDev.WebAddress };
        return JsonNode.Parse(await http.GetStringAsync("api/email"))!.AsArray()
            .Where(m => string.Equals((string?)m!["to"]![0]!["address"], address, StringComparison.OrdinalIgnoreCase))
            .Select(m => m!)
            .ToList();
    }
}
