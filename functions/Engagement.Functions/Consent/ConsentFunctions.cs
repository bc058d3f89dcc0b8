using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Consent;

/// <summary>
/// <c>POST /api/consents</c> (decisions from the call centre, stores, IVR, imports) and <c>GET /api/consents/{subject}</c>
/// (status and verified history). Function key and admin key, like every management endpoint.
/// </summary>
public sealed class ConsentFunctions(ConsentHttp consents, IOptions<AdminOptions> admin)
{
    [Function("RecordConsent")]
    public async Task<IActionResult> RecordAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/consents")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await consents.RecordAsync(req.Body, req.HttpContext.RequestAborted));

    [Function("GetConsents")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/consents/{subject}")] HttpRequest req, string subject) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await consents.ReadAsync(subject, req.HttpContext.RequestAborted));
}
