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

/// <summary>The admin-key gate of every management function: the handler runs only for a caller with the admin key.</summary>
internal static class AdminCall
{
    public static async Task<IActionResult> ReplyAsync(Microsoft.AspNetCore.Http.HttpRequest req, Infrastructure.AdminOptions admin, Func<Task<ReplyShape>> handle)
    {
        ArgumentNullException.ThrowIfNull(req);
        ArgumentNullException.ThrowIfNull(handle);
        return new ReplyResult(AdminKey.Matches(req.Headers[AdminKey.HeaderName], admin) ? await handle() : AdminKey.Rejection);
    }
}
