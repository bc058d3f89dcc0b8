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
/// The consent form for websites and the customer portal: public endpoints browsers call with a subject token
/// (anonymous: the token is the authority), and the admin endpoints a portal's back end calls (function key and admin key).
/// </summary>
public sealed class ConsentFormFunctions(ConsentFormHttp form, Infrastructure.ConsentDrives.ConsentDriveForms drives, IOptions<AdminOptions> admin)
{
    [Function("ConsentTexts")]
    public IActionResult Texts([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "consent/texts")] HttpRequest req) =>
        new ReplyResult(form.Texts(req));

    [Function("ConsentFormScript")]
    public IActionResult Script([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "consent/form.js")] HttpRequest req) =>
        new ReplyResult(ConsentFormHttp.Script());

    [Function("ConsentStatus")]
    public async Task<IActionResult> StatusAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "consent/status")] HttpRequest req) =>
        new ReplyResult(await form.StatusAsync(req, req.HttpContext.RequestAborted));

    [Function("ConsentPrompt")]
    public async Task<IActionResult> PromptAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "consent/prompt")] HttpRequest req) =>
        new ReplyResult(await form.PromptAsync(req, drives, req.HttpContext.RequestAborted));

    [Function("ConsentDecisions")]
    public async Task<IActionResult> DecideAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "consent/decisions")] HttpRequest req) =>
        new ReplyResult(await form.DecideAsync(req, req.HttpContext.RequestAborted));

    [Function("ConsentPreflight")]
    public IActionResult Preflight([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "consent/{endpoint:alpha}")] HttpRequest req) =>
        new ReplyResult(form.Preflight(req));

    [Function("ConsentPage")]
    public async Task<IActionResult> PageAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "consent/page")] HttpRequest req) =>
        new ReplyResult(await form.PageAsync(req, req.HttpContext.RequestAborted));

    [Function("ConsentPageSubmit")]
    public async Task<IActionResult> PageSubmitAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "consent/page")] HttpRequest req) =>
        new ReplyResult(await form.PageSubmitAsync(req, req.HttpContext.RequestAborted));

    [Function("IssueConsentFormToken")]
    public async Task<IActionResult> IssueTokenAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/consent-forms/tokens")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await form.IssueTokenAsync(req.Body, req.HttpContext.RequestAborted));

    [Function("GetConsentText")]
    public Task<IActionResult> TextAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/consent-texts/{textId}/{version}/{lang}")] HttpRequest req, string textId, string version, string lang) =>
        AdminCall.ReplyAsync(req, admin.Value, () => Task.FromResult(form.Text(textId, version, lang)));
}
