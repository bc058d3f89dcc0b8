using Engagement.Functions.Http;
using Engagement.Functions.Workflows;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Workflows;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Campaigns;

/// <summary>
/// Campaigns a marketer starts over HTTP (function key and admin key): <c>POST /api/campaigns</c>, <c>GET /api/campaigns</c>,
/// <c>GET /api/campaigns/{id}</c> and <c>POST /api/campaigns/{id}/cancel</c>, over the Durable runtime; the run itself is
/// the <c>CampaignWorkflow</c> orchestration.
/// </summary>
public sealed class CampaignFunctions(CampaignHttp campaigns, WorkflowCatalog catalog, IOptions<WorkflowOptions> options, IOptions<AdminOptions> admin, TimeProvider clock)
{
    [Function("StartCampaign")]
    public async Task<IActionResult> StartAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/campaigns")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () =>
            await campaigns.StartAsync(Runtime(client), req.Body, req.Headers[CampaignHttp.IdempotencyHeader].FirstOrDefault(), req.HttpContext.RequestAborted));

    [Function("ListCampaigns")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/campaigns")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () =>
            await campaigns.ListAsync(Runtime(client), int.TryParse(req.Query["limit"], out var limit) ? limit : null, req.HttpContext.RequestAborted));

    [Function("GetCampaign")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/campaigns/{id}")] HttpRequest req, string id, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await campaigns.GetAsync(Runtime(client), id, req.HttpContext.RequestAborted));

    [Function("CancelCampaign")]
    public async Task<IActionResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/campaigns/{id}/cancel")] HttpRequest req, string id, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await campaigns.CancelAsync(Runtime(client), id, req.HttpContext.RequestAborted));

    private IWorkflowRuntime Runtime(DurableTaskClient client) => new DurableWorkflowRuntime(client, catalog, options.Value, clock);
}
