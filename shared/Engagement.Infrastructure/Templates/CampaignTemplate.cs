namespace Engagement.Infrastructure.Templates;

/// <summary>The four parts of a campaign message, each a Liquid template.</summary>
public enum TemplatePart
{
    /// <summary>The e-mail subject line (not encoded).</summary>
    Subject,

    /// <summary>The preview text shown after the subject in inboxes (not encoded).</summary>
    Preheader,

    /// <summary>The HTML body: every output is HTML-encoded unless it passes through <c>raw</c>.</summary>
    Html,

    /// <summary>The plain-text body (not encoded).</summary>
    Text,
}

/// <summary>A campaign template as a marketer writes it.</summary>
/// <param name="Name">A name to find it by.</param>
/// <param name="Subject">Subject line (Liquid).</param>
/// <param name="Preheader">Preheader (Liquid), may be empty.</param>
/// <param name="Html">HTML body (Liquid).</param>
/// <param name="Text">Plain-text body (Liquid).</param>
public sealed record CampaignTemplate(string Name, string Subject, string Preheader, string Html, string Text)
{
    /// <summary>The source of one part.</summary>
    public string SourceOf(TemplatePart part) => part switch
    {
        TemplatePart.Subject => Subject,
        TemplatePart.Preheader => Preheader,
        TemplatePart.Html => Html,
        _ => Text,
    };
}

/// <summary>Something wrong in a template, where it is (1-based line and column within the part) and what to do.</summary>
/// <param name="Part">The part it is in.</param>
/// <param name="Line">Line, from 1.</param>
/// <param name="Column">Column, from 1.</param>
/// <param name="Message">What is wrong, for a marketer.</param>
public sealed record TemplateIssue(TemplatePart Part, int Line, int Column, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Part.ToString().ToLowerInvariant()}, line {Line}, column {Column}: {Message}";
}

/// <summary>A stored template version.</summary>
/// <param name="Id">The template's id.</param>
/// <param name="Version">Its version, from 1.</param>
/// <param name="Template">Its parts.</param>
/// <param name="SavedAt">When this version was saved.</param>
/// <param name="ETag">The stored row's ETag, for conditional updates.</param>
public sealed record StoredTemplate(string Id, int Version, CampaignTemplate Template, DateTimeOffset SavedAt, string ETag);

/// <summary>A template rendered for one person.</summary>
/// <param name="Subject">Subject line.</param>
/// <param name="Preheader">Preheader.</param>
/// <param name="Html">HTML body.</param>
/// <param name="Text">Plain-text body.</param>
public sealed record RenderedMessage(string Subject, string Preheader, string Html, string Text);

/// <summary>A template rendered for one person, or where it failed for that person's data.</summary>
/// <param name="Message">The rendered parts, when rendering succeeded.</param>
/// <param name="Failure">Where and why it failed, otherwise.</param>
public sealed record RenderOutcome(RenderedMessage? Message, TemplateIssue? Failure);
