using System.Text.Json.Nodes;
using Engagement.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Engagement.EndToEnd.Tests.Support;

/// <summary>
/// A running host that sends e-mail to a real MailDev, on its own Azurite, with a clock the tests move (to let
/// double opt-in links expire without waiting).
/// </summary>
public sealed class EmailHostFixture : IAsyncLifetime, IDisposable
{
    private AzuriteProcess? _azurite;
    private MailDevProcess? _mailDev;
    private WebApplication? _app;
    private HttpClient? _inbox;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public HttpClient Client { get; private set; } = null!;

    public string ConnectionString => _azurite!.ConnectionString;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(null);
        _mailDev = await MailDevProcess.StartAsync();
        _inbox = new HttpClient { BaseAddress = _mailDev.WebAddress, Timeout = TimeSpan.FromSeconds(30) };
        var settings = new Dictionary<string, string?>(_mailDev.EmailSettings) { ["Consent:ProductName"] = "Pojišťovna Příklad" };
        (_app, var address) = await HostFixture.StartHostAsync(_azurite.ConnectionString, settings, services => services.AddSingleton<TimeProvider>(Clock));
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The e-mails MailDev holds for an address, as its REST API lists them.</summary>
    public async Task<List<JsonNode>> MailsToAsync(string address)
    {
        var all = JsonNode.Parse(await _inbox!.GetStringAsync("api/email"))!.AsArray();
        return all.Where(m => m!["to"]!.AsArray().Any(t => string.Equals((string?)t!["address"], address, StringComparison.OrdinalIgnoreCase))).Select(m => m!).ToList();
    }

    /// <summary>The raw message (headers and parts) as MailDev received it.</summary>
    public Task<string> SourceAsync(string id) => _inbox!.GetStringAsync($"api/email/{Uri.EscapeDataString(id)}/source");

    public void Dispose()
    {
        Client?.Dispose();
        _inbox?.Dispose();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        _inbox?.Dispose();
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
