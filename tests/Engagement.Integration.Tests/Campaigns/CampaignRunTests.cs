using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Engagement.Core.Campaigns;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Core.Workflows;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Segments;
using Engagement.Infrastructure.Templates;
using Engagement.Infrastructure.Workflows;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Campaigns;

/// <summary>
/// A whole campaign on the self-hosted runtime, against real Azurite and a real SMTP sink (MailDev): audience with
/// exclusions, A/B test cells, opens through the tracking pixel, the winner to the rest, a reminder to those who did not
/// open, and the final report.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed partial class CampaignRunTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private MailDevProcess _mailDev = null!;

    public async Task InitializeAsync() => _mailDev = await MailDevProcess.StartAsync();

    public async Task DisposeAsync() => await _mailDev.DisposeAsync();

    [Fact]
    public async Task ACampaignTestsTwoVariantsSendsTheWinnerToTheRestAndRemindsOnlyThoseWhoDidNotOpen()
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>(_mailDev.EmailSettings)
        {
            ["Workflows:QueueName"] = UniqueId.QueueName(),
            ["Workflows:FirstRetryDelay"] = "00:00:00.2",
            ["Consent:PublicBaseUrl"] = "https://engage.example.cz",
            ["Campaigns:FrequencyCap:MaxPerDay"] = "0",
            ["Campaigns:FrequencyCap:MaxPerWeek"] = "0",
        });
        var tag = "run" + Guid.NewGuid().ToString("N")[..10];
        var users = Enumerable.Range(0, 250).Select(i => $"{tag}-user-{i:D3}").ToList();
        await PlantPeopleAsync(services, tag, users, withoutConsent: 10);
        var segment = await SaveAsync(services.Get<SegmentHttp>().CreateAsync, "{\"id\":\"" + tag + "\",\"name\":\"Run test\",\"rule\":{\"trait\":{\"path\":\"plan\",\"op\":\"eq\",\"value\":\"" + tag + "\"}}}");
        var templateA = await SaveAsync(s => services.Get<TemplateHttp>().SaveAsync(s), Template(tag + "-a", "Jarní nabídka"));
        var templateB = await SaveAsync(s => services.Get<TemplateHttp>().SaveAsync(s), Template(tag + "-b", "Jen pro vás: jarní nabídka"));

        var engine = services.Get<WorkflowEngine>();
        var started = await services.Get<CampaignHttp>().StartAsync(engine, Body($$"""
            {
              "id": "{{tag}}",
              "name": "Spring offer",
              "segmentId": "{{segment}}",
              "sender": { "from": "news@shop.example.cz", "name": "Shop" },
              "variants": [ { "id": "A", "templateId": "{{templateA}}" }, { "id": "B", "templateId": "{{templateB}}" } ],
              "abTest": { "testShare": 0.5, "metric": "opens", "decideAfterHours": 0.004, "minimumSamplePerVariant": 30 },
              "reminder": { "afterDays": 0.0002, "to": "nonOpeners", "subject": "Nezapomeňte: jarní nabídka" },
              "conversion": { "event": "Order Completed", "attributionDays": 0.0001 }
            }
            """), null);
        Assert.Equal(201, started.Status);
        var repeated = await services.Get<CampaignHttp>().StartAsync(engine, Body($$"""{"id":"{{tag}}","name":"Other","segmentId":"{{segment}}","sender":{"from":"news@shop.example.cz"},"variants":[{"id":"A","templateId":"{{templateA}}"}]}"""), null);
        Assert.Equal(409, repeated.Status);

        // The 120 test recipients split between A and B by a hash of the campaign id, which is new every run: the
        // minimum of 30 per variant fails about one split in thirty million.
        // Opens: nine in ten test recipients of B open, one in ten of A; nobody opens the main step.
        var opened = new HashSet<string>(StringComparer.Ordinal);
        var tracking = services.Get<CampaignTracking>();
        var worker = services.Get<WorkflowQueueWorker>();
        WorkflowView view;
        var until = DateTimeOffset.UtcNow.AddSeconds(150);
        do
        {
            if (await worker.WorkOnceAsync() == 0)
            {
                await Task.Delay(100);
            }

            foreach (var mail in await MailAsync(tag))
            {
                if (mail.MessageId.Step == CampaignSteps.Test && opened.Add(mail.MessageId.SubjectKey)
                    && Math.Abs(mail.MessageId.SubjectKey.GetHashCode(StringComparison.Ordinal) % 10) < (mail.MessageId.Variant == "B" ? 9 : 1))
                {
                    await tracking.RecordOpenAsync(PixelToken().Match(mail.Html).Groups[1].Value, "GET", Chrome, Guid.NewGuid().ToString("N"));
                }
            }

            view = (await engine.GetAsync(tag))!;
        }
        while (view.Status == WorkflowStatus.Running && DateTimeOffset.UtcNow < until);

        var history = string.Join("\n", view.History.Select(h => $"{h.Turn} {h.Signal}: {h.Note} [{string.Join(", ", h.Commands)}]"));
        Assert.True(view.Status == WorkflowStatus.Completed, $"{view.Status}\n{history}");
        var reply = JsonNode.Parse((await services.Get<CampaignHttp>().GetAsync(engine, tag)).Body.Span)!;
        var report = reply["report"]!;
        Assert.Equal("B", (string?)report["abTest"]!["winner"]);

        var mails = await MailAsync(tag);
        var byStep = mails.GroupBy(m => m.MessageId.Step).ToDictionary(g => g.Key, g => g.ToList());
        // Everyone with consent got the test or the main step, once; the ten without consent got nothing.
        var consented = users.Skip(10).Select(u => services.Get<Pseudonymizer>().KeyOf(IdentityRef.User(u)).Value).ToHashSet(StringComparer.Ordinal);
        var firstSends = byStep[CampaignSteps.Test].Concat(byStep[CampaignSteps.Main]).Select(m => m.MessageId.SubjectKey).ToList();
        Assert.Equal(consented.Order(StringComparer.Ordinal), firstSends.Order(StringComparer.Ordinal));
        Assert.All(byStep[CampaignSteps.Main], m => Assert.Equal("B", m.MessageId.Variant));
        // The reminder went to everyone who did not open, with its own subject, and to nobody twice.
        var openers = (await tracking.FactsAsync(tag)).Engagement.Select(e => CampaignMessageId.TryParse(e.MessageId, out var id) ? id.SubjectKey : null).ToHashSet(StringComparer.Ordinal);
        var reminded = byStep[CampaignSteps.Reminder].Select(m => m.MessageId.SubjectKey).ToList();
        Assert.Equal(consented.Where(k => !openers.Contains(k)).Order(StringComparer.Ordinal), reminded.Order(StringComparer.Ordinal));
        Assert.All(byStep[CampaignSteps.Reminder], m => Assert.Equal("Nezapomeňte: jarní nabídka", m.Subject));
        Assert.Equal(mails.Count, mails.Select(m => m.MessageId).Distinct().Count());
        // Exclusions are counted by reason and the ledger holds the sends.
        Assert.Equal(10, (int)report["audience"]!["excluded"]![ExclusionReasons.NoConsent]!);
        var sends = await services.Get<CampaignSendLedger>().CountsAsync(tag);
        Assert.Equal(mails.Count, sends.Sum(s => s.Sent));
    }

    private async Task<List<Mail>> MailAsync(string tag)
    {
        using var http = new HttpClient { BaseAddress = _mailDev.WebAddress };
        var all = JsonNode.Parse(await http.GetStringAsync("api/email"))!.AsArray();
        return all
            .Select(m => (Id: (string?)m!["messageId"] ?? (string?)m["headers"]?["message-id"], Html: (string?)m["html"] ?? string.Empty, Subject: (string?)m["subject"] ?? string.Empty))
            .Select(m => CampaignMessageId.TryParse(m.Id, out var id) && id.CampaignId == tag ? new Mail(id, m.Html, m.Subject) : null)
            .OfType<Mail>()
            .ToList();
    }

    private static async Task PlantPeopleAsync(EngagementServices services, string tag, List<string> users, int withoutConsent)
    {
        var now = DateTimeOffset.UtcNow;
        await services.Get<IngestionHandler>().HandleAsync(users.Select((user, i) =>
            EventBuilder.Identify($$"""{"plan":"{{tag}}","firstName":"Zákazník {{i}}"}""").ForUser(user).At(now.AddMinutes(-10)).Build()).ToList());
        var keys = services.Get<Pseudonymizer>();
        var contacts = services.Get<ContactStore>();
        var text = services.Get<ConsentTextCatalog>().CurrentFor("marketing", ContactChannel.Email, "cs")!;
        for (var i = 0; i < users.Count; i++)
        {
            var key = keys.KeyOf(IdentityRef.User(users[i])).Value;
            await contacts.PutAsync(key, new ContactPoints(new EmailAddress($"{users[i]}@example.cz"), null, "cs", tag), new ContactSource(ContactProvenance.Order, null, now.AddDays(-30)));
            if (i >= withoutConsent)
            {
                await services.Get<ConsentStore>().AppendAsync(new ConsentRequest(
                    key, "marketing", ContactChannel.Email, ConsentDecision.Granted, LegalBasis.Consent, CaptureChannel.PortalPopup, now.AddDays(-1), text.Reference,
                    new ConsentEvidence(IpAddress: "203.0.113.9", UserAgent: Chrome), "test"));
            }
        }
    }

    private static string Template(string id, string subject) => $$$"""
        {"id":"{{{id}}}","name":"{{{subject}}}","subject":"{{{subject}}}","preheader":"Jen tento týden",
         "html":"<html><body><p>Dobrý den, {{ profile.firstName | default: 'zákazníku' }}</p><p><a href=\"https://shop.example.cz/jaro\">Nabídka</a></p><p><a href=\"{{ unsubscribe_url }}\">Odhlásit</a></p></body></html>",
         "text":"Dobrý den, {{ profile.firstName | default: 'zákazníku' }}. Nabídka: https://shop.example.cz/jaro  Odhlásit: {{ unsubscribe_url }}"}
        """;

    private static async Task<string> SaveAsync(Func<Stream, Task<Infrastructure.Http.ReplyShape>> save, string json)
    {
        var reply = await save(Body(json));
        Assert.True(reply.Status is 200 or 201, Encoding.UTF8.GetString(reply.Body.Span));
        return (string)JsonNode.Parse(reply.Body.Span)!["id"]!;
    }

    private static Task<string> SaveAsync(Func<Stream, string?, CancellationToken, Task<Infrastructure.Http.ReplyShape>> save, string json) =>
        SaveAsync(s => save(s, null, CancellationToken.None), json);

    private static MemoryStream Body(string json) => new(Encoding.UTF8.GetBytes(json));

    [GeneratedRegex("/t/o/([^\"/]+)\\.gif")]
    private static partial Regex PixelToken();

    private sealed record Mail(CampaignMessageId MessageId, string Html, string Subject);
}
