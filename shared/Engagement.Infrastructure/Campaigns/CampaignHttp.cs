using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Engagement.Core.Campaigns;
using Engagement.Core.Workflows;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Segments;
using Engagement.Infrastructure.Templates;
using Engagement.Infrastructure.Workflows;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>The answer to a campaign start: its id and where its status is.</summary>
/// <param name="Id">The campaign id.</param>
/// <param name="Status">The workflow's status.</param>
/// <param name="StatusUrl">Where <c>GET</c> reads the campaign.</param>
public sealed record CampaignStarted(string Id, WorkflowStatus Status, string StatusUrl);

/// <summary>A campaign as <c>GET /api/campaigns/{id}</c> answers it.</summary>
/// <param name="Id">The campaign id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Status">The workflow's status (running, completed, cancelled, failed).</param>
/// <param name="CreatedAt">When it was started.</param>
/// <param name="Report">Where it stands: phase, audience and exclusions, steps with counts and rates per variant, the A/B result.</param>
/// <param name="Sends">What the send ledger holds now, per step and variant (claimed, sent, failed, excluded by reason).</param>
/// <param name="Definition">The definition it runs.</param>
public sealed record CampaignReply(string Id, string Name, WorkflowStatus Status, DateTimeOffset CreatedAt, CampaignReport Report, IReadOnlyList<SendCounts> Sends, CampaignDefinition Definition);

/// <summary>One campaign of the list.</summary>
/// <param name="Id">The campaign id.</param>
/// <param name="Name">Its name.</param>
/// <param name="SegmentId">Its segment.</param>
/// <param name="Status">The workflow's status.</param>
/// <param name="Phase">Where the run stands.</param>
/// <param name="CreatedAt">When it was started.</param>
public sealed record CampaignListItem(string Id, string Name, string SegmentId, WorkflowStatus Status, CampaignPhase Phase, DateTimeOffset CreatedAt);

/// <summary>
/// <c>POST /api/campaigns</c>, <c>GET /api/campaigns</c>, <c>GET /api/campaigns/{id}</c> and
/// <c>POST /api/campaigns/{id}/cancel</c> for both hosts, over whichever workflow runtime the host has. A definition is
/// checked whole, with what only storage knows (the segment and the templates exist), before anything starts; every
/// problem comes back at once with its path. The id is the body's <c>id</c>, else one derived from the
/// <c>Idempotency-Key</c> header (a retried start starts nothing twice), else a new one.
/// </summary>
public sealed class CampaignHttp(CampaignRunStore runs, CampaignSendLedger ledger, SegmentStore segments, TemplateStore templates, IOptions<CampaignRunOptions> options, TimeProvider clock)
{
    /// <summary>The header naming a start's idempotency key.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    private const int MaxBodyBytes = 256 * 1024;

