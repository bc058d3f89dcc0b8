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
/// Double opt-in by e-mail: the request (function key and admin key) sends the e-mail through the Communication
/// Services SMTP relay; the confirmation page and its POST are anonymous (the signed link is the authority).
/// </summary>
public sealed class EmailConsentFunctions(EmailConsentHttp email, IOptions<AdminOptions> admin)
{
    [Function("RequestEmailConsent")]
    public async Task<IActionResult> RequestAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/consent-requests/email")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await email.RequestAsync(req, req.HttpContext.RequestAborted));

    [Function("ConsentConfirmPage")]
    public async Task<IActionResult> ConfirmPageAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "consent/confirm")] HttpRequest req) =>
        new ReplyResult(await email.ConfirmPageAsync(req, req.HttpContext.RequestAborted));

    [Function("ConsentConfirm")]
    public async Task<IActionResult> ConfirmAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "consent/confirm")] HttpRequest req) =>
        new ReplyResult(await email.ConfirmAsync(req, req.HttpContext.RequestAborted));
}
