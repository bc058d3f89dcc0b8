using System.Globalization;
using System.Text.Json;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Tracking;

namespace Engagement.Host.Endpoints;

/// <summary>Writes the shared reply types as HTTP answers.</summary>
internal static class HttpReplies
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static IResult Problem(ApiProblem problem, TimeSpan? retryAfter = null) => new ProblemResult(problem, retryAfter);

    public static IResult Problem(string title, int status, string detail) => new ProblemResult(new ApiProblem(title, status, detail), null);

    public static IResult From(TrackingReply reply) =>
        reply.Problem is { } problem ? new ProblemResult(problem, reply.RetryAfter) : Results.Json(reply.Accepted, Json, statusCode: reply.Status);

    public static IResult Ok<T>(T body) => Results.Json(body, Json);

    private sealed class ProblemResult(ApiProblem problem, TimeSpan? retryAfter) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = problem.Status;
            httpContext.Response.ContentType = ApiProblem.ContentType;
            if (retryAfter is { } wait)
            {
                httpContext.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            await JsonSerializer.SerializeAsync(httpContext.Response.Body, problem, Json, httpContext.RequestAborted);
        }
    }
}