    /// <summary>Starts a campaign: 201 with its id and status URL, 200 for a repeat of the same start, 400 listing every problem, 409 for a taken id.</summary>
    public async Task<ReplyShape> StartAsync(IWorkflowRuntime runtime, Stream body, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return Invalid([$"the body is {buffer.Length} bytes; a campaign definition may have {MaxBodyBytes}"]);
        }

        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            json = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return Invalid([$"the body is not JSON: {ex.Message.Split(" Path:")[0]}"]);
        }

        var now = clock.GetUtcNow();
        var read = CampaignDefinitionReader.Read(json, now);
        var problems = read.Problems.Select(p => p.ToString()).ToList();
        if (read.Definition is { } definition)
        {
            problems.AddRange(await StoredProblemsAsync(definition, cancellationToken));
        }

        if (problems.Count > 0 || read.Definition is null)
        {
            return Invalid(problems);
        }

        var id = read.Definition.Id ?? (string.IsNullOrWhiteSpace(idempotencyKey)
            ? "cmp-" + Guid.NewGuid().ToString("N")[..16]
            : "cmp-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..16]);
        var definitionWithId = read.Definition with { Id = id };
        if (!await runs.TryAddAsync(id, definitionWithId, now, cancellationToken))
        {
            var existing = await runs.GetAsync(id, cancellationToken);
            if (existing is null || WorkflowJson.Write(existing.Definition).GetRawText() != WorkflowJson.Write(definitionWithId).GetRawText())
            {
                return ReplyShape.Problem(new ApiProblem("Campaign id taken", 409, $"Another campaign already runs as \"{id}\"; choose another id."));
            }
        }

        var input = new CampaignInput(id, definitionWithId, options.Value.BatchSize, options.Value.MaxAttempts, options.Value.RetryAfter());
        var started = await runtime.StartAsync(CampaignDecider.Type, WorkflowJson.Write(input), id, cancellationToken);
        if (started.View is not { } view)
        {
            return Invalid(started.Errors);
        }

        var reply = ReplyShape.Json(started.Created ? 201 : 200, new CampaignStarted(id, view.Status, $"/api/campaigns/{id}"), ApiJson.TypeInfo<CampaignStarted>());
        return reply with { Headers = [.. reply.Headers, KeyValuePair.Create("Location", $"/api/campaigns/{id}")] };
    }

    /// <summary>A campaign: status, phase, audience, counts and metrics per step and variant, the A/B result; 404 when none has the id.</summary>
    public async Task<ReplyShape> GetAsync(IWorkflowRuntime runtime, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var entry = await runs.GetAsync(id, cancellationToken);
        var view = entry is null ? null : await runtime.GetAsync(id, cancellationToken);
        if (entry is null || view is null || view.Type != CampaignDecider.Type)
        {
            return NotFound(id);
        }

        var report = await runs.ReportAsync(id, cancellationToken) ?? CampaignReport.Of(WorkflowJson.Read<CampaignState>(view.State), view.NextWakeUp);
        var sends = await ledger.CountsAsync(id, cancellationToken);
        return ReplyShape.Json(200, new CampaignReply(id, entry.Name, view.Status, entry.CreatedAt, report, sends, entry.Definition), ApiJson.TypeInfo<CampaignReply>());
    }

    /// <summary>Campaigns, newest first.</summary>
    public async Task<ReplyShape> ListAsync(IWorkflowRuntime runtime, int? limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var take = Math.Clamp(limit ?? 50, 1, 500);
        var items = new List<CampaignListItem>();
        foreach (var entry in await runs.ListAsync(take, cancellationToken))
        {
            if (await runtime.GetAsync(entry.Id, cancellationToken) is { } view)
            {
                var phase = WorkflowJson.Read<CampaignState>(view.State).Phase;
                items.Add(new CampaignListItem(entry.Id, entry.Name, entry.SegmentId, view.Status, phase, entry.CreatedAt));
            }
        }

        return ReplyShape.Json(200, items, ApiJson.TypeInfo<List<CampaignListItem>>());
    }

    /// <summary>Cancels a running campaign: nothing more is sent; 404 for an unknown campaign, 409 for one that has ended.</summary>
    public async Task<ReplyShape> CancelAsync(IWorkflowRuntime runtime, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        if (await runs.GetAsync(id, cancellationToken) is null)
        {
            return NotFound(id);
        }

        return await runtime.CancelAsync(id, "cancelled by a marketer", cancellationToken) switch
        {
            SignalOutcome.NotFound => NotFound(id),
            SignalOutcome.NotRunning => ReplyShape.Problem(new ApiProblem("Campaign has ended", 409, $"Campaign \"{id}\" has already ended; there is nothing left to cancel.")),
            _ => await GetAsync(runtime, id, cancellationToken),
        };
    }

    private async Task<List<string>> StoredProblemsAsync(CampaignDefinition definition, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (await segments.GetAsync(definition.SegmentId, cancellationToken) is null)
        {
            problems.Add($"segmentId: no segment \"{definition.SegmentId}\" is saved");
        }

        var templateIds = definition.Variants.Select((v, i) => ($"variants[{i}].templateId", v.TemplateId)).ToList();
        if (definition.Reminder?.TemplateId is { } reminderTemplate)
        {
            templateIds.Add(("reminder.templateId", reminderTemplate));
        }

        foreach (var (path, templateId) in templateIds)
        {
            if (await templates.GetAsync(templateId, cancellationToken) is null)
            {
                problems.Add($"{path}: no template \"{templateId}\" is saved");
            }
        }

        return problems;
    }

    private static ReplyShape Invalid(IReadOnlyList<string> errors) =>
        ReplyShape.Problem(new ApiProblem("Invalid campaign", 400, string.Join("; ", errors) + ".", errors));

    private static ReplyShape NotFound(string id) => ReplyShape.Problem(new ApiProblem("Campaign not found", 404, $"No campaign is named \"{id}\"."));
}

/// <summary>How campaign runs are cut up and retried (<c>Campaigns:Run:*</c>).</summary>
public sealed class CampaignRunOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Campaigns:Run";

    /// <summary>Recipients per send batch: one activity run each.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>How many times a failed command runs before the campaign gives up on it.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait before a failed command runs again, times the failures so far, in seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 86_400)]
    public int RetryAfterSeconds { get; set; } = 300;

    /// <summary>The retry wait.</summary>
    public TimeSpan RetryAfter() => TimeSpan.FromSeconds(RetryAfterSeconds);
}
