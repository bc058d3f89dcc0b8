using Engagement.Infrastructure.Triggers;

namespace Engagement.Host.Endpoints;

/// <summary>Triggered e-mails (admin key): define, list, read with run counts, disable.</summary>
internal static class TriggerRoutes
{
    public static void MapTriggers(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(ManagementRoutes.RequireAdminKeyAsync);
        api.MapPost("/triggers", async (HttpRequest request, TriggerHttp triggers, CancellationToken ct) =>
            new ReplyResult(await triggers.CreateAsync(request.Body, ct)));
        api.MapGet("/triggers", async (TriggerHttp triggers, CancellationToken ct) =>
            new ReplyResult(await triggers.ListAsync(ct)));
        api.MapGet("/triggers/{id}", async (string id, TriggerHttp triggers, CancellationToken ct) =>
            new ReplyResult(await triggers.GetAsync(id, ct)));
        api.MapPost("/triggers/{id}/disable", async (string id, TriggerHttp triggers, CancellationToken ct) =>
            new ReplyResult(await triggers.DisableAsync(id, ct)));
    }
}
