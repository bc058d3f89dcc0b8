using System.Text.Json;
using Engagement.Core.ConsentDrives;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.ConsentDrives;

/// <summary>A drive's report as the API answers it: the workflow's standing and the drive's progress.</summary>
/// <param name="Id">The drive's id (its workflow instance id).</param>
/// <param name="Workflow">The workflow status.</param>
/// <param name="Report">The progress report.</param>
/// <param name="Chart">Where the PNG chart is.</param>
public sealed record ConsentDriveReply(string Id, WorkflowStatus Workflow, ConsentDriveReport Report, string Chart);

/// <summary>
/// <c>POST /api/consent-drives</c>, <c>GET /api/consent-drives/{id}</c> and <c>GET /api/consent-drives/{id}/chart.png</c>
/// for both hosts, over whichever workflow runtime the host has. Checks what the decider cannot see (the configured
/// purposes) before starting.
/// </summary>
public sealed class ConsentDriveHttp(IOptions<ConsentOptions> consent)
{
    /// <summary>Starts a drive from a JSON <see cref="ConsentDriveInput"/>.</summary>
    public async Task<ReplyShape> StartAsync(WorkflowHttp workflows, Stream body, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflows);
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        var purposes = consent.Value.EffectivePurposes();
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("purposes", out var asked) && asked.ValueKind == JsonValueKind.Array)
            {
                var unknown = asked.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText()).Where(p => p is null || !purposes.Contains(p)).ToList();
                if (unknown.Count > 0)
                {
                    return ReplyShape.Problem(new ApiProblem("Invalid consent-drive input", 400,
                        $"purposes {string.Join(", ", unknown.Select(p => $"'{p}'"))} are not configured (Consent:Purposes: {string.Join(", ", purposes)})."));
                }
            }
        }
        catch (JsonException)
        {
            // The workflow endpoint answers unreadable JSON.
        }

        buffer.Position = 0;
        return await workflows.StartAsync(ConsentDrive.Type, buffer, idempotencyKey, cancellationToken);
    }

    /// <summary>A drive's progress report.</summary>
    public static async Task<ReplyShape> ReportAsync(IWorkflowRuntime runtime, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (await ReadAsync(runtime, id, cancellationToken) is not { } drive)
        {
            return NotFound(id);
        }

        return ReplyShape.Json(200, new ConsentDriveReply(drive.View.Id, drive.View.Status, drive.Report, $"/api/consent-drives/{drive.View.Id}/chart.png"),
            ApiJson.TypeInfo<ConsentDriveReply>());
    }

    /// <summary>A drive's opt-in curve against its plan, as a PNG.</summary>
    public static async Task<ReplyShape> ChartAsync(IWorkflowRuntime runtime, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return await ReadAsync(runtime, id, cancellationToken) is { } drive
            ? new ReplyShape(200, "image/png", ConsentDriveChart.Png(drive.Report), [KeyValuePair.Create("Cache-Control", "no-store")])
            : NotFound(id);
    }

    /// <summary>A drive's workflow view and report; null when there is no such drive.</summary>
    public static async Task<(WorkflowView View, ConsentDriveReport Report)?> ReadAsync(IWorkflowRuntime runtime, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var view = await runtime.GetAsync(id, cancellationToken);
        if (view is null || view.Type != ConsentDrive.Type)
        {
            return null;
        }

        return (view, ConsentDriveReport.Of(WorkflowJson.Read<ConsentDriveState>(view.State)));
    }

    private static ReplyShape NotFound(string id) => ReplyShape.Problem(new ApiProblem("Consent drive not found", 404, $"No consent drive is named \"{id}\"."));
}
