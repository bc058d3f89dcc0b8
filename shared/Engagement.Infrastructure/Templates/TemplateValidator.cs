using Scriban;
using Scriban.Parsing;
using Scriban.Syntax;

namespace Engagement.Infrastructure.Templates;

/// <summary>
/// Checks a template when it is saved, so a marketer learns of a typo before a campaign goes out: Liquid syntax errors,
/// variables and fields that are not in the documented model (<see cref="TemplateModel.Root"/>), and unknown filters,
/// each with its line and column.
/// </summary>
public static class TemplateValidator
{
    /// <summary>The filters templates may use: standard Liquid ones, and <c>raw</c> to output HTML unencoded.</summary>
    public static IReadOnlySet<string> Filters { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "abs", "append", "capitalize", "ceil", "compact", "concat", "default", "divided_by", "downcase", "escape",
        "first", "floor", "join", "last", "lstrip", "map", "minus", "modulo", "plus", "prepend", "raw", "remove",
        "remove_first", "replace", "replace_first", "reverse", "round", "rstrip", "size", "slice", "sort", "split", "strip",
        "strip_html", "strip_newlines", "times", "truncate", "truncatewords", "uniq", "upcase",
    };

    // Liquid's literals, which the parser reads as variables.
    private static readonly HashSet<string> Literals = new(StringComparer.Ordinal) { "empty", "blank", "nil", "null" };

    // The parser names Liquid's forloop "for".
    private const string ForLoopName = "for";

    private static readonly ModelShape ForLoop = ModelShape.Record(
        ("index", ModelShape.Value), ("index0", ModelShape.Value), ("rindex", ModelShape.Value), ("rindex0", ModelShape.Value),
        ("first", ModelShape.Value), ("last", ModelShape.Value), ("length", ModelShape.Value));

    /// <summary>Every issue in every part of a template, in part and position order; empty when it can be saved.</summary>
    public static IReadOnlyList<TemplateIssue> Validate(CampaignTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var issues = new List<TemplateIssue>();
        foreach (var part in Enum.GetValues<TemplatePart>())
        {
            issues.AddRange(Validate(part, template.SourceOf(part) ?? string.Empty));
        }

        return issues;
    }

    /// <summary>The issues of one part.</summary>
    public static IReadOnlyList<TemplateIssue> Validate(TemplatePart part, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parsed = Parse(source);
        if (parsed.HasErrors)
        {
            return parsed.Messages
                .Where(m => m.Type == ParserMessageType.Error)
                .Select(m => new TemplateIssue(part, m.Span.Start.Line + 1, m.Span.Start.Column + 1, SyntaxMessage(m.Message)))
                .ToList();
        }

        var walk = new Walk(part, parsed.Page is null ? [] : Assigned(parsed.Page));
        walk.Visit(parsed.Page, new Dictionary<string, ModelShape>(StringComparer.Ordinal));
        return walk.Issues.OrderBy(i => i.Line).ThenBy(i => i.Column).ToList();
    }

    /// <summary>Parses Liquid as rendering does.</summary>
    internal static Template Parse(string source) => Template.ParseLiquid(source);

    // The parser's messages name its grammar ("<expression>"); the part before " in: " says what was expected where.
    private static string SyntaxMessage(string message)
    {
        var text = message.Split(" in: ", 2)[0];
        return "Liquid syntax error: " + text.TrimEnd('.') + ".";
    }

    // Liquid variables are global: a name assigned or captured anywhere may be used anywhere.
    private static HashSet<string> Assigned(ScriptNode root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in Descendants(root))
        {
            switch (node)
            {
                case ScriptAssignExpression { Target: ScriptVariable assigned }:
                    names.Add(assigned.Name);
                    break;
                case ScriptCaptureStatement { Target: ScriptVariable captured }:
                    names.Add(captured.Name);
                    break;
            }
        }

