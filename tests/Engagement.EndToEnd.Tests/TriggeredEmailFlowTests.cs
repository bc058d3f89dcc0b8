using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Sources;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.EndToEnd.Tests;

/// <summary>
/// An abandoned cart through a running host: the trigger defined over HTTP, the cart and the order sent to the
/// tracking API, the e-mail arriving in a real MailDev, the run counts read back. Every part runs as deployed: the stream
/// consumer, the trigger signal service and the workflow runtime of <c>engage serve</c>.
/// </summary>
public sealed class TriggeredEmailFlowTests(TriggeredEmailFlowTests.MailHost host) : IClassFixture<TriggeredEmailFlowTests.MailHost>
{
    [Fact]
    public async Task ACartLeftBehindGetsItsEmailAndACartOrderedGetsNone()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        using (var template = await host.AdminAsync(HttpMethod.Post, "/api/templates", $$"""
            {"id":"cart-{{run}}","name":"Cart","subject":"Still in your cart","preheader":"","html":"<p>Your cart misses you</p>","text":"Your cart misses you"}
            """))
        {
            Assert.True(template.IsSuccessStatusCode, await template.Content.ReadAsStringAsync());
        }

        using (var trigger = await host.AdminAsync(HttpMethod.Post, "/api/triggers", $$"""
            {"id":"cart-{{run}}","name":"Cart reminder","kind":"abandonedCart","templateId":"cart-{{run}}","abandonedCart":{"waitHours":0.003} }
            """))
        {
            Assert.Equal(HttpStatusCode.Created, trigger.StatusCode);
        }

        var leaver = $"leaver-{run}";
        var buyer = $"buyer-{run}";
        foreach (var user in new[] { leaver, buyer })
        {
            using var contact = await host.AdminAsync(HttpMethod.Put, $"/api/contacts/{user}", $$"""{"email":"{{user}}@example.cz","provenance":"order"}""");
            Assert.True(contact.IsSuccessStatusCode, await contact.Content.ReadAsStringAsync());
        }

        using (var carts = await host.TrackAsync($$"""
            {"batch":[
              {"type":"track","userId":"{{leaver}}","event":"Product Added","properties":{"product_id":"p-1","name":"Tent","price":120} },
              {"type":"track","userId":"{{buyer}}","event":"Product Added","properties":{"product_id":"p-2","name":"Stove","price":40} }
            ]}
            """))
        {
            Assert.Equal(HttpStatusCode.OK, carts.StatusCode);
        }

        // Both runs wait (about 11 seconds); the buyer orders meanwhile.
        await host.WaitForCountsAsync($"cart-{run}", c => (int)c["waiting"]! == 2);
        using (var order = await host.TrackAsync($$"""{"type":"track","userId":"{{buyer}}","event":"Order Completed","properties":{"total":40} }"""))
        {
            Assert.Equal(HttpStatusCode.OK, order.StatusCode);
        }

        await host.WaitForCountsAsync($"cart-{run}", c => (int)c["cancelled"]! == 1);
        var mail = await host.WaitForMailAsync($"{leaver}@example.cz");
        var counts = await host.WaitForCountsAsync($"cart-{run}", c => (int)c["sent"]! == 1);

        Assert.Equal("Still in your cart", (string?)mail["subject"]);
        Assert.Empty(await host.MailsToAsync($"{buyer}@example.cz"));
        Assert.Equal(0, (int)counts["waiting"]!);
        Assert.Equal(0, (int)counts["excluded"]! + (int)counts["failed"]!);
    }

    /// <summary>A host on its own Azurite that sends e-mail to MailDev, with marketing e-mail resting on legitimate interest.</summary>
    public sealed class MailHost : IAsyncLifetime, IDisposable
    {
        private AzuriteProcess? _azurite;
        private MailDevProcess? _mailDev;
        private WebApplication? _app;
        private HttpClient? _inbox;
        private HttpClient? _client;
        private string _writeKey = string.Empty;

        public async Task InitializeAsync()
        {
            _azurite = await AzuriteProcess.StartAsync(null);
            _mailDev = await MailDevProcess.StartAsync();
            _inbox = new HttpClient { BaseAddress = _mailDev.WebAddress, Timeout = TimeSpan.FromSeconds(30) };
            var settings = new Dictionary<string, string?>(_mailDev.EmailSettings)
            {
                ["Consent:PublicBaseUrl"] = "https://shop.example.cz",
                ["Contacts:LegitimateInterest:0"] = "marketing/Email",
            };
            (_app, var address) = await HostFixture.StartHostAsync(_azurite.ConnectionString, settings);
            _writeKey = (await _app.Services.GetRequiredService<SourceRegistry>().AddAsync("e2e-shop")).WriteKey!;
            _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        }

        public async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
            return await _client!.SendAsync(request);
        }

        public async Task<HttpResponseMessage> TrackAsync(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, body.Contains("\"batch\"", StringComparison.Ordinal) ? "/v1/batch" : "/v1/track") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(_writeKey + ":")));
            return await _client!.SendAsync(request);
        }

        public async Task<List<JsonNode>> MailsToAsync(string address) =>
            JsonNode.Parse(await _inbox!.GetStringAsync("api/email"))!.AsArray()
                .Where(m => m!["to"]!.AsArray().Any(t => string.Equals((string?)t!["address"], address, StringComparison.OrdinalIgnoreCase)))
                .Select(m => m!)
                .ToList();

        public async Task<JsonNode> WaitForMailAsync(string address)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                if ((await MailsToAsync(address)).FirstOrDefault() is { } mail)
                {
                    return mail;
                }

                Assert.True(DateTime.UtcNow < deadline, $"No e-mail reached {address} within a minute.");
                await Task.Delay(250);
            }
        }

        public async Task<JsonNode> WaitForCountsAsync(string trigger, Func<JsonNode, bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                using var response = await AdminAsync(HttpMethod.Get, $"/api/triggers/{trigger}");
                var counts = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["runs"]!;
                if (condition(counts))
                {
                    return counts;
                }

                Assert.True(DateTime.UtcNow < deadline, $"The runs of {trigger} stood at {counts.ToJsonString()} after a minute.");
                await Task.Delay(250);
            }
        }

        public void Dispose()
        {
            _client?.Dispose();
            _inbox?.Dispose();
        }

        public async Task DisposeAsync()
        {
            Dispose();
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }

            if (_mailDev is not null)
            {
                await _mailDev.DisposeAsync();
            }

            if (_azurite is not null)
            {
                await _azurite.DisposeAsync();
            }
        }
    }
}
