using System.Globalization;
using System.Net;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Engagement.Infrastructure.Templates;

/// <summary>
/// Renders a validated template for one person. In the HTML part every output is HTML-encoded, so a trait such as
/// <c>&lt;script&gt;</c> arrives as text; only what passes through <c>raw</c> is written as it is. The subject,
/// preheader and text parts are not encoded. A missing value renders empty and tests false.
/// </summary>
public static class TemplateRenderer
{
    // A template is the marketer's, the data the customer's: bound loops and output so neither can run away.
    private const int LoopLimit = 1_000;
    private const int MaxOutputChars = 1_000_000;

    /// <summary>
    /// The four parts rendered for one person, or where rendering failed for this person's data (a filter given a value
    /// it cannot take, such as <c>round</c> on text, or a loop past its limit).
    /// </summary>
    public static RenderOutcome Render(CampaignTemplate template, TemplateData data) => Render(Parse(template), data);

    /// <summary>
    /// A validated template's parts parsed once, to be rendered for many people (a campaign batch) without parsing
    /// again for each; renders may run side by side, each with its own context.
    /// </summary>
    public static ParsedTemplate Parse(CampaignTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parts = new Dictionary<TemplatePart, Template>();
        foreach (var part in Enum.GetValues<TemplatePart>())
        {
            var parsed = TemplateValidator.Parse(template.SourceOf(part));
            if (parsed.HasErrors)
            {
                throw new InvalidOperationException("Only validated templates are rendered: " + string.Join("; ", parsed.Messages));
            }

            parts[part] = parsed;
        }

        return new ParsedTemplate(parts);
    }

    /// <summary>As <see cref="Render(CampaignTemplate, TemplateData)"/>, for a template parsed beforehand.</summary>
    public static RenderOutcome Render(ParsedTemplate template, TemplateData data)
    {
        ArgumentNullException.ThrowIfNull(template);
        var model = TemplateModel.Build(data);
        var rendered = new Dictionary<TemplatePart, string>();
        foreach (var part in Enum.GetValues<TemplatePart>())
        {
            try
            {
                rendered[part] = template.Parts[part].Render(CampaignTemplateContext.ForThisThread(part == TemplatePart.Html, model));
            }
            catch (ScriptRuntimeException ex)
            {
                return new RenderOutcome(null, new TemplateIssue(part, ex.Span.Start.Line + 1, ex.Span.Start.Column + 1, ex.OriginalMessage.TrimEnd('.') + "."));
            }
        }

        // A subject or preheader is one line: a line break from a trait must not reach a mail header.
        return new RenderOutcome(
            new RenderedMessage(OneLine(rendered[TemplatePart.Subject]), OneLine(rendered[TemplatePart.Preheader]), rendered[TemplatePart.Html], rendered[TemplatePart.Text]),
            null);
    }

    /// <summary>One part rendered over a model built by <see cref="TemplateModel.Build"/>.</summary>
    public static string RenderPart(string source, ScriptObject model, bool encodeHtml)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parsed = TemplateValidator.Parse(source);
        if (parsed.HasErrors)
        {
            throw new InvalidOperationException("Only validated templates are rendered: " + string.Join("; ", parsed.Messages));
        }

        var context = new CampaignTemplateContext(encodeHtml);
        context.PushGlobal(model);
        return parsed.Render(context);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>Output written as it is by the HTML part: what a template passed through <c>raw</c>.</summary>
    private sealed record RawHtml(string Html)
    {
        public override string ToString() => Html;
    }

    private sealed class CampaignTemplateContext : LiquidTemplateContext
    {
        // Building a context (its builtin functions are imported by reflection) costs several times what rendering a
        // part does, so each thread keeps one of each kind and resets it for every render. A render runs to its end
        // on one thread without yielding, so no two renders share a context at once.
        [ThreadStatic]
        private static CampaignTemplateContext? t_html;

        [ThreadStatic]
        private static CampaignTemplateContext? t_plain;

        private readonly bool _encodeHtml;

        public CampaignTemplateContext(bool encodeHtml)
        {
            _encodeHtml = encodeHtml;
            LoopLimit = TemplateRenderer.LoopLimit;
            LimitToString = MaxOutputChars;
            OutputLimit = MaxOutputChars;
            StrictVariables = false;
            EnableRelaxedMemberAccess = true;
            PushCulture(CultureInfo.InvariantCulture);
            MemberRenamer = member => member.Name;
            BuiltinObject.Import("raw", new Func<object?, object?>(value => encodeHtml ? new RawHtml(ObjectToString(value) ?? string.Empty) : value));
            // Nothing a template assigns may outlive its render: the builtins take no new names.
            BuiltinObject.IsReadOnly = true;
        }

        /// <summary>
        /// This thread's context of the kind, reset (output, globals, cultures and anything a previous render left,
        /// even one that failed midway) and holding only <paramref name="model"/>: one person's data never reaches another's message.
        /// </summary>
        public static CampaignTemplateContext ForThisThread(bool encodeHtml, ScriptObject model)
        {
            var context = encodeHtml ? t_html ??= new CampaignTemplateContext(true) : t_plain ??= new CampaignTemplateContext(false);
            context.Reset();
            context.PushCulture(CultureInfo.InvariantCulture);
            context.PushGlobal(model);
            return context;
        }

        public override TemplateContext Write(SourceSpan span, object? textAsObject)
        {
            if (!_encodeHtml)
            {
                return base.Write(span, textAsObject);
            }

            return textAsObject is RawHtml raw
                ? base.Write(span, raw.Html)
                : base.Write(span, WebUtility.HtmlEncode(ObjectToString(textAsObject) ?? string.Empty));
        }
    }
}

/// <summary>A template parsed by <see cref="TemplateRenderer.Parse(CampaignTemplate)"/>, ready to render for many people.</summary>
public sealed class ParsedTemplate
{
    internal ParsedTemplate(IReadOnlyDictionary<TemplatePart, Template> parts) => Parts = parts;

    internal IReadOnlyDictionary<TemplatePart, Template> Parts { get; }
}
