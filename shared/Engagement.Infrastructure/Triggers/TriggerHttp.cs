using System.Text.Json;
using Engagement.Core.Triggers;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Models;
using Engagement.Infrastructure.Templates;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Triggers;

/// <summary>A trigger as the API answers it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Kind">What sets it off.</param>
/// <param name="TemplateId">The template it sends.</param>
/// <param name="Purpose">The consent purpose its e-mail is sent for.</param>
/// <param name="Sender">Who it comes from (left out: <c>Email:From</c>).</param>
/// <param name="Enabled">Whether it starts runs and sends.</param>
/// <param name="AbandonedCart">Abandoned-cart settings.</param>
/// <param name="Welcome">Welcome settings.</param>
/// <param name="Birthday">Birthday settings.</param>
/// <param name="Intent">Intent settings.</param>
/// <param name="CreatedAt">When it was saved.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="Runs">How many runs stand where (single trigger only).</param>
public sealed record TriggerReply(
    string Id, string Name, TriggerKind Kind, string TemplateId, string Purpose, TriggerSender? Sender, bool Enabled,
    AbandonedCartSettings? AbandonedCart, WelcomeSettings? Welcome, BirthdaySettings? Birthday, IntentSettings? Intent,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, TriggerRunCounts? Runs = null)
{
    /// <summary>The reply of a saved trigger.</summary>
    public static TriggerReply Of(SavedTrigger saved, TriggerRunCounts? runs = null)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var d = saved.Definition;
        return new(d.Id, d.Name, d.Kind, d.TemplateId, d.Purpose, d.Sender, d.Enabled, d.AbandonedCart, d.Welcome, d.Birthday, d.Intent, saved.CreatedAt, saved.UpdatedAt, runs);
    }
}

/// <summary>The body of <c>GET /api/triggers</c>.</summary>
/// <param name="Triggers">Every trigger, by id.</param>
public sealed record TriggerListReply(IReadOnlyList<TriggerReply> Triggers);

/// <summary>
/// <c>POST /api/triggers</c>, <c>GET /api/triggers</c>, <c>GET /api/triggers/{id}</c> and
/// <c>POST /api/triggers/{id}/disable</c> for both hosts. A definition is checked whole before it is saved: every
/// problem comes back at once with its JSON path, including a template that does not exist, a purpose or a model goal
/// the deployment does not have.
/// </summary>
public sealed class TriggerHttp(
    TriggerStore store, TriggerCatalog catalog, TriggerRunLog runs, TemplateStore templates, IOptions<ConsentOptions> consent, IOptions<ModelOptions> models)
{
    private const int MaxBodyBytes = 32 * 1024;

    /// <summary>Checks and saves a trigger: 201, 200 for a repeat of the same definition, 400 with every problem, 409 for a taken id.</summary>
    public async Task<ReplyShape> CreateAsync(Stream body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return Invalid([$"$: the body is {buffer.Length:N0} bytes; at most {MaxBodyBytes:N0}"]);
        }

        TriggerReadResult read;
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            read = TriggerDefinitionReader.Read(document.RootElement);
        }
        catch (JsonException ex)
        {
            return Invalid([$"$: not valid JSON ({ex.Message.Split(". ")[0]})"]);
        }

        if (read.Definition is not { } definition)
        {
            return Invalid(read.Problems);
        }

        var problems = new List<string>();
        if (await templates.GetAsync(definition.TemplateId, cancellationToken) is null)
        {
            problems.Add($"$.templateId: no template \"{definition.TemplateId}\"; save it first with POST /api/templates");
        }

        var purposes = consent.Value.EffectivePurposes();
        if (!purposes.Contains(definition.Purpose, StringComparer.Ordinal))
        {
            problems.Add($"$.purpose: \"{definition.Purpose}\" is not a configured purpose ({string.Join(", ", purposes)})");
        }

        if (definition.Intent is { } intent && !models.Value.EffectiveGoals().Any(g => g.Name == intent.Goal))
        {
            problems.Add($"$.intent.goal: \"{intent.Goal}\" is not a model goal ({string.Join(", ", models.Value.EffectiveGoals().Select(g => g.Name))})");
        }

        if (problems.Count > 0)
        {
            return Invalid(problems);
        }

        var (outcome, saved) = await store.CreateAsync(definition, cancellationToken);
        catalog.Forget();
        return outcome switch
        {
            TriggerSaveOutcome.Created => Reply(201, saved).WithHeaders([KeyValuePair.Create("Location", $"/api/triggers/{saved.Definition.Id}")]),
            TriggerSaveOutcome.Repeated => Reply(200, saved),
            _ => ReplyShape.Problem(new ApiProblem("Trigger id taken", 409,
                $"A different trigger is already saved as \"{definition.Id}\"; disable it and choose another id.")),
        };
    }

    /// <summary>Every trigger.</summary>
    public async Task<ReplyShape> ListAsync(CancellationToken cancellationToken = default)
    {
        var all = await store.ListAsync(cancellationToken);
        return ReplyShape.Json(200, new TriggerListReply(all.Select(t => TriggerReply.Of(t)).ToList()), ApiJson.TypeInfo<TriggerListReply>());
    }

    /// <summary>A trigger with the counts of its runs (waiting, sent, cancelled, excluded, failed); 404 when none has the id.</summary>
    public async Task<ReplyShape> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } saved)
        {
            return NotFound(id);
        }

        return Reply(200, saved, await runs.CountsAsync(saved.Definition.Id, cancellationToken));
    }

    /// <summary>Disables a trigger: no new runs start, and runs still waiting send nothing (they end excluded). Idempotent.</summary>
    public async Task<ReplyShape> DisableAsync(string id, CancellationToken cancellationToken = default)
    {
        var disabled = await store.DisableAsync(id, cancellationToken);
        catalog.Forget();
        return disabled is null ? NotFound(id) : Reply(200, disabled);
    }

    private static ReplyShape Reply(int status, SavedTrigger saved, TriggerRunCounts? counts = null) =>
        ReplyShape.Json(status, TriggerReply.Of(saved, counts), ApiJson.TypeInfo<TriggerReply>());

    private static ReplyShape Invalid(IReadOnlyList<string> problems) =>
        ReplyShape.Problem(new ApiProblem("Invalid trigger", 400,
            problems.Count == 1 ? problems[0] + "." : $"{problems.Count} problems in the trigger: {string.Join("; ", problems)}.", problems));

    private static ReplyShape NotFound(string id) =>
        ReplyShape.Problem(new ApiProblem("Trigger not found", 404, $"No trigger \"{id}\"; create one with POST /api/triggers."));
}
