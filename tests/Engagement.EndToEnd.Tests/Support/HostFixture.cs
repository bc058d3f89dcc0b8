using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Sources;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.EndToEnd.Tests.Support;

/// <summary>A running self-hosted Engagement 360 on real Azurite, reached over real HTTP on loopback.</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public const string AdminKey = "e2e-admin-key-0123456789";

    public const string ConsentFormSecret = "e2e-consent-form-secret-0123456789-abcdef";

    public const string CampaignTrackingSecret = "e2e-campaign-tracking-secret-0123456789-abcdef";

    /// <summary>The key Event Grid would send to the webhook as ?key=.</summary>
    public const string WebhookKey = "e2e-webhook-key-0123456789";

    private AzuriteProcess? _azurite;
    private WebApplication? _app;

    /// <summary>The local Communication Services SMS route the host sends SMS through.</summary>
    public Engagement.Testing.LocalSmsService Sms { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string WriteKey { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string ConnectionString => _azurite!.ConnectionString;

    /// <summary>The running host's services (the same singletons its endpoints use).</summary>
    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(null);
        Sms = await Engagement.Testing.LocalSmsService.StartAsync();
        (_app, BaseAddress) = await StartHostAsync(_azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Sms:ConnectionString"] = Sms.ConnectionString,
            ["Sms:From"] = Sms.OurNumber,
            ["Sms:WebhookKey"] = WebhookKey,
        });
        WriteKey = (await _app.Services.GetRequiredService<SourceRegistry>().AddAsync("e2e-web")).WriteKey!;
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Starts a host on a free port with the given extra settings.</summary>
    public static async Task<(WebApplication App, Uri BaseAddress)> StartHostAsync(
        string connectionString, IDictionary<string, string?> extra, Action<IServiceCollection>? configureServices = null)
    {
        var port = Loopback.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = connectionString,
            ["Ingestion:PseudonymSecret"] = "e2e-pseudonym-secret-0123456789",
            ["Admin:Key"] = AdminKey,
            ["Consent:FormSecret"] = ConsentFormSecret,
            ["Campaigns:TrackingSecret"] = CampaignTrackingSecret,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var app = EngageWebHost.Build(settings, $"http://127.0.0.1:{port}", configureServices: configureServices);
        await EngageWebHost.PrepareStorageAsync(app.Services);
        await app.StartAsync();
        return (app, new Uri($"http://127.0.0.1:{port}"));
    }

    public AuthenticationHeaderValue Basic(string? key = null) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes((key ?? WriteKey) + ":")));

    /// <summary>Reads a profile through the management API.</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body)> GetProfileAsync(string id, string? adminKey = AdminKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/profiles/{Uri.EscapeDataString(id)}");
        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Waits until the profile of <paramref name="id"/> satisfies <paramref name="condition"/> (ingestion is asynchronous).</summary>
    public async Task<JsonNode> WaitForProfileAsync(string id, Func<JsonNode, bool> condition, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var (status, body) = await GetProfileAsync(id);
            if (status == HttpStatusCode.OK && body is not null)
            {
                last = body;
                if (condition(body))
                {
                    return body;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The profile of {id} did not reach the expected state; last seen: {last?.ToJsonString() ?? "none"}");
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (Sms is not null)
        {
            await Sms.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RunningHost : ICollectionFixture<HostFixture>
{
    public const string Name = "running host";
}