        return names;
    }

    private static IEnumerable<ScriptNode> Descendants(ScriptNode node)
    {
        yield return node;
        for (var i = 0; i < node.ChildrenCount; i++)
        {
            if (node.GetChildren(i) is { } child)
            {
                foreach (var descendant in Descendants(child))
                {
                    yield return descendant;
                }
            }
        }
    }

    private sealed class Walk(TemplatePart part, HashSet<string> assigned)
    {
        public List<TemplateIssue> Issues { get; } = [];

        public void Visit(ScriptNode? node, IReadOnlyDictionary<string, ModelShape> loops)
        {
            switch (node)
            {
                case null:
                    return;
                case ScriptVariable or ScriptMemberExpression or ScriptIndexerExpression:
                    Resolve((ScriptExpression)node, loops);
                    return;
                case ScriptPipeCall pipe:
                    Visit(pipe.From, loops);
                    Filter(pipe.To, loops);
                    return;
                case ScriptFunctionCall call:
                    Function(call, loops, filter: false);
                    return;
                case ScriptNamedArgument named:
                    // for … limit: 3, offset: 1: the name is the option's, only the value is an expression.
                    Visit(named.Value, loops);
                    return;
                case ScriptAssignExpression assign:
                    Visit(assign.Value, loops);
                    return;
                case ScriptCaptureStatement capture:
                    Visit(capture.Body, loops);
                    return;
                case ScriptForStatement loop:
                    var element = Resolve(loop.Iterator, loops)?.Element ?? ModelShape.Anything;
                    foreach (var argument in loop.NamedArguments ?? [])
                    {
                        Visit(argument, loops);
                    }

                    var inner = new Dictionary<string, ModelShape>(loops, StringComparer.Ordinal) { [ForLoopName] = ForLoop };
                    if (loop.Variable is ScriptVariable variable)
                    {
                        inner[variable.Name] = element;
                    }

                    Visit(loop.Body, inner);
                    Visit(loop.Else, loops);
                    return;
            }

            for (var i = 0; i < node.ChildrenCount; i++)
            {
                Visit(node.GetChildren(i), loops);
            }
        }

        // The shape an expression stands for; null when it is not known (an assigned variable, a computed value) or
        // already reported, so one typo gives one issue.
        private ModelShape? Resolve(ScriptExpression? expression, IReadOnlyDictionary<string, ModelShape> loops)
        {
            switch (expression)
            {
                case ScriptVariable variable:
                    if (loops.TryGetValue(variable.Name, out var loopShape))
                    {
                        return loopShape;
                    }

                    if (TemplateModel.Root.Fields!.TryGetValue(variable.Name, out var rootShape))
                    {
                        return rootShape;
                    }

                    if (!assigned.Contains(variable.Name) && !Literals.Contains(variable.Name))
                    {
                        Report(variable, variable.Name == ForLoopName
                            ? "forloop is only available inside a {% for %} loop."
                            : $"Unknown variable \"{variable.Name}\". Templates can use: {string.Join(", ", TemplateModel.Root.Fields.Keys)}.");
                    }

                    return null;
                case ScriptMemberExpression member:
                    return Field(Resolve(member.Target, loops), member.Member ?? (ScriptNode)member, Path(member.Target));
                case ScriptIndexerExpression indexer:
                    var target = Resolve(indexer.Target, loops);
                    if (indexer.Index is ScriptLiteral { Value: string name } && target?.Fields is not null)
                    {
                        return Field(target, indexer.Index, Path(indexer.Target), name);
                    }

                    Visit(indexer.Index, loops);
                    return target?.Element ?? (target?.Open == true ? ModelShape.Anything : null);
                default:
                    Visit(expression, loops);
                    return null;
            }
        }

        private ModelShape? Field(ModelShape? target, ScriptNode at, string targetPath, string? name = null)
        {
            name ??= (at as ScriptVariable)?.Name ?? string.Empty;
            if (target is null || target.Open)
            {
                return target is null ? null : ModelShape.Anything;
            }

            if (target.Element is { } element)
            {
                switch (name)
                {
                    case "size":
                        return ModelShape.Value;
                    case "first" or "last":
                        return element;
                    default:
                        Report(at, $"\"{targetPath}\" is a list: it has size, first and last; loop over it with {{% for item in {targetPath} %}} to reach \"{name}\".");
                        return null;
                }
            }

            if (target.Fields is { } fields)
            {
                if (fields.TryGetValue(name, out var shape))
                {
                    return shape;
                }

                var hint = targetPath == "profile" ? " Other traits are under profile.traits." : string.Empty;
                Report(at, $"Unknown field \"{name}\" of \"{targetPath}\". It has: {string.Join(", ", fields.Keys)}.{hint}");
                return null;
            }

            Report(at, $"\"{targetPath}\" is a single value and has no field \"{name}\".");
            return null;
        }

        private void Filter(ScriptExpression? to, IReadOnlyDictionary<string, ModelShape> loops)
        {
            switch (to)
            {
                case ScriptFunctionCall call:
                    Function(call, loops, filter: true);
                    break;
                case ScriptVariable name:
                    CheckFilter(name);
                    break;
                case ScriptPipeCall chained:
                    Filter(chained.From, loops);
                    Filter(chained.To, loops);
                    break;
                default:
                    Visit(to, loops);
                    break;
            }
        }

        private void Function(ScriptFunctionCall call, IReadOnlyDictionary<string, ModelShape> loops, bool filter)
        {
            if (call.Target is ScriptVariable name)
            {
                if (filter)
                {
                    CheckFilter(name);
                }
                else if (!Filters.Contains(name.Name) && name.Name != "cycle")
                {
                    Report(name, $"\"{name.Name}\" is not available in campaign templates (no includes, functions or custom tags).");
                }
            }
            else
            {
                Visit(call.Target, loops);
            }

            foreach (var argument in call.Arguments ?? [])
            {
                Visit(argument, loops);
            }
        }

        private void CheckFilter(ScriptVariable name)
        {
            if (!Filters.Contains(name.Name))
            {
                Report(name, $"Unknown filter \"{name.Name}\". Available filters: {string.Join(", ", Filters.Order(StringComparer.Ordinal))}.");
            }
        }

        private void Report(ScriptNode at, string message) =>
            Issues.Add(new TemplateIssue(part, at.Span.Start.Line + 1, at.Span.Start.Column + 1, message));

        private static string Path(ScriptExpression? expression) => expression switch
        {
            ScriptVariable variable => variable.Name,
            ScriptMemberExpression member => Path(member.Target) + "." + member.Member?.Name,
            ScriptIndexerExpression indexer => Path(indexer.Target) + "[…]",
            _ => "value",
        };
    }
}
