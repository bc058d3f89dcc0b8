using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Subjects;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Subjects;

/// <summary>Subject rights: <c>GET /api/subjects/{id}/export</c> and <c>DELETE /api/subjects/{id}</c>. Function key and admin key.</summary>
public sealed class SubjectFunctions(SubjectHttp subjects, IOptions<AdminOptions> admin)
{
    [Function("ExportSubject")]
    public async Task<IActionResult> ExportAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/subjects/{id}/export")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await subjects.ExportAsync(id, req.HttpContext.RequestAborted));

    [Function("EraseSubject")]
    public async Task<IActionResult> EraseAsync([HttpTrigger(AuthorizationLevel.Function, "delete", Route = "api/subjects/{id}")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await subjects.EraseAsync(id, req.HttpContext.RequestAborted));
}
