using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Engagement.Infrastructure.Http;

namespace Engagement.Infrastructure.Subjects;

/// <summary><c>GET /api/subjects/{id}/export</c> and <c>DELETE /api/subjects/{id}</c> for both hosts.</summary>
public sealed class SubjectHttp(SubjectRights rights)
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    /// <summary>Everything held about a subject, or 404.</summary>
    public async Task<ReplyShape> ExportAsync(string id, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return ReplyShape.Problem(new ApiProblem("Subject required", 400, "Give the subject's user id or anonymous id."));
        }

        return await rights.ExportAsync(id, cancellationToken) is { } export
            ? ReplyShape.Json(200, export, (JsonTypeInfo<SubjectExport>)Json.GetTypeInfo(typeof(SubjectExport)))
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
        return report.Found ? ReplyShape.Json(200, report, (JsonTypeInfo<ErasureReport>)Json.GetTypeInfo(typeof(ErasureReport))) : NotHeld(id);
    }

    private static ReplyShape NotHeld(string id) => ReplyShape.Problem(new ApiProblem("Subject not found", 404, $"Nothing is held about \"{id}\"."));

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        json.MakeReadOnly();
        return json;
    }
}
