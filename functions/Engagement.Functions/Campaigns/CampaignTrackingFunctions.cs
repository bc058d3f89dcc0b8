using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Campaigns;

/// <summary>
/// Campaign open and click tracking: the pixel and the click redirect are anonymous (the signed token is the
/// authority; e-mail clients send no keys), the engagement report takes the function key and the admin key.
/// </summary>
public sealed class CampaignTrackingFunctions(CampaignTrackingHttp tracking, IOptions<AdminOptions> admin)
{
    [Function("CampaignOpenPixel")]
    public async Task<IActionResult> OpenAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "t/o/{file}")] HttpRequest req, string file) =>
        new ReplyResult(await tracking.OpenAsync(req, file, req.HttpContext.RequestAborted));

    [Function("CampaignClick")]
    public async Task<IActionResult> ClickAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "t/c/{token}")] HttpRequest req, string token) =>
        new ReplyResult(await tracking.ClickAsync(req, token, req.HttpContext.RequestAborted));

    [Function("CampaignEngagement")]
    public async Task<IActionResult> EngagementAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/campaigns/{id}/engagement")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await tracking.EngagementAsync(id, req.HttpContext.RequestAborted));
}
