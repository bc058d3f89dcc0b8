using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Campaigns;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Campaigns;

/// <summary>
/// Campaign reports (function key and admin key): the figures per step and variant with the A/B verdict as JSON, and
/// the chart as a PNG. Delivery reports and engagement events reach the same figures through the Communication
/// Services Event Grid trigger (<c>SmsReceived</c>, which takes every Communication Services event type subscribed).
/// </summary>
public sealed class CampaignReportFunctions(CampaignReportHttp reports, IOptions<AdminOptions> admin)
{
    [Function("CampaignFiguresReport")]
    public async Task<IActionResult> ReportAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/campaigns/{id}/report")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await reports.ReportAsync(id, req.Query["metric"], req.HttpContext.RequestAborted));

    [Function("CampaignReportChart")]
    public async Task<IActionResult> ChartAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/campaigns/{id}/report.png")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await reports.ChartAsync(id, req.Query["metric"], req.HttpContext.RequestAborted));
}
