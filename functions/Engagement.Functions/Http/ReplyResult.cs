using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Mvc;

namespace Engagement.Functions.Http;

/// <summary>Sends a <see cref="ReplyShape"/> from an HTTP function (ASP.NET Core integration executes returned action results).</summary>
internal sealed class ReplyResult(ReplyShape shape) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return shape.WriteAsync(context.HttpContext.Response, context.HttpContext.RequestAborted);
    }
}
