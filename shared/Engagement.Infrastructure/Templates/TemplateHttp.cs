using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Templates;

/// <summary>A saved template as the API answers it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Version">Its version.</param>
/// <param name="Name">Its name.</param>
/// <param name="Subject">Subject (Liquid).</param>
/// <param name="Preheader">Preheader (Liquid).</param>
/// <param name="Html">HTML body (Liquid).</param>
/// <param name="Text">Plain-text body (Liquid).</param>
/// <param name="SavedAt">When this version was saved.</param>
/// <param name="Repeated">Whether the same template had been saved before under this id.</param>
public sealed record TemplateReply(string Id, int Version, string Name, string Subject, string Preheader, string Html, string Text, DateTimeOffset SavedAt, bool? Repeated = null);

/// <summary>A template rendered for one person, as the preview answers it.</summary>
/// <param name="TemplateId">The template.</param>
/// <param name="Version">Its version.</param>
/// <param name="Subject">The person's id as given.</param>
/// <param name="Rendered">Subject line, preheader, HTML and text.</param>
public sealed record TemplatePreview(string TemplateId, int Version, string Subject, RenderedMessage Rendered);

/// <summary>One template issue as the API reports it.</summary>
/// <param name="Part">subject, preheader, html or text.</param>
/// <param name="Line">Line, from 1.</param>
/// <param name="Column">Column, from 1.</param>
/// <param name="Message">What is wrong.</param>
public sealed record TemplateIssueReply(string Part, int Line, int Column, string Message);

/// <summary>The <c>application/problem+json</c> answer to a template that cannot be saved: every issue with its position.</summary>
/// <param name="Title">A short summary.</param>
/// <param name="Status">400.</param>
/// <param name="Detail">How many issues, and the first.</param>
/// <param name="Errors">Each issue as one line ("html, line 3, column 14: …").</param>
/// <param name="Issues">Each issue with its part, line and column.</param>
public sealed record TemplateProblem(string Title, int Status, string Detail, IReadOnlyList<string> Errors, IReadOnlyList<TemplateIssueReply> Issues)
{
    /// <summary>The problem type URI.</summary>
    public string Type => $"https://httpstatuses.io/{Status}";
}

/// <summary>
/// <c>POST /api/templates</c>, <c>PUT</c> and <c>GET /api/templates/{id}</c>, <c>POST /api/templates/{id}/preview</c> for both
/// hosts: templates are checked when saved (syntax, variables, filters, each with its position) and previewed for a
/// real profile.
/// </summary>
public sealed partial class TemplateHttp(TemplateStore store, TemplatePersonalisation personalisation, IOptions<ConsentOptions> consent)
{
    /// <summary>The most characters one part may hold (a table property holds 64 KiB of UTF-16).</summary>
    public const int MaxPartChars = 30_000;

    private const int MaxBodyBytes = 256 * 1024;

    /// <summary>Validates and stores a template from a request body; 201 with its id, 200 for a retried save.</summary>
    public async Task<ReplyShape> SaveAsync(Stream body, CancellationToken cancellationToken = default)
    {
        var (input, template, problem) = await ReadTemplateAsync(body, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (input!.Id is not null && !IdRule().IsMatch(input.Id))
        {
            return Invalid("id must be 1–64 lower-case letters, digits and hyphens, starting with a letter or digit.");
        }

        var (outcome, stored) = await store.CreateAsync(input.Id ?? ContentId(template!), template!, cancellationToken);
        return outcome switch
        {
            TemplateSaveOutcome.Conflict => ReplyShape.Problem(new ApiProblem("Template id taken", 409,
                $"Template \"{stored.Id}\" exists with other content; choose another id, or leave id out to have one made.")),
            _ => Reply(outcome == TemplateSaveOutcome.Created ? 201 : 200, stored, outcome == TemplateSaveOutcome.Repeated),
        };
    }

    /// <summary>
    /// Stores a new version of a template (<c>PUT /api/templates/{id}</c>), validated like a new one, if
    /// <paramref name="ifMatch"/> is the ETag of its latest version: 200 with the new version, 412 when it changed since.
    /// </summary>
    public async Task<ReplyShape> UpdateAsync(string id, Stream body, string? ifMatch, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(id) || !IdRule().IsMatch(id))
        {
            return NotFound(id);
        }

        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return ReplyShape.Problem(new ApiProblem("If-Match required", 428,
                "Send the ETag of the version you edited in If-Match (GET /api/templates/{id} answers it), so no one else's change is overwritten."));
        }

