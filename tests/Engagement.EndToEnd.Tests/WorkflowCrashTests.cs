using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Host.Hosting;
using Engagement.Testing;

namespace Engagement.EndToEnd.Tests;

/// <summary>
/// The self-hosted runtime killed without warning (SIGKILL) again and again while a consent drive sends SMS waves and
/// contacts answer: after each restart every instance resumes where it stood, and every intended message goes out
/// exactly once.
/// </summary>
public sealed class WorkflowCrashTests
{
    private const string AdminKey = "crash-test-admin-key-0123456789";
    private const string WebhookKey = "crash-test-webhook-key-0123456789";
    private static readonly string[] Segment = ["crash-test"];
    private static readonly string[] Marketing = ["marketing"];

    [Fact]
    public async Task AHostKilledAtRandomPointsResumesTheDriveAndEveryContactGetsExactlyOneSms()
    {
        await using var azurite = await AzuriteProcess.StartAsync(null);
        await using var sms = await LocalSmsService.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Ingestion:PseudonymSecret"] = "crash-test-pseudonym-secret-0123456789",
            ["Admin:Key"] = AdminKey,
            ["Consent:FormSecret"] = "crash-test-form-secret-0123456789-0123456789",
            ["Consent:PublicBaseUrl"] = "https://consent.example.cz",
            ["Sms:ConnectionString"] = sms.ConnectionString,
            ["Sms:From"] = sms.OurNumber,
            ["Sms:WebhookKey"] = WebhookKey,
            ["Workflows:LeaseTime"] = "00:00:05",
            ["Workflows:ResumeEvery"] = "00:00:03",
            ["Workflows:FirstRetryDelay"] = "00:00:00.5",
        };
        var random = new Random(20261122);
        var host = await HostProcess.StartAsync(azurite.ConnectionString, settings);
        try
        {
            using var client = Client(host);
            var phones = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < 30; i++)
            {
                var phone = $"+420603{i:D6}";
                phones[phone] = $"crash-customer-{i}";
                using var put = await client.PutAsJsonAsync($"/api/contacts/crash-customer-{i}", new { phone, provenance = "order", language = "cs", segments = Segment });
                Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            }

            var now = DateTimeOffset.UtcNow;
            using var start = await client.PostAsJsonAsync("/api/consent-drives", new
            {
                name = "Crash drive",
                purposes = Marketing,
                audience = new { segments = Segment },
                targetOptInShare = 1.0,
                startsAt = now,
                deadline = now.AddMinutes(10),
                channels = new[] { new { channel = "sms", batchSize = 3, maxWaves = 20 } },
                seed = 1,
                reviewEvery = "00:00:02",
                reactivateUnknownProvenance = false,
            });
            Assert.True(start.IsSuccessStatusCode, await start.Content.ReadAsStringAsync());
            var id = (string)JsonNode.Parse(await start.Content.ReadAsStringAsync())!["id"]!;

            var replied = new HashSet<string>(StringComparer.Ordinal);
            var kills = 0;
            var until = DateTimeOffset.UtcNow.AddMinutes(5);
            string status = "running";
            while (status == "running" && DateTimeOffset.UtcNow < until)
            {
                await Task.Delay(random.Next(200, 1500));
                if (kills < 10)
                {
                    // Anywhere: between waves, mid-wave, mid-reply, mid-decision.
                    await host.DisposeAsync();
                    kills++;
                    host = await HostProcess.StartAsync(azurite.ConnectionString, settings);
                }

                using var live = Client(host);
                foreach (var message in sms.Messages.Where(m => !replied.Contains(m.MessageId)).ToList())
                {
                    // Everyone asked says yes; a reply that meets a dead host is sent again next round (same SMS id).
                    using var content = new StringContent(LocalSmsService.SmsReceivedEvent(message.To, message.From, "ANO", "reply-" + message.MessageId, DateTimeOffset.UtcNow), Encoding.UTF8, "application/json");
                    using var reply = await live.PostAsync($"/api/events/communication?key={WebhookKey}", content);
                    if (reply.IsSuccessStatusCode)
                    {
                        replied.Add(message.MessageId);
                    }
                }

                using var read = await live.GetAsync($"/api/workflows/{id}");
                status = read.IsSuccessStatusCode ? (string)JsonNode.Parse(await read.Content.ReadAsStringAsync())!["status"]! : status;
            }

            Assert.True(status == "completed", $"the drive is {status} after {kills} kills; {sms.Messages.Count} SMS sent\n{host.Output}");
            Assert.True(kills >= 5, $"only {kills} kills happened while the drive ran");
            var sent = sms.Messages.Select(m => m.To).ToList();
            Assert.Equal(phones.Keys.Order(StringComparer.Ordinal), sent.Order(StringComparer.Ordinal));
            using var report = await Client(host).GetAsync($"/api/consent-drives/{id}");
            var drive = JsonNode.Parse(await report.Content.ReadAsStringAsync())!;
            Assert.Equal(1.0, (double)drive["report"]!["share"]!);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static HttpClient Client(HostProcess host)
    {
        var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        return client;
    }
}
