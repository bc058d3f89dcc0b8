using System.Text.Json;
using Engagement.Infrastructure.Http;

namespace Engagement.Infrastructure.Workflows;

/// <summary>An outside event or cancellation as the API answers it.</summary>
/// <param name="Instance">The instance id.</param>
/// <param name="Outcome">What happened: accepted, or a duplicate of an event already delivered.</param>
public sealed record WorkflowSignalReply(string Instance, SignalOutcome Outcome);

/// <summary>
/// The workflow endpoints of both hosts, over whichever runtime the host has: <c>GET /api/workflows/{id}</c>,
/// <c>POST /api/workflows/{id}/events/{name}</c>, <c>POST /api/workflows/{id}/cancel</c>, and starting instances of a
/// type for the endpoints that start them (such as <c>POST /api/consent-drives</c>).
/// </summary>
public sealed class WorkflowHttp(IWorkflowRuntime runtime)
{
    /// <summary>The header that makes a repeated event or start harmless.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    private const int MaxBodyBytes = 256 * 1024;

    /// <summary>Starts an instance of <paramref name="type"/> from a JSON body; the idempotency key, when given, is its instance id.</summary>
    public async Task<ReplyShape> StartAsync(string type, Stream body, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        var (input, problem) = await ReadJsonAsync(body, required: true, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var instanceId = string.IsNullOrWhiteSpace(idempotencyKey) ? null : $"{type}-{idempotencyKey}";
        if (instanceId is not null && !WorkflowIds.IsValid(instanceId))
        {
            return Invalid($"The {IdempotencyHeader} header makes the instance id: {WorkflowIds.Rule}.");
        }

        var result = await runtime.StartAsync(type, input, instanceId, cancellationToken);
        if (result.View is not { } view)
        {
            return ReplyShape.Problem(new ApiProblem($"Invalid {type} input", 400, string.Join("; ", result.Errors) + ".", result.Errors));
        }

        var reply = ReplyShape.Json(result.Created ? 201 : 200, view, ApiJson.TypeInfo<WorkflowView>());
        return reply with { Headers = [.. reply.Headers, KeyValuePair.Create("Location", $"/api/workflows/{view.Id}")] };
    }

    /// <summary>An instance: state, status, next wake-up, pending commands and latest decisions.</summary>
    public async Task<ReplyShape> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await runtime.GetAsync(id, cancellationToken) is { } view
            ? ReplyShape.Json(200, view, ApiJson.TypeInfo<WorkflowView>())
            : NotFound(id);

    /// <summary>Delivers an outside event with a JSON payload (an empty body is <c>null</c>).</summary>
    public async Task<ReplyShape> RaiseAsync(string id, string name, Stream body, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return Invalid("An event name is 1–64 characters: letters, digits, '-', '_' and '.'.");
        }

        if (idempotencyKey is { Length: > 200 })
        {
            return Invalid($"The {IdempotencyHeader} header is at most 200 characters.");
        }

        var (payload, problem) = await ReadJsonAsync(body, required: false, cancellationToken);
        return problem ?? Outcome(id, await runtime.RaiseAsync(id, name, payload, string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey, cancellationToken));
    }

    /// <summary>Cancels an instance; an optional body <c>{"reason": "…"}</c> goes into its history.</summary>
    public async Task<ReplyShape> CancelAsync(string id, Stream body, CancellationToken cancellationToken = default)
    {
        var (payload, problem) = await ReadJsonAsync(body, required: false, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var reason = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        return Outcome(id, await runtime.CancelAsync(id, reason, cancellationToken));
    }

    private static ReplyShape Outcome(string id, SignalOutcome outcome) => outcome switch
    {
        SignalOutcome.Accepted => ReplyShape.Json(202, new WorkflowSignalReply(id, outcome), ApiJson.TypeInfo<WorkflowSignalReply>()),
        SignalOutcome.Duplicate => ReplyShape.Json(200, new WorkflowSignalReply(id, outcome), ApiJson.TypeInfo<WorkflowSignalReply>()),
        SignalOutcome.NotRunning => ReplyShape.Problem(new ApiProblem("Workflow finished", 409, $"Workflow \"{id}\" has finished; it takes no more events.")),
        _ => NotFound(id),
    };

    private static ReplyShape NotFound(string id) => ReplyShape.Problem(new ApiProblem("Workflow not found", 404, $"No workflow instance is named \"{id}\"."));

    private static ReplyShape Invalid(string detail) => ReplyShape.Problem(new ApiProblem("Invalid workflow request", 400, detail));

    private static async Task<(JsonElement Value, ReplyShape? Problem)> ReadJsonAsync(Stream body, bool required, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return (default, Invalid($"The body is {buffer.Length:N0} bytes; at most {MaxBodyBytes:N0}."));
        }

        if (buffer.Length == 0)
        {
            return required
                ? (default, Invalid("A JSON body is required."))
                : (JsonDocument.Parse("null").RootElement.Clone(), null);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return (default, Invalid($"The body is not JSON: {ex.Message.Split('.')[0]}."));
        }
    }
}
