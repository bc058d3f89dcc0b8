using Engagement.Functions.Http;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Segments;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Engagement.Functions.Segments;

/// <summary>
/// <c>POST /api/segments</c>, <c>GET</c>/<c>PUT /api/segments/{id}</c> and <c>GET /api/segments/{id}/preview</c>.
/// Function key and admin key, like every management endpoint.
/// </summary>
public sealed class SegmentFunctions(SegmentHttp segments, IOptions<AdminOptions> admin)
{
    [Function("CreateSegment")]
    public async Task<IActionResult> CreateAsync([HttpTrigger(AuthorizationLevel.Function, "post", Route = "api/segments")] HttpRequest req) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await segments.CreateAsync(req.Body, req.Headers[SegmentHttp.IdempotencyHeader].FirstOrDefault(), req.HttpContext.RequestAborted));

    [Function("GetSegment")]
    public async Task<IActionResult> GetAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/segments/{id}")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await segments.GetAsync(id, req.HttpContext.RequestAborted));

    [Function("UpdateSegment")]
    public async Task<IActionResult> UpdateAsync([HttpTrigger(AuthorizationLevel.Function, "put", Route = "api/segments/{id}")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await segments.UpdateAsync(id, req.Body, req.Headers.IfMatch.FirstOrDefault(), req.HttpContext.RequestAborted));

    [Function("PreviewSegment")]
    public async Task<IActionResult> PreviewAsync([HttpTrigger(AuthorizationLevel.Function, "get", Route = "api/segments/{id}/preview")] HttpRequest req, string id) =>
        await AdminCall.ReplyAsync(req, admin.Value, async () => await segments.PreviewAsync(id, req.Query["sample"].FirstOrDefault(), req.HttpContext.RequestAborted));
}
