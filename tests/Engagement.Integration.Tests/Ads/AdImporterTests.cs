using System.Text;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ads;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Streaming;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Ads;

[Collection(SharedAzurite.Name)]
public sealed class AdImporterTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task CommaSeparatedLogIsImportedAndIngested()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var userId = UniqueId.New("user");
        var csv = $"""
            type,user_id,cookie_id,domain,placement,campaign,creative,visible_seconds,cost_eur,timestamp
            impression,{userId},,zpravy.example.cz,top,zima-2026,cr-1,4.5,0.002,2026-11-22T10:00:00Z
            impression,{userId},,sport.example.cz,side,zima-2026,cr-1,1.5,0.002,2026-11-22T10:05:00Z
            click,{userId},,zpravy.example.cz,top,zima-2026,cr-1,0,0.35,1763806200
            """;

        var report = await ImportAsync(host, csv);
        await PumpAllAsync(host);

        Assert.Equal(new AdImportReport(3, 3, []), report with { Errors = [] });
        Assert.Empty(report.Errors);
        var profile = (await host.Get<ProfileQuery>().GetAsync(userId))!;
        Assert.Equal(3, profile.EventCount);
        Assert.Equal(1, profile.AdDomains["zpravy.example.cz"].Impressions);
        Assert.Equal(1, profile.AdDomains["zpravy.example.cz"].Clicks);
        Assert.Equal(2, profile.AdCampaigns["zima-2026"].Impressions);
        Assert.Equal(6.0, profile.AdCampaigns["zima-2026"].VisibleSeconds);
        Assert.Equal(0.354m, profile.AdCampaigns["zima-2026"].CostEur);
    }

    [Fact]
    public async Task SemicolonSeparatedLogWithQuotedFieldsIsImported()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var cookie = UniqueId.New("cookie");
        var csv = $""""
            event_type;cookieid;site;campaign_id;creative_id;visible_s;cost;ts
            impression;{cookie};zpravy.example.cz;"zima; 2026";"kreativa ""A""";2;0.001;2026-11-22T10:00:00Z
            conversion;{cookie};zpravy.example.cz;"zima; 2026";"kreativa ""A""";0;1.5;2026-11-22T11:00:00Z
            """";

        var report = await ImportAsync(host, csv);
        await PumpAllAsync(host);

        Assert.Equal(2, report.Accepted);
        Assert.Empty(report.Errors);
        var profile = (await host.Get<ProfileQuery>().GetAsync(cookie))!;
        var campaign = profile.AdCampaigns["zima; 2026"];
        Assert.Equal(1, campaign.Impressions);
        Assert.Equal(1, campaign.Conversions);
        Assert.Equal(1.501m, campaign.CostEur);
    }

    [Fact]
    public async Task BadRowsAreReportedByLineAndDeadLetteredWhileGoodRowsGoIn()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var userId = UniqueId.New("user");
        var source = UniqueId.New("ads");
        var csv = $"""
            type,user_id,domain,campaign,visible_seconds,cost_eur,timestamp
            impression,{userId},zpravy.example.cz,zima,1,0.001,2026-11-22T10:00:00Z
            view,{userId},zpravy.example.cz,zima,1,0.001,2026-11-22T10:01:00Z
            impression,{userId},zpravy.example.cz,zima,1

            impression,{userId},zpravy.example.cz,zima,1,"0,25",2026-11-22T10:02:00Z
            impression,{userId},zpravy.example.cz,zima,1,0.001,last tuesday
            click,{userId},zpravy.example.cz,"zima
            campaign",0,0.1,2026-11-22T10:03:00Z
            impression,,zpravy.example.cz,zima,1,0.001,2026-11-22T10:04:00Z
            """;

        var report = await ImportAsync(host, csv, source);
        await PumpAllAsync(host);

        Assert.Equal(7, report.Records);
        Assert.Equal(2, report.Accepted);
        Assert.Equal([3L, 4L, 6L, 7L, 10L], report.Errors.Select(e => e.Line));
        Assert.Contains("\"type\"", report.Errors[0].Error, StringComparison.Ordinal);
        Assert.Contains("expected 7 fields", report.Errors[1].Error, StringComparison.Ordinal);
        Assert.Contains("\"cost_eur\"", report.Errors[2].Error, StringComparison.Ordinal);
        Assert.Contains("\"timestamp\"", report.Errors[3].Error, StringComparison.Ordinal);
        Assert.Contains("\"user_id\"", report.Errors[4].Error, StringComparison.Ordinal);

        var letters = await host.DeadLettersAsync("import", source);
        Assert.Equal(5, letters.Count);
        Assert.All(letters, l => Assert.Equal(source, l.Letter.SourceId));
        var lastTuesday = Assert.Single(letters, l => l.Name.EndsWith("-7.json", StringComparison.Ordinal)).Letter;
        Assert.StartsWith("line 7: ", lastTuesday.Reason, StringComparison.Ordinal);
        Assert.EndsWith("last tuesday", lastTuesday.Payload, StringComparison.Ordinal);

        var profile = (await host.Get<ProfileQuery>().GetAsync(userId))!;
        Assert.Equal(2, profile.EventCount);
        Assert.Equal(1, profile.AdCampaigns["zima\ncampaign"].Clicks);
        Assert.Equal(0.001m, profile.AdCampaigns["zima"].CostEur);
    }

    [Fact]
    public async Task ReimportingTheSameLogStoresNothingTwice()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var userId = UniqueId.New("user");
        var csv = $"""
            type,user_id,domain,campaign,timestamp
            impression,{userId},zpravy.example.cz,zima,2026-11-22T10:00:00Z
            impression,{userId},zpravy.example.cz,zima,2026-11-22T10:00:01Z
            """;

        await ImportAsync(host, csv);
        await PumpAllAsync(host);
        await ImportAsync(host, csv.Replace("\n", "\r\n", StringComparison.Ordinal));
        await PumpAllAsync(host);

        Assert.Equal(2, (await host.EventRowsAsync(IdentityRef.User(userId))).Count);
        Assert.Equal(2, (await host.Get<ProfileQuery>().GetAsync(userId))!.AdDomains["zpravy.example.cz"].Impressions);
    }

    [Fact]
    public async Task JsonLinesLogIsImported()
    {
        await using var host = await azurite.CreateServicesWithOwnQueueAsync();
        var userId = UniqueId.New("user");
        var lines = $$"""
            {"type":"impression","user_id":"{{userId}}","domain":"zpravy.example.cz","campaign":"zima","visible_seconds":2.5,"timestamp":"2026-11-22T10:00:00Z"}
            not json
            {"type":"click","user_id":"{{userId}}","domain":"zpravy.example.cz","campaign":"zima","timestamp":1763805600}
            """;

        var report = await host.Get<AdImporter>().ImportAsync(new StringReader(lines), AdLogFormat.JsonLines, "ad-server");
        await PumpAllAsync(host);

        Assert.Equal(2, report.Accepted);
        Assert.Equal([2L], report.Errors.Select(e => e.Line));
        var domain = (await host.Get<ProfileQuery>().GetAsync(userId))!.AdDomains["zpravy.example.cz"];
        Assert.Equal(new Engagement.Core.Profiles.AdStats { Impressions = 1, Clicks = 1, VisibleSeconds = 2.5 }, domain);
    }

    [Fact]
    public async Task AdFeedMessagesAreIngestedDirectly()
    {
        var userId = UniqueId.New("user");
        var source = UniqueId.New("feed");
        var message = new StreamMessage(UniqueId.New("eh"), BinaryData.FromString(
            $$"""
            {"type":"impression","user_id":"{{userId}}","domain":"a.example.cz","campaign":"c","timestamp":"2026-11-22T10:00:00Z"}
            {"type":"impression","domain":"a.example.cz","campaign":"c","timestamp":"2026-11-22T10:00:00Z"}
            """));

        var report = await azurite.Services.Get<AdImporter>().IngestMessagesAsync([message], source);

        Assert.Equal(1, report.Accepted);
        Assert.Equal([2L], report.Errors.Select(e => e.Line));
        Assert.Single(await azurite.Services.DeadLettersAsync("ad-feed", message.Id));
        Assert.Equal(1, (await azurite.Services.Get<EventStore>().GetActivityAsync(azurite.Services.PartitionOf(IdentityRef.User(userId))))!.EventCount);
    }

    private static Task<AdImportReport> ImportAsync(EngagementServices host, string csv, string? source = null) =>
        host.Get<AdImporter>().ImportAsync(new StringReader(csv), AdLogFormat.Csv, source ?? "ad-server");

    private static async Task PumpAllAsync(EngagementServices host)
    {
        while (await host.Get<QueueStreamConsumer>().PumpOnceAsync() > 0)
        {
        }
    }
}
