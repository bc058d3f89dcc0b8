using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.ConsentDrives;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Workflows;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Workflows;

/// <summary>
/// <c>POST /api/consent-drives</c> (start a drive on Durable Functions), <c>GET /api/consent-drives/{id}</c> (its
/// progress report) and <c>GET /api/consent-drives/{id}/chart.png</c>. Function key and admin key.
/// </summary>
public sealed class ConsentDriveFunctions(ConsentDriveHttp drives, WorkflowCatalog catalog, IOptions<WorkflowOptions> options, IOptions<AdminOptions> admin, TimeProvider clock)
{
    [Function("StartConsentDrive")]
    public async Task<IActionResult> StartAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/consent-drives")] HttpRequest req, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await drives.StartAsync(new WorkflowHttp(Runtime(client)), req.Body, req.Headers[WorkflowHttp.IdempotencyHeader].FirstOrDefault(), req.HttpContext.RequestAborted));

    [Function("GetConsentDrive")]
    public async Task<IActionResult> ReportAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/consent-drives/{id}")] HttpRequest req, string id, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await ConsentDriveHttp.ReportAsync(Runtime(client), id, req.HttpContext.RequestAborted));

    [Function("GetConsentDriveChart")]
    public async Task<IActionResult> ChartAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/consent-drives/{id}/chart.png")] HttpRequest req, string id, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await ConsentDriveHttp.ChartAsync(Runtime(client), id, req.HttpContext.RequestAborted));

    private DurableWorkflowRuntime Runtime(DurableTaskClient client) => new(client, catalog, options.Value, clock);
}
