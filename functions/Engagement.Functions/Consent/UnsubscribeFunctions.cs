using Engagement.Functions.Http;
using Engagement.Infrastructure.Consent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Engagement.Functions.Consent;

/// <summary>
/// Unsubscribing from campaign e-mails: the preferences page (GET, HEAD: nothing changes, as scanners follow links)
/// and the one-click or form POST. Anonymous: the signed link is the authority.
/// </summary>
public sealed class UnsubscribeFunctions(UnsubscribeHttp unsubscribe)
{
    [Function("UnsubscribePage")]
    public async Task<IActionResult> PageAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "unsubscribe")] HttpRequest req) =>
        HttpMethods.IsHead(req.Method)
            ? new ReplyResult(unsubscribe.Head(req))
            : new ReplyResult(await unsubscribe.PageAsync(req, req.HttpContext.RequestAborted));

    [Function("Unsubscribe")]
    public async Task<IActionResult> SubmitAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "unsubscribe")] HttpRequest req) =>
        new ReplyResult(await unsubscribe.SubmitAsync(req, req.HttpContext.RequestAborted));
}
