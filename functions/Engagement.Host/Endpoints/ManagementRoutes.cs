using System.Security.Cryptography;
using System.Text;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Health;
using Engagement.Infrastructure.Profiles;
using Microsoft.Extensions.Options;

namespace Engagement.Host.Endpoints;

/// <summary>Management endpoints (admin key required) and the health check.</summary>
internal static class ManagementRoutes
{
    public static void MapManagement(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(RequireAdminKeyAsync);
        api.MapGet("/profiles/{id}", GetProfileAsync);
        app.MapGet("/healthz", HealthAsync);
    }

    private static async Task<IResult> GetProfileAsync(string id, ProfileQuery profiles, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 256)
        {
            return HttpReplies.Problem("Invalid id", 400, "Give a user id or anonymous id of at most 256 characters.");
        }

        var profile = await profiles.GetAsync(id, cancellationToken);
        return profile is null
            ? HttpReplies.Problem("Profile not found", 404, $"Nothing is known of \"{id}\" as a user id or anonymous id.")
            : HttpReplies.Ok(profile);
    }

    private static async Task<IResult> HealthAsync(HealthProbe probe, CancellationToken cancellationToken)
    {
        var checks = await probe.CheckAsync(cancellationToken);
        var failing = checks.Where(c => !c.Healthy).ToList();
        return failing.Count == 0
            ? HttpReplies.Ok(new { status = "healthy", checks })
            : HttpReplies.Problem(new ApiProblem("Unhealthy", 503, "Not usable: " + string.Join("; ", failing.Select(f => $"{f.Part} ({f.Detail})")), failing.Select(f => f.Part).ToList()));
    }

    private static async ValueTask<object?> RequireAdminKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.Key;
        var given = context.HttpContext.Request.Headers["X-Admin-Key"].ToString();
        if (given.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            return HttpReplies.Problem("Unauthorized", 401, "Send the admin key (setting Admin:Key) in the X-Admin-Key header.");
        }

        return await next(context);
    }
}
