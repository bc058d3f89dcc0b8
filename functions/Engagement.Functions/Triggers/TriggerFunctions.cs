using Engagement.Functions.Http;
using Engagement.Functions.Workflows;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Triggers;
using Engagement.Infrastructure.Workflows;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Triggers;

/// <summary>
/// Triggered e-mails: <c>POST /api/triggers</c>, <c>GET /api/triggers</c>, <c>GET /api/triggers/{id}</c>,
/// <c>POST /api/triggers/{id}/disable</c> (function key and admin key); the <c>trigger-signals</c> queue, whose signals
/// start runs and raise events through the Durable client; and the daily birthday scan.
/// </summary>
public sealed class TriggerFunctions(
    TriggerHttp triggers, TriggerSignalWorker signals, BirthdayTriggerScan birthdays, WorkflowCatalog catalog, IOptions<WorkflowOptions> options, IOptions<AdminOptions> admin, TimeProvider clock)
{
    [Function("CreateTrigger")]
    public async Task<IActionResult> CreateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/triggers")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await triggers.CreateAsync(req.Body, req.HttpContext.RequestAborted));

    [Function("ListTriggers")]
    public async Task<IActionResult> ListAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/triggers")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await triggers.ListAsync(req.HttpContext.RequestAborted));

    [Function("GetTrigger")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/triggers/{id}")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await triggers.GetAsync(id, req.HttpContext.RequestAborted));

    [Function("DisableTrigger")]
    public async Task<IActionResult> DisableAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/triggers/{id}/disable")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await triggers.DisableAsync(id, req.HttpContext.RequestAborted));

    /// <summary>Starts runs and raises events for a message of signals; a failure makes the host try the message again (then its poison queue).</summary>
    [Function("TriggerSignals")]
    public Task HandleSignalsAsync(
        [QueueTrigger("%Triggers:SignalQueueName%", Connection = "AzureWebJobsStorage")] string message, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        signals.HandleMessageAsync(message, new DurableWorkflowRuntime(client, catalog, options.Value, clock), context.CancellationToken);

    /// <summary>Signals today's and tomorrow's birthdays of every birthday trigger.</summary>
    [Function("StartBirthdayTriggers")]
    [FixedDelayRetry(3, "00:05:00")]
    public Task StartBirthdayTriggersAsync([TimerTrigger("%Schedules:StartBirthdayTriggers%")] TimerInfo timer, CancellationToken cancellationToken) =>
        birthdays.RunAsync(cancellationToken);
}
