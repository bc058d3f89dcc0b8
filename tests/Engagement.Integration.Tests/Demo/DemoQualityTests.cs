using Engagement.Host.Cli;
using Engagement.Host.Demo;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Models;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Demo;

/// <summary>
/// The main job end to end on an Azurite of its own: a week of demo traffic through the API and the ad import, then
/// training and publishing. Guards the model quality the demo's planted signal allows, so a regression anywhere on the
/// way (tracking, ingestion, journeys, features, training) fails loudly.
/// </summary>
public sealed class DemoQualityTests
{
    [Fact]
    public async Task TheDemoOrderModelReachesTheQualityTargets()
    {
        await using var azurite = await AzuriteProcess.StartAsync(dataDirectory: null);
        var context = StorageContext.ForSettings(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Ingestion:PseudonymSecret"] = "demo-quality-pseudonym-secret",
            ["Admin:Key"] = "demo-quality-admin-key",
            ["Consent:FormSecret"] = "demo-quality-consent-form-secret-0123456789",
        });
        var weekStart = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-7), TimeSpan.Zero);

        var exit = await DemoRun.RunAsync(context, seed: 7, visitors: 2000, weekStart, CancellationToken.None);

        Assert.Equal(0, exit);
        await using var services = await context.CreateServicesAsync(CancellationToken.None);
        var registry = services.GetRequiredService<ModelRegistry>();
        var champion = (await registry.GetChampionPointerAsync("order"))!;
        var metrics = (await registry.GetMetricsAsync("order", champion.Version))!;
        Assert.True(metrics.Auc >= 0.75, $"order model AUC {metrics.Auc:F3} is below the demo target 0.75");
        Assert.True(metrics.TopDecileLift >= 3, $"order model top-decile lift {metrics.TopDecileLift:F2} is below the demo target 3");
        var lists = services.GetRequiredService<EngagementStorage>().BidLists;
        Assert.True((await lists.GetBlobClient($"default/{DateTime.UtcNow:yyyy-MM-dd}/manifest.json").ExistsAsync()).Value);
    }
}
