using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Health;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Tracking;
using Microsoft.AspNetCore.Http;

namespace Engagement.Infrastructure.Http;

/// <summary>
/// An HTTP answer as both hosts send it: status, media type, body bytes and extra headers. The rules that turn a
/// service's result into an answer (which status, which problem text, which headers) live here once; a host only
/// calls <see cref="WriteAsync"/> on its response (the Functions app from an <c>IActionResult</c>, the self-hosted
/// runtime from an <c>IResult</c>).
/// </summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="ContentType">The media type of <paramref name="Body"/>; null when there is no body.</param>
/// <param name="Body">The body bytes (UTF-8 JSON), possibly empty.</param>
/// <param name="Headers">Headers to add, such as <c>Retry-After</c> or CORS headers.</param>
public sealed record ReplyShape(int Status, string? ContentType, ReadOnlyMemory<byte> Body, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The media type of JSON answers.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>An answer without a body, such as 204.</summary>
    public static ReplyShape Empty(int status) => new(status, null, ReadOnlyMemory<byte>.Empty, []);

    /// <summary>A JSON answer.</summary>
    public static ReplyShape Json<T>(int status, T value, JsonTypeInfo<T> typeInfo) =>
        new(status, JsonContentType, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), []);

    /// <summary>An <c>application/problem+json</c> answer, with <c>Retry-After</c> in whole seconds when given.</summary>
    public static ReplyShape Problem(ApiProblem problem, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var headers = retryAfter is { } wait
            ? new[] { KeyValuePair.Create("Retry-After", Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture)) }
            : [];
        return new(problem.Status, ApiProblem.ContentType, JsonSerializer.SerializeToUtf8Bytes(problem, HttpJson.Default.ApiProblem), headers);
    }

    /// <summary>The answer to a tracking call: the accepted body (<c>{"success":true}</c>) or its problem.</summary>
    public static ReplyShape FromTracking(TrackingReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Problem is { } problem)
        {
            return Problem(problem, reply.RetryAfter);
        }

        return Json(reply.Status, reply.Accepted ?? new TrackingAccepted(true), HttpJson.Default.TrackingAccepted);
    }

    /// <summary>The answer to a profile lookup: the profile, or 404 when nothing is known of <paramref name="id"/>.</summary>
    public static ReplyShape FromProfile(string id, Profile360? profile) => profile is null
        ? Problem(new ApiProblem("Profile not found", 404, $"Nothing is known of \"{id}\" as a user id or an anonymous id."))
        : Json(200, profile, EngagementJson.Default.Profile360);

    /// <summary>The answer to a health check: 200 with every check, or 503 naming each part that failed.</summary>
    public static ReplyShape FromHealth(IReadOnlyList<HealthCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var failed = checks.Where(c => !c.Healthy).ToList();
        if (failed.Count == 0)
        {
            return Json(200, new HealthReport("healthy", checks), HttpJson.Default.HealthReport);
        }

        var parts = string.Join("; ", failed.Select(c => c.Detail is null ? c.Part : $"{c.Part}: {c.Detail}"));
        return Problem(
            new ApiProblem("Unhealthy", 503, $"Not answering: {parts}.", failed.Select(c => c.Part).ToList()),
            TimeSpan.FromSeconds(10));
    }

    /// <summary>The answer to <c>GET /api/models</c>: every stored version with its hold-out metrics and champion flag.</summary>
    public static ReplyShape FromModels(IReadOnlyList<Models.ModelVersionInfo> versions) =>
        Json(200, new ModelsReply(versions), HttpJson.Default.ModelsReply);

    /// <summary>The answer to <c>POST /api/models/retrain</c>: what training each goal did.</summary>
    public static ReplyShape FromTraining(IReadOnlyList<Models.GoalTrainingReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var goals = reports.Select(r => new TrainedGoal(r.Goal, r.Trained, r.Promoted, r.Version, r.Trainer, r.Metrics?.Auc, r.Metrics?.TopDecileLift, r.Message,
            r.TopFeatures?.Take(5).Select(f => f.Name).ToList())).ToList();
        return Json(200, new TrainingReply(goals), HttpJson.Default.TrainingReply);
    }

    /// <summary>This answer with more headers.</summary>
    public ReplyShape WithHeaders(IEnumerable<KeyValuePair<string, string>> headers) => this with { Headers = [.. Headers, .. headers] };

    /// <summary>Writes the answer to an ASP.NET Core response.</summary>
    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = Status;
        foreach (var (name, value) in Headers)
        {
            response.Headers.Append(name, value);
        }

        if (ContentType is null)
        {
            return;
        }

        response.ContentType = ContentType;
        response.ContentLength = Body.Length;
        await response.Body.WriteAsync(Body, cancellationToken);
    }
}

/// <summary>The body of a healthy answer.</summary>
/// <param name="Status">Always "healthy".</param>
/// <param name="Checks">Every part checked.</param>
public sealed record HealthReport(string Status, IReadOnlyList<HealthCheck> Checks);

/// <summary>The body of <c>GET /api/models</c>.</summary>
/// <param name="Models">Stored versions, newest first per goal.</param>
public sealed record ModelsReply(IReadOnlyList<Models.ModelVersionInfo> Models);

/// <summary>What training did for one goal, as the retrain endpoint reports it.</summary>
/// <param name="Goal">The goal.</param>
/// <param name="Trained">Whether a model was trained.</param>
/// <param name="Promoted">Whether it became the champion.</param>
/// <param name="Version">Its version.</param>
/// <param name="Trainer">The best trainer.</param>
/// <param name="Auc">Hold-out AUC.</param>
/// <param name="TopDecileLift">Hold-out top-decile lift.</param>
/// <param name="Message">The champion decision, or why nothing was trained.</param>
/// <param name="TopFeatures">The five strongest features.</param>
public sealed record TrainedGoal(string Goal, bool Trained, bool Promoted, string? Version, string? Trainer, double? Auc, double? TopDecileLift, string Message, IReadOnlyList<string>? TopFeatures);

/// <summary>The body of <c>POST /api/models/retrain</c>.</summary>
/// <param name="Goals">One entry per goal.</param>
public sealed record TrainingReply(IReadOnlyList<TrainedGoal> Goals);

/// <summary>Source-generated JSON of HTTP answers, with the same conventions as stored data (camelCase, nulls left out).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(TrackingAccepted))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(ModelsReply))]
[JsonSerializable(typeof(TrainingReply))]
internal sealed partial class HttpJson : JsonSerializerContext;
