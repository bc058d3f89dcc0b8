using Engagement.Infrastructure.Http;

namespace Engagement.Host.Endpoints;

/// <summary>Sends a shared <see cref="ReplyShape"/> from a minimal-API endpoint.</summary>
internal sealed class ReplyResult(ReplyShape shape) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext) => shape.WriteAsync(httpContext.Response, httpContext.RequestAborted);
}
