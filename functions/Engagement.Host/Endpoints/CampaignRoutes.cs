using Engagement.Infrastructure.Campaigns;
using Engagement.Infrastructure.Workflows;

namespace Engagement.Host.Endpoints;

/// <summary>
/// Campaigns: start, list, read and cancel (admin key); open and click tracking: the public pixel and click redirect
/// (the signed token is the authority); the engagement report and the campaign report with its chart (admin key).
/// </summary>
internal static class CampaignRoutes
{
    public static void MapCampaignTracking(this IEndpointRouteBuilder app)
    {
        app.MapGet("/t/o/{file}", async (string file, HttpRequest request, CampaignTrackingHttp tracking, CancellationToken ct) =>
            new ReplyResult(await tracking.OpenAsync(request, file, ct)));
        app.MapMethods("/t/c/{token}", ["GET", "HEAD"], async (string token, HttpRequest request, CampaignTrackingHttp tracking, CancellationToken ct) =>
            new ReplyResult(await tracking.ClickAsync(request, token, ct)));
        var admin = app.MapGroup("/api").AddEndpointFilter(ManagementRoutes.RequireAdminKeyAsync);
        admin.MapPost("/campaigns", async (HttpRequest request, CampaignHttp campaigns, IWorkflowRuntime runtime, CancellationToken ct) =>
            new ReplyResult(await campaigns.StartAsync(runtime, request.Body, request.Headers[CampaignHttp.IdempotencyHeader].FirstOrDefault(), ct)));
        admin.MapGet("/campaigns", async (HttpRequest request, CampaignHttp campaigns, IWorkflowRuntime runtime, CancellationToken ct) =>
            new ReplyResult(await campaigns.ListAsync(runtime, int.TryParse(request.Query["limit"], out var limit) ? limit : null, ct)));
        admin.MapGet("/campaigns/{id}", async (string id, CampaignHttp campaigns, IWorkflowRuntime runtime, CancellationToken ct) =>
            new ReplyResult(await campaigns.GetAsync(runtime, id, ct)));
        admin.MapPost("/campaigns/{id}/cancel", async (string id, CampaignHttp campaigns, IWorkflowRuntime runtime, CancellationToken ct) =>
            new ReplyResult(await campaigns.CancelAsync(runtime, id, ct)));
        admin.MapGet("/campaigns/{id}/engagement", async (string id, CampaignTrackingHttp tracking, CancellationToken ct) =>
            new ReplyResult(await tracking.EngagementAsync(id, ct)));
        admin.MapGet("/campaigns/{id}/report", async (string id, HttpRequest request, CampaignReportHttp reports, CancellationToken ct) =>
            new ReplyResult(await reports.ReportAsync(id, request.Query["metric"], ct)));
        admin.MapGet("/campaigns/{id}/report.png", async (string id, HttpRequest request, CampaignReportHttp reports, CancellationToken ct) =>
            new ReplyResult(await reports.ChartAsync(id, request.Query["metric"], ct)));
    }
}
