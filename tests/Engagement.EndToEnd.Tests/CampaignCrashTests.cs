using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Host.Hosting;
using Engagement.Testing;
using Xunit.Abstractions;

namespace Engagement.EndToEnd.Tests;

/// <summary>
/// The self-hosted runtime killed without warning (SIGKILL) again and again while a campaign of 10,000 recipients
/// resolves its audience, sends its A/B test cells and the winner to the rest through the Communication Services Email
/// API: after each restart the campaign resumes where it stood, and every recipient gets exactly one message.
/// </summary>
public sealed class CampaignCrashTests(ITestOutputHelper output)
{
    private const int Recipients = 10_000;
    private const string AdminKey = "campaign-crash-admin-key-0123456789";
    private const string WriteKey = "campaign-crash-write-key-0123456789";

    [Fact]
    public async Task AHostKilledAtRandomPointsResumesTheCampaignAndEveryRecipientGetsExactlyOneMessage()
    {
        await using var azurite = await AzuriteProcess.StartAsync(null);
        await using var acs = await LocalEmailService.StartAsync();
        var settings = new Dictionary<string, string>(acs.EmailSettings.ToDictionary(s => s.Key, s => s.Value!))
        {
            ["Ingestion:PseudonymSecret"] = "campaign-crash-pseudonym-secret-0123456789",
            ["Admin:Key"] = AdminKey,
            ["Consent:FormSecret"] = "campaign-crash-form-secret-0123456789-0123456789",
            ["Consent:PublicBaseUrl"] = "https://engage.example.cz",
            ["Contacts:LegitimateInterest:0"] = "marketing/Email",
            ["Campaigns:InactiveMonths"] = "0",
            ["Campaigns:FrequencyCap:MaxPerDay"] = "0",
            ["Campaigns:FrequencyCap:MaxPerWeek"] = "0",
            ["Campaigns:Run:BatchSize"] = "250",
            ["Campaigns:Run:RetryAfterSeconds"] = "1",
            ["Workflows:LeaseTime"] = "00:00:05",
            ["Workflows:ResumeEvery"] = "00:00:03",
            ["Workflows:FirstRetryDelay"] = "00:00:00.5",
        };
        await EngageAsync(azurite.ConnectionString, settings, "sources", "add", "crash-web", "--key", WriteKey);
        var tag = "crash" + Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, Recipients).Select(i => $"{tag}-{i:D5}").ToList();
        var contactsFile = Path.Combine(Path.GetTempPath(), $"{tag}-contacts.csv");
        await File.WriteAllLinesAsync(contactsFile, users.Select(u => $"{u},{u}@example.cz,order").Prepend("subject,email,provenance"));
        await EngageAsync(azurite.ConnectionString, settings, "contacts", "import", contactsFile);
        File.Delete(contactsFile);

        var clock = Stopwatch.StartNew();
        output.WriteLine($"{clock.Elapsed}: contacts imported");
        var random = new Random(20261123);
        var host = await HostProcess.StartAsync(azurite.ConnectionString, settings);
        try
        {
            using (var client = Client(host))
            {
                foreach (var chunk in users.Chunk(500))
                {
                    using var sent = await client.PostAsJsonAsync("/v1/batch", new { batch = chunk.Select(u => new { type = "identify", userId = u, traits = new { plan = tag } }) });
                    Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());
                }

                await PostAsync(client, "/api/segments", $$"""{"id":"{{tag}}","name":"Crash audience","rule":{"trait":{"path":"plan","op":"eq","value":"{{tag}}"} } }""");
                // The stream is ingested a delivery of many batches at a time, not in the order they were posted: the
                // campaign starts once every profile is there, so that its audience is all 10,000.
                await WaitForAudienceAsync(client, tag);
                output.WriteLine($"{clock.Elapsed}: profiles ingested");
                foreach (var variant in new[] { "a", "b" })
                {
                    await PostAsync(client, "/api/templates", $$"""{"id":"{{tag}}-{{variant}}","name":"Crash {{variant}}","subject":"Nabídka {{variant}}","preheader":"","html":"<p>Dobrý den</p>","text":"Dobrý den"}""");
                }

                await PostAsync(client, "/api/campaigns", $$"""
                    {"id":"{{tag}}","name":"Crash campaign","segmentId":"{{tag}}","sender":{"from":"news@engagement360.local"},
                     "variants":[{"id":"A","templateId":"{{tag}}-a"},{"id":"B","templateId":"{{tag}}-b"}],
                     "abTest":{"testShare":0.2,"metric":"opens","decideAfterHours":0.003,"minimumSamplePerVariant":30},
                     "conversion":{"event":"Order Completed","attributionDays":0.0001} }
                    """);
            }

