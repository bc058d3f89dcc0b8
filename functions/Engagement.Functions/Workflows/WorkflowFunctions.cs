using System.Text.Json;
using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Workflows;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Workflows;

/// <summary>Orchestrator function names per workflow type: one generic orchestration, one function per type.</summary>
public static class WorkflowOrchestrators
{
    /// <summary>Workflow type → orchestrator function.</summary>
    public static IReadOnlyDictionary<string, string> Names { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Core.ConsentDrives.ConsentDrive.Type] = nameof(WorkflowFunctions.ConsentDriveWorkflow),
        [Core.Campaigns.CampaignDecider.Type] = nameof(WorkflowFunctions.CampaignWorkflow),
        [Core.Triggers.TriggeredEmail.Type] = nameof(WorkflowFunctions.TriggeredEmailWorkflow),
    };
}

/// <summary>
/// The Durable side of workflows: one orchestrator per workflow type (all the same generic loop), the activity that runs
/// every command, and <c>GET /api/workflows/{id}</c>, <c>POST /api/workflows/{id}/events/{name}</c>,
/// <c>POST /api/workflows/{id}/cancel</c> (function key and admin key).
/// </summary>
public sealed class WorkflowFunctions(WorkflowCatalog catalog, IOptions<WorkflowOptions> options, IOptions<AdminOptions> admin, TimeProvider clock)
{
    [Function(nameof(ConsentDriveWorkflow))]
    public Task<WorkflowEnvelope> ConsentDriveWorkflow([OrchestrationTrigger] TaskOrchestrationContext context, WorkflowEnvelope envelope) =>
        DurableWorkflow.RunAsync(context, envelope, catalog);

    [Function(nameof(CampaignWorkflow))]
    public Task<WorkflowEnvelope> CampaignWorkflow([OrchestrationTrigger] TaskOrchestrationContext context, WorkflowEnvelope envelope) =>
        DurableWorkflow.RunAsync(context, envelope, catalog);

    [Function(nameof(TriggeredEmailWorkflow))]
    public Task<WorkflowEnvelope> TriggeredEmailWorkflow([OrchestrationTrigger] TaskOrchestrationContext context, WorkflowEnvelope envelope) =>
        DurableWorkflow.RunAsync(context, envelope, catalog);

    [Function(DurableWorkflow.ActivityName)]
    public Task<JsonElement> RunWorkflowCommand([ActivityTrigger] WorkflowCommandCall call, FunctionContext functionContext) =>
        catalog.RunAsync(call.InstanceId, call.Command, attempt: 1, functionContext.CancellationToken);

    [Function("GetWorkflow")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/workflows/{id}")] HttpRequest req, string id, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await Http(client).GetAsync(id, req.HttpContext.RequestAborted));

    [Function("RaiseWorkflowEvent")]
    public async Task<IActionResult> RaiseAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/workflows/{id}/events/{name}")] HttpRequest req, string id, string name, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await Http(client).RaiseAsync(id, name, req.Body, req.Headers[WorkflowHttp.IdempotencyHeader].FirstOrDefault(), req.HttpContext.RequestAborted));

    [Function("CancelWorkflow")]
    public async Task<IActionResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/workflows/{id}/cancel")] HttpRequest req, string id, [DurableClient] DurableTaskClient client) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await Http(client).CancelAsync(id, req.Body, req.HttpContext.RequestAborted));

    /// <summary>The shared endpoints over this call's Durable client.</summary>
    internal WorkflowHttp Http(DurableTaskClient client) => new(new DurableWorkflowRuntime(client, catalog, options.Value, clock));
}
