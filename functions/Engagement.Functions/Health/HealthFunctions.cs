using Engagement.Functions.Http;
using Engagement.Infrastructure.Health;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Engagement.Functions.Health;

/// <summary><c>GET /healthz</c>: 200 when storage answers, else 503 naming the part that does not.</summary>
public sealed class HealthFunctions(HealthProbe probe)
{
    [Function("Health")]
    public async Task<IActionResult> CheckAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "healthz")] HttpRequest req) =>
        new ReplyResult(ReplyShape.FromHealth(await probe.CheckAsync(req.HttpContext.RequestAborted)));
}