            output.WriteLine($"{clock.Elapsed}: campaign started");
            var kills = 0;
            var status = "running";
            var until = DateTimeOffset.UtcNow.AddMinutes(8);
            while (status == "running" && DateTimeOffset.UtcNow < until)
            {
                await Task.Delay(random.Next(2000, 7000));
                // Three while the audience is resolved, the rest once messages go out: mid-batch, between steps, mid-decision.
                if (kills < 3 || (acs.Messages.Count > 0 && kills < 10))
                {
                    await host.DisposeAsync();
                    kills++;
                    host = await HostProcess.StartAsync(azurite.ConnectionString, settings);
                }

                using var live = Client(host);
                using var read = await live.GetAsync($"/api/campaigns/{tag}");
                var body = read.IsSuccessStatusCode ? JsonNode.Parse(await read.Content.ReadAsStringAsync()) : null;
                status = (string?)body?["status"] ?? status;
                output.WriteLine($"{clock.Elapsed}: {kills} kills, {status}, phase {(string?)body?["report"]?["phase"]}, {acs.Messages.Count} messages taken");
            }

            Assert.True(status == "completed", $"the campaign is {status} after {kills} kills; {acs.Messages.Count} messages taken\n{host.Output}");
            Assert.True(kills >= 8, $"only {kills} kills happened while the campaign ran");
            using (var report = await Client(host).GetAsync($"/api/campaigns/{tag}"))
            {
                var shown = JsonNode.Parse(await report.Content.ReadAsStringAsync());
                output.WriteLine($"audience {shown?["report"]?["audience"]?.ToJsonString()}; sends {shown?["sends"]?.ToJsonString()}");
            }

            var to = acs.Messages.Select(m => m.To).ToList();
            Assert.Equal(Recipients, to.Count);
            Assert.Equal(users.Select(u => $"{u}@example.cz").Order(StringComparer.Ordinal), to.Order(StringComparer.Ordinal));
            using var final = await Client(host).GetAsync($"/api/campaigns/{tag}");
            var campaign = JsonNode.Parse(await final.Content.ReadAsStringAsync())!;
            Assert.Equal(Recipients, campaign["sends"]!.AsArray().Sum(s => (int)s!["sent"]!));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static async Task WaitForAudienceAsync(HttpClient client, string segmentId)
    {
        long count = 0;
        for (var attempt = 0; attempt < 120; attempt++)
        {
            using var preview = await client.GetAsync($"/api/segments/{segmentId}/preview?sample=0");
            Assert.True(preview.IsSuccessStatusCode, await preview.Content.ReadAsStringAsync());
            count = (long)JsonNode.Parse(await preview.Content.ReadAsStringAsync())!["count"]!;
            if (count == Recipients)
            {
                return;
            }

            await Task.Delay(1000);
        }

        throw new TimeoutException($"{count} of {Recipients} profiles were ingested within two minutes.");
    }

    private static async Task PostAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    // An engage command against the same storage and settings as the host.
    private static async Task EngageAsync(string connectionString, IReadOnlyDictionary<string, string> settings, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "engage.dll") }.Concat(arguments).Concat(["--storage", connectionString]))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"engage {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
    }

    private static HttpClient Client(HostProcess host)
    {
        var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(WriteKey + ":")));
        return client;
    }
}