        var (input, template, problem) = await ReadTemplateAsync(body, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (input!.Id is not null && input.Id != id)
        {
            return Invalid($"The body names template \"{input.Id}\" but the address \"{id}\"; leave id out or make them match.");
        }

        var (outcome, stored) = await store.UpdateAsync(id, template!, ifMatch.Trim(), cancellationToken);
        return outcome switch
        {
            TemplateSaveOutcome.NotFound => NotFound(id),
            TemplateSaveOutcome.Conflict => ReplyShape.Problem(new ApiProblem("Template changed", 412,
                $"Template \"{id}\" is at version {stored?.Version} now, not the one you edited; read it again, apply your change and send its ETag.")),
            _ => Reply(200, stored!, outcome == TemplateSaveOutcome.Repeated),
        };
    }

    private static async Task<(TemplateInput? Input, CampaignTemplate? Template, ReplyShape? Problem)> ReadTemplateAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var (input, problem) = await ReadAsync<TemplateInput>(body, "a template", cancellationToken);
        if (problem is not null)
        {
            return (null, null, problem);
        }

        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(input!.Name)) missing.Add("name");
        if (string.IsNullOrWhiteSpace(input.Subject)) missing.Add("subject");
        if (string.IsNullOrWhiteSpace(input.Html)) missing.Add("html");
        if (string.IsNullOrWhiteSpace(input.Text)) missing.Add("text");
        if (missing.Count > 0)
        {
            return (null, null, Invalid("Missing: " + string.Join(", ", missing) + ".", missing));
        }

        var template = new CampaignTemplate(input.Name!.Trim(), input.Subject!, input.Preheader ?? string.Empty, input.Html!, input.Text!);
        var tooLong = Enum.GetValues<TemplatePart>().Where(p => template.SourceOf(p).Length > MaxPartChars).ToList();
        if (tooLong.Count > 0)
        {
            return (null, null, Invalid($"{string.Join(", ", tooLong.Select(PartName))}: at most {MaxPartChars:N0} characters each."));
        }

        var issues = TemplateValidator.Validate(template);
        return issues.Count > 0 ? (null, null, Rejected(issues)) : (input, template, null);
    }

    /// <summary>The latest version of a template; 404 when there is none.</summary>
    public async Task<ReplyShape> GetAsync(string id, CancellationToken cancellationToken = default) =>
        string.IsNullOrWhiteSpace(id) || !IdRule().IsMatch(id) || await store.GetAsync(id, cancellationToken) is not { } stored
            ? NotFound(id)
            : Reply(200, stored, null);

    /// <summary>Renders a template for the person named in the body (<c>{"subject": "&lt;user id&gt;"}</c>).</summary>
    public async Task<ReplyShape> PreviewAsync(string id, HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(id) || !IdRule().IsMatch(id) || await store.GetAsync(id, cancellationToken) is not { } stored)
        {
            return NotFound(id);
        }

        var (input, problem) = await ReadAsync<PreviewInput>(request.Body, "a preview request", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(input!.Subject))
        {
            return Invalid("subject (the user id or anonymous id to render for) is required.", ["subject"]);
        }

        // A preview has no send to sign links for: both point at the consent page, where a person changes their choices.
        var consentPage = PublicBase(request) + "/consent/page";
        var campaign = new CampaignContext(input.Campaign ?? stored.Template.Name, input.Variant);
        var data = await personalisation.GatherAsync(input.Subject, consentPage, consentPage, campaign, cancellationToken);
        if (data is null)
        {
            return ReplyShape.Problem(new ApiProblem("Profile not found", 404, $"Nothing is known of \"{input.Subject}\" as a user id or an anonymous id."));
        }

        var outcome = TemplateRenderer.Render(stored.Template, data);
        if (outcome.Failure is { } failure)
        {
            return ReplyShape.Problem(new ApiProblem("Template cannot render for this profile", 422,
                $"{failure} Guard the value with {{% if %}} or a default, then save the template again.", [failure.ToString()]));
        }

        return ReplyShape.Json(200, new TemplatePreview(stored.Id, stored.Version, input.Subject, outcome.Message!), ApiJson.TypeInfo<TemplatePreview>());
    }

    /// <summary>The 400 answer listing every issue.</summary>
    public static ReplyShape Rejected(IReadOnlyList<TemplateIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(issues);
        var problem = new TemplateProblem(
            "Invalid template",
            400,
            $"{issues.Count} issue{(issues.Count == 1 ? string.Empty : "s")} to fix before the template can be saved; the first: {issues[0]}",
            issues.Select(i => i.ToString()).ToList(),
            issues.Select(i => new TemplateIssueReply(PartName(i.Part), i.Line, i.Column, i.Message)).ToList());
        return new ReplyShape(400, ApiProblem.ContentType, JsonSerializer.SerializeToUtf8Bytes(problem, ApiJson.TypeInfo<TemplateProblem>()), []);
    }

    private static async Task<(T? Input, ReplyShape? Problem)> ReadAsync<T>(Stream body, string what, CancellationToken cancellationToken)
        where T : class
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return (null, Invalid($"The body is {buffer.Length:N0} bytes; at most {MaxBodyBytes:N0}."));
        }

        try
        {
            var input = JsonSerializer.Deserialize(buffer.ToArray(), ApiJson.TypeInfo<T>());
            return input is null ? (null, Invalid($"The body is not {what}.")) : (input, null);
        }
        catch (JsonException ex)
        {
            return (null, Invalid($"The body is not {what}: {ex.Message.Split('.')[0]}."));
        }
    }

    private static ReplyShape Reply(int status, StoredTemplate stored, bool? repeated) =>
        ReplyShape.Json(status,
                new TemplateReply(stored.Id, stored.Version, stored.Template.Name, stored.Template.Subject, stored.Template.Preheader, stored.Template.Html, stored.Template.Text, stored.SavedAt, repeated),
                ApiJson.TypeInfo<TemplateReply>())
            .WithHeaders([KeyValuePair.Create("ETag", stored.ETag), KeyValuePair.Create("Location", $"/api/templates/{stored.Id}")]);

    private static ReplyShape NotFound(string id) =>
        ReplyShape.Problem(new ApiProblem("Template not found", 404, $"No template has the id \"{id}\"."));

    private static ReplyShape Invalid(string detail, IReadOnlyList<string>? errors = null) =>
        ReplyShape.Problem(new ApiProblem("Invalid template request", 400, detail, errors));

    private static string PartName(TemplatePart part) => part.ToString().ToLowerInvariant();

    // Without an id, the content names the template, so a retried save finds the row it wrote.
    private static string ContentId(CampaignTemplate template)
    {
        var text = string.Join('\u001f', template.Name, template.Subject, template.Preheader, template.Html, template.Text);
        return "t-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..20];
    }

    private string PublicBase(HttpRequest request) =>
        !string.IsNullOrWhiteSpace(consent.Value.PublicBaseUrl)
            ? consent.Value.PublicBaseUrl.TrimEnd('/')
            : $"{request.Scheme}://{request.Host.Value}";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex IdRule();

    /// <summary>The body of <c>POST /api/templates</c>.</summary>
    private sealed record TemplateInput(string? Id, string? Name, string? Subject, string? Preheader, string? Html, string? Text);

    /// <summary>The body of <c>POST /api/templates/{id}/preview</c>.</summary>
    private sealed record PreviewInput(string? Subject, string? Campaign, string? Variant);
}
