using Engagement.Infrastructure;
using Engagement.Infrastructure.Health;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Options;

namespace Engagement.Host.Endpoints;

/// <summary>Management endpoints (admin key required) and the health check.</summary>
internal static class ManagementRoutes
{
    public static void MapManagement(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").AddEndpointFilter(RequireAdminKeyAsync);
        api.MapGet("/profiles/{id}", async (string id, ProfileQuery profiles, CancellationToken ct) =>
            new ReplyResult(ReplyShape.FromProfile(id, await profiles.GetAsync(id, ct))));
        api.MapGet("/models", async (Infrastructure.Models.ModelRegistry registry, CancellationToken ct) =>
            new ReplyResult(ReplyShape.FromModels(await registry.ListAsync(cancellationToken: ct))));
        api.MapPost("/models/retrain", async (Infrastructure.Models.ModelTraining training, CancellationToken ct) =>
            new ReplyResult(ReplyShape.FromTraining(await training.TrainAllAsync(ct))));
        api.MapPost("/consents", async (HttpRequest request, Infrastructure.Consent.ConsentHttp consents, CancellationToken ct) =>
            new ReplyResult(await consents.RecordAsync(request.Body, ct)));
        api.MapGet("/consents/{subject}", async (string subject, Infrastructure.Consent.ConsentHttp consents, CancellationToken ct) =>
            new ReplyResult(await consents.ReadAsync(subject, ct)));
        api.MapPost("/consent-forms/tokens", async (HttpRequest request, Infrastructure.Consent.ConsentFormHttp form, CancellationToken ct) =>
            new ReplyResult(await form.IssueTokenAsync(request.Body, ct)));
        api.MapGet("/consent-texts/{textId}/{version}/{lang}", (string textId, string version, string lang, Infrastructure.Consent.ConsentFormHttp form) =>
            new ReplyResult(form.Text(textId, version, lang)));
        api.MapPost("/consent-requests/email", async (HttpRequest request, Infrastructure.Consent.EmailConsentHttp email, CancellationToken ct) =>
            new ReplyResult(await email.RequestAsync(request, ct)));
        api.MapGet("/subjects/{id}/export", async (string id, Infrastructure.Subjects.SubjectHttp subjects, CancellationToken ct) =>
            new ReplyResult(await subjects.ExportAsync(id, ct)));
        api.MapDelete("/subjects/{id}", async (string id, Infrastructure.Subjects.SubjectHttp subjects, CancellationToken ct) =>
            new ReplyResult(await subjects.EraseAsync(id, ct)));
        api.MapGet("/workflows/{id}", async (string id, WorkflowHttp workflows, CancellationToken ct) =>
            new ReplyResult(await workflows.GetAsync(id, ct)));
        api.MapPost("/workflows/{id}/events/{name}", async (string id, string name, HttpRequest request, WorkflowHttp workflows, CancellationToken ct) =>
            new ReplyResult(await workflows.RaiseAsync(id, name, request.Body, request.Headers[WorkflowHttp.IdempotencyHeader].FirstOrDefault(), ct)));
        api.MapPost("/workflows/{id}/cancel", async (string id, HttpRequest request, WorkflowHttp workflows, CancellationToken ct) =>
            new ReplyResult(await workflows.CancelAsync(id, request.Body, ct)));
        api.MapPost("/consent-drives", async (HttpRequest request, Infrastructure.ConsentDrives.ConsentDriveHttp drives, WorkflowHttp workflows, CancellationToken ct) =>
            new ReplyResult(await drives.StartAsync(workflows, request.Body, request.Headers[WorkflowHttp.IdempotencyHeader].FirstOrDefault(), ct)));
        api.MapGet("/consent-drives/{id}", async (string id, IWorkflowRuntime runtime, CancellationToken ct) =>
            new ReplyResult(await Infrastructure.ConsentDrives.ConsentDriveHttp.ReportAsync(runtime, id, ct)));
        api.MapGet("/consent-drives/{id}/chart.png", async (string id, IWorkflowRuntime runtime, CancellationToken ct) =>
            new ReplyResult(await Infrastructure.ConsentDrives.ConsentDriveHttp.ChartAsync(runtime, id, ct)));
        api.MapPost("/segments", async (HttpRequest request, Infrastructure.Segments.SegmentHttp segments, CancellationToken ct) =>
            new ReplyResult(await segments.CreateAsync(request.Body, request.Headers[Infrastructure.Segments.SegmentHttp.IdempotencyHeader].FirstOrDefault(), ct)));
        api.MapGet("/segments/{id}", async (string id, Infrastructure.Segments.SegmentHttp segments, CancellationToken ct) =>
            new ReplyResult(await segments.GetAsync(id, ct)));
        api.MapPut("/segments/{id}", async (string id, HttpRequest request, Infrastructure.Segments.SegmentHttp segments, CancellationToken ct) =>
            new ReplyResult(await segments.UpdateAsync(id, request.Body, request.Headers.IfMatch.FirstOrDefault(), ct)));
        api.MapGet("/segments/{id}/preview", async (string id, HttpRequest request, Infrastructure.Segments.SegmentHttp segments, CancellationToken ct) =>
            new ReplyResult(await segments.PreviewAsync(id, request.Query["sample"].FirstOrDefault(), ct)));
        api.MapPost("/templates", async (HttpRequest request, Infrastructure.Templates.TemplateHttp templates, CancellationToken ct) =>
            new ReplyResult(await templates.SaveAsync(request.Body, ct)));
        api.MapPut("/templates/{id}", async (string id, HttpRequest request, Infrastructure.Templates.TemplateHttp templates, CancellationToken ct) =>
            new ReplyResult(await templates.UpdateAsync(id, request.Body, request.Headers.IfMatch.FirstOrDefault(), ct)));
        api.MapGet("/templates/{id}", async (string id, Infrastructure.Templates.TemplateHttp templates, CancellationToken ct) =>
            new ReplyResult(await templates.GetAsync(id, ct)));
        api.MapPost("/templates/{id}/preview", async (string id, HttpRequest request, Infrastructure.Templates.TemplateHttp templates, CancellationToken ct) =>
            new ReplyResult(await templates.PreviewAsync(id, request, ct)));
        app.MapGet("/healthz", async (HealthProbe probe, CancellationToken ct) => new ReplyResult(ReplyShape.FromHealth(await probe.CheckAsync(ct))));
    }

    internal static async ValueTask<object?> RequireAdminKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
        return AdminKey.Matches(context.HttpContext.Request.Headers[AdminKey.HeaderName], options)
            ? await next(context)
            : new ReplyResult(AdminKey.Rejection);
    }
}
