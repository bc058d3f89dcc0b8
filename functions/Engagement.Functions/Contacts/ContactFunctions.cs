using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Contacts;

/// <summary>
/// Contacts: <c>PUT/GET /api/contacts/{subject}</c>, <c>POST /api/contacts/{subject}/suppressions</c> and
/// <c>DELETE /api/contacts/{subject}/suppressions/{channel}</c>. Function key and admin key, like every management endpoint.
/// </summary>
public sealed class ContactFunctions(ContactHttp contacts, IOptions<AdminOptions> admin)
{
    [Function("PutContact")]
    public async Task<IActionResult> PutAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "api/contacts/{subject}")] HttpRequest req, string subject) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await contacts.PutAsync(subject, req.Body, req.Headers.IfMatch, req.HttpContext.RequestAborted));

    [Function("GetContact")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/contacts/{subject}")] HttpRequest req, string subject) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await contacts.GetAsync(subject, req.HttpContext.RequestAborted));

    [Function("SuppressContact")]
    public async Task<IActionResult> SuppressAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/contacts/{subject}/suppressions")] HttpRequest req, string subject) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await contacts.SuppressAsync(subject, req.Body, req.HttpContext.RequestAborted));

    [Function("LiftSuppression")]
    public async Task<IActionResult> LiftAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "api/contacts/{subject}/suppressions/{channel}")] HttpRequest req, string subject, string channel) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await contacts.LiftAsync(subject, channel, req.Query["note"], req.HttpContext.RequestAborted));
}
