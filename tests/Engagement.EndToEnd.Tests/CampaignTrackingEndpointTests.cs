using System.Net;
using System.Text.Json.Nodes;
using Engagement.Core.Campaigns;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Infrastructure.Campaigns;

namespace Engagement.EndToEnd.Tests;

[Collection(RunningHost.Name)]
public sealed class CampaignTrackingEndpointTests(HostFixture host)
{
    private const string Chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
    private static readonly TrackingTokenSigner Signer = new(HostFixture.CampaignTrackingSecret);
    private static readonly Uri Sale = new("https://shop.example.com/sale?utm_campaign=spring");

    private static TrackedMessage Message(string campaign, string variant = "a", string messageId = "m1", TimeSpan? sentAgo = null) =>
        new(campaign, variant, messageId, "subject-key-e2e", DateTimeOffset.UtcNow - (sentAgo ?? TimeSpan.FromHours(1)));

    private static string NewCampaign() => "camp-" + Guid.NewGuid().ToString("N")[..12];

    private static HttpClient NoRedirects(HostFixture host) =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string userAgent = Chrome)
    {
        using var client = NoRedirects(host);
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return await client.SendAsync(request);
    }

    private async Task<JsonNode> EngagementAsync(string campaign)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/campaigns/{campaign}/engagement");
        request.Headers.Add("X-Admin-Key", HostFixture.AdminKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task ThePixelIsATransparentGifThatIsNeverCachedAndCountsTheOpen()
    {
        var campaign = NewCampaign();

        using var response = await SendAsync(HttpMethod.Get, $"/t/o/{Signer.IssueOpen(Message(campaign))}.gif");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/gif", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(CampaignTrackingHttp.PixelBytes.ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.Equal(1, (int)(await EngagementAsync(campaign))["variants"]![0]!["uniqueOpens"]!);
    }

    [Fact]
    public async Task ATamperedPixelTokenStillGetsTheGifButRecordsNothing()
    {
        var campaign = NewCampaign();
        var token = Signer.IssueOpen(Message(campaign));

        using var response = await SendAsync(HttpMethod.Get, $"/t/o/{token[..^3]}xyz.gif");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CampaignTrackingHttp.PixelBytes.ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Empty((await EngagementAsync(campaign))["variants"]!.AsArray());
    }

    [Fact]
    public async Task AClickRedirectsOnlyToTheSignedAddressAndCounts()
    {
        var campaign = NewCampaign();

        using var response = await SendAsync(HttpMethod.Get, $"/t/c/{Signer.IssueClick(new TrackedClick(Message(campaign), Sale))}");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(Sale, response.Headers.Location);
        Assert.Equal(1, (int)(await EngagementAsync(campaign))["variants"]![0]!["uniqueClicks"]!);
    }

    [Fact]
    public async Task ATamperedClickTokenIsANotFoundProblemAndNeverARedirect()
    {
        var campaign = NewCampaign();
        var token = Signer.IssueClick(new TrackedClick(Message(campaign), Sale));
        var evil = Signer.IssueClick(new TrackedClick(Message(campaign), new Uri("https://evil.example.net/")));
        var spliced = evil.Split('.')[0] + "." + token.Split('.')[1];

        foreach (var path in new[] { $"/t/c/{spliced}", $"/t/c/{token[..^4]}AAAA", $"/t/c/{Signer.IssueOpen(Message(campaign))}", "/t/c/1" })
        {
            using var response = await SendAsync(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            Assert.Null(response.Headers.Location);
        }

        Assert.Empty((await EngagementAsync(campaign))["variants"]!.AsArray());
    }

    [Fact]
    public async Task HeadRequestsScannerAgentsAndClicksRightAfterDeliveryAreFlaggedAndNotCounted()
    {
        var campaign = NewCampaign();

        using var head = await SendAsync(HttpMethod.Head, $"/t/c/{Signer.IssueClick(new TrackedClick(Message(campaign, messageId: "m1"), Sale))}");
        using var scanner = await SendAsync(HttpMethod.Get, $"/t/c/{Signer.IssueClick(new TrackedClick(Message(campaign, messageId: "m2"), Sale))}", "Mozilla/5.0 (compatible; Microsoft Defender SafeLinks)");
        using var quick = await SendAsync(HttpMethod.Get, $"/t/c/{Signer.IssueClick(new TrackedClick(Message(campaign, messageId: "m3", sentAgo: TimeSpan.Zero), Sale))}");

        Assert.All(new[] { head, scanner, quick }, r => Assert.Equal(Sale, r.Headers.Location));
        var variant = (await EngagementAsync(campaign))["variants"]![0]!;
        Assert.Equal(0, (int)variant["uniqueClicks"]!);
        Assert.Equal(1, (int)variant["flagged"]!["headRequest"]!);
        Assert.Equal(1, (int)variant["flagged"]!["scannerAgent"]!);
        Assert.Equal(1, (int)variant["flagged"]!["clickTooSoon"]!);
    }

    [Fact]
    public async Task TheEngagementReportNeedsTheAdminKey()
    {
        using var response = await host.Client.GetAsync($"/api/campaigns/{NewCampaign()}/engagement");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
