using Engagement.Host.Cli;
using Engagement.Host.Hosting;

namespace Engagement.Host.Demo;

/// <summary>
/// The host the demo's e-mail parts run on: the demo's storage and settings, e-mail to a MailDev of its own, public
/// links (consent, unsubscribe, tracking) pointing at itself, workflows reminded every 10 s.
/// </summary>
internal static class DemoMailHost
{
    public static async Task<(WebApplication App, string Url)> StartAsync(StorageContext context, MailDevProcess inbox, IReadOnlyDictionary<string, string?> extra, CancellationToken cancellationToken)
    {
        var url = $"http://127.0.0.1:{Loopback.FreePort()}";
        var settings = new Dictionary<string, string?>(context.Settings, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in inbox.EmailSettings.Concat(extra))
        {
            settings[key] = value;
        }

        settings["Consent:PublicBaseUrl"] = url;
        settings["Workflows:ResumeEvery"] = "00:00:10";
        var app = EngageWebHost.Build(settings, url);
        await StorageContext.CheckReachableAsync(app.Services, cancellationToken);
        await app.StartAsync(cancellationToken);
        return (app, url);
    }
}
