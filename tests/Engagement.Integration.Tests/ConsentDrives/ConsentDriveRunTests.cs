using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Contacts;
using Engagement.Core.Workflows;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.ConsentDrives;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Workflows;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.ConsentDrives;

/// <summary>
/// A whole consent drive on the self-hosted runtime: real Azurite, real SMTP (MailDev), the local Communication
/// Services SMS endpoint. Contacts answer some requests (as a confirmation link or an ANO reply would record them).
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class ConsentDriveRunTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private MailDevProcess _mailDev = null!;
    private LocalSmsService _sms = null!;

    public async Task InitializeAsync()
    {
        _mailDev = await MailDevProcess.StartAsync();
        _sms = await LocalSmsService.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _mailDev.DisposeAsync();
        await _sms.DisposeAsync();
    }

    [Fact]
    public async Task ADriveAsksEveryoneOnceEscalatesWhenBehindReactivatesUnknownsAndStopsAtTheTarget()
    {
        var tag = UniqueId.New("seg").ToLowerInvariant()[..20];
        await using var services = await ServicesAsync();
        var contacts = services.Get<ContactStore>();
        var people = new List<(string Key, bool Email, bool Phone, ContactProvenance Provenance)>();
        for (var i = 0; i < 24; i++)
        {
            var key = UniqueId.New("drive-subject");
            var email = i % 3 != 1;
            var phone = i % 3 != 0;
            var provenance = i % 8 == 5 ? ContactProvenance.Unknown : ContactProvenance.Order;
            await contacts.PutAsync(key, new ContactPoints(
                email ? new EmailAddress($"{key}@example.cz") : null,
                phone ? new PhoneNumber($"+42077{Random.Shared.Next(1000000, 9999999)}") : null,
                i % 2 == 0 ? "cs" : "en",
                tag), new ContactSource(provenance, null, DateTimeOffset.UtcNow.AddDays(-30)));
            people.Add((key, email, phone, provenance));
        }

        var input = new ConsentDriveInput(
            "Integration drive", ["marketing"], new DriveAudience(Segments: [tag]), 0.6,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddSeconds(40),
            [new DriveChannelPlan(DriveChannel.Email, BatchSize: 4, MaxWaves: 10), new DriveChannelPlan(DriveChannel.Sms, BatchSize: 4, MaxWaves: 10)],
            Seed: 3, ReviewEvery: TimeSpan.FromSeconds(1), LagTolerance: 0.01);
        var engine = services.Get<WorkflowEngine>();
        var id = (await engine.StartAsync(ConsentDrive.Type, WorkflowJson.Write(input))).View!.Id;

        var answered = new HashSet<string>(StringComparer.Ordinal);
        var worker = services.Get<WorkflowQueueWorker>();
        WorkflowView view;
        var until = DateTimeOffset.UtcNow.AddSeconds(90);
        do
        {
            if (await worker.WorkOnceAsync() == 0)
            {
                await Task.Delay(100);
            }

            // Every other contact asked answers yes, over the channel that asked them.
            foreach (var (channel, askedOver) in await services.Get<ConsentDriveStore>().AskedAsync(id))
            {
                foreach (var ask in askedOver.Values.Where(a => people.FindIndex(p => p.Key == a.SubjectKey) % 2 == 0 && answered.Add(a.SubjectKey)))
                {
                    await GrantAsync(services, ask.SubjectKey, channel);
                }
            }

            view = (await engine.GetAsync(id))!;
        }
        while (view.Status == WorkflowStatus.Running && DateTimeOffset.UtcNow < until);

        var state = WorkflowJson.Read<ConsentDriveState>(view.State);
        var report = ConsentDriveReport.Of(state);
        Assert.True(view.Status == WorkflowStatus.Completed, string.Join("\n", view.History.Select(h => $"{h.Turn} {h.Signal}: {h.Note} [{string.Join(", ", h.Commands)}]")));
        Assert.NotEmpty(state.Progress);
        Assert.Equal(24, state.Progress[^1].AudienceSize);

        // Nobody was asked twice over a channel: one e-mail and at most one SMS per person.
        var mail = JsonNode.Parse(await new HttpClient { BaseAddress = _mailDev.WebAddress }.GetStringAsync("api/email"))!.AsArray()
            .Select(m => (string)m!["to"]![0]!["address"]!).Where(a => a.Contains("drive-subject", StringComparison.Ordinal) && people.Any(p => a.StartsWith(p.Key, StringComparison.Ordinal))).ToList();
        Assert.Equal(mail.Count, mail.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var phones = _sms.Messages.Select(m => m.To).ToList();
        Assert.Equal(phones.Count, phones.Distinct(StringComparer.Ordinal).Count());
        Assert.NotEmpty(mail);

        // Reactivation asked the contacts of unknown provenance.
        Assert.NotEqual(ReactivationStatus.NotStarted, state.Reactivation.Status);
        var unknown = people.Where(p => p.Provenance == ContactProvenance.Unknown).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var asked = await services.Get<ConsentDriveStore>().AskedAsync(id);
        Assert.All(unknown, key => Assert.True(asked.Values.Any(a => a.ContainsKey(key)), $"{key} of unknown provenance was not asked"));

        // The report tells how it went, and draws.
        Assert.Contains(report.Channels, c => c.Channel == DriveChannel.Email && c.Conversions > 0);
        Assert.Equal(0x89, ConsentDriveChart.Png(report)[0]);
        Assert.True(report.Share >= 0.6 || state.Outcome == DriveOutcome.DeadlinePassed, $"share {report.Share}, outcome {state.Outcome}");
    }

    private async Task<EngagementServices> ServicesAsync() =>
        await azurite.CreateServicesAsync(new Dictionary<string, string?>(_mailDev.EmailSettings)
        {
            ["Workflows:QueueName"] = UniqueId.QueueName(),
            ["Workflows:FirstRetryDelay"] = "00:00:00.2",
            ["Sms:ConnectionString"] = _sms.ConnectionString,
            ["Sms:From"] = _sms.OurNumber,
            ["Consent:PublicBaseUrl"] = "https://consent.example.cz",
        });

    private static async Task GrantAsync(EngagementServices services, string subjectKey, DriveChannel channel)
    {
        var catalog = services.Get<ConsentTextCatalog>();
        var (via, contact, evidence) = channel == DriveChannel.Email
            ? (CaptureChannel.EmailLink, ContactChannel.Email, new ConsentEvidence(IpAddress: "203.0.113.9", UserAgent: "Mozilla/5.0"))
            : (CaptureChannel.ReplySms, ContactChannel.Sms, new ConsentEvidence(SmsMessageId: Guid.NewGuid().ToString("N")));
        var text = catalog.CurrentFor("marketing", contact, "cs")!;
        await services.Get<ConsentStore>().AppendAsync(new ConsentRequest(
            subjectKey, "marketing", contact, ConsentDecision.Granted, LegalBasis.Consent, via, DateTimeOffset.UtcNow, text.Reference, evidence, "test"));
    }
}
