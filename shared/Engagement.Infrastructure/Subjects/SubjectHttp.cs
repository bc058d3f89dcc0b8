using Engagement.Infrastructure.Http;

namespace Engagement.Infrastructure.Subjects;

/// <summary><c>GET /api/subjects/{id}/export</c> and <c>DELETE /api/subjects/{id}</c> for both hosts.</summary>
public sealed class SubjectHttp(SubjectRights rights)
{
    /// <summary>Everything held about a subject, or 404.</summary>
    public async Task<ReplyShape> ExportAsync(string id, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return ReplyShape.Problem(new ApiProblem("Subject required", 400, "Give the subject's user id or anonymous id."));
        }

        return await rights.ExportAsync(id, cancellationToken) is { } export
            ? ReplyShape.Json(200, export, ApiJson.TypeInfo<SubjectExport>())
            : NotHeld(id);
    }

    /// <summary>Erases a subject; 404 when nothing was held.</summary>
    public async Task<ReplyShape> EraseAsync(string id, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return ReplyShape.Problem(new ApiProblem("Subject required", 400, "Give the subject's user id or anonymous id."));
        }

        var report = await rights.EraseAsync(id, cancellationToken);
        return report.Found ? ReplyShape.Json(200, report, ApiJson.TypeInfo<ErasureReport>()) : NotHeld(id);
    }

    private static ReplyShape NotHeld(string id) => ReplyShape.Problem(new ApiProblem("Subject not found", 404, $"Nothing is held about \"{id}\"."));
}
