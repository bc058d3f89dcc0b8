using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Templates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Templates;

/// <summary>
/// <c>POST /api/templates</c> (save, validated), <c>PUT /api/templates/{id}</c> (new version, If-Match), <c>GET /api/templates/{id}</c> and <c>POST /api/templates/{id}/preview</c>
/// (render for one profile). Function key and admin key, like every management endpoint.
/// </summary>
public sealed class TemplateFunctions(TemplateHttp templates, IOptions<AdminOptions> admin)
{
    [Function("SaveTemplate")]
    public async Task<IActionResult> SaveAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/templates")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await templates.SaveAsync(req.Body, req.HttpContext.RequestAborted));

    [Function("UpdateTemplate")]
    public async Task<IActionResult> UpdateAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "api/templates/{id}")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await templates.UpdateAsync(id, req.Body, req.Headers.IfMatch.FirstOrDefault(), req.HttpContext.RequestAborted));

    [Function("GetTemplate")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/templates/{id}")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await templates.GetAsync(id, req.HttpContext.RequestAborted));

    [Function("PreviewTemplate")]
    public async Task<IActionResult> PreviewAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/templates/{id}/preview")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await templates.PreviewAsync(id, req, req.HttpContext.RequestAborted));
}
