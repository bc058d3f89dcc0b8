using Engagement.Infrastructure.Templates;

namespace Engagement.Integration.Tests.Templates;

/// <summary>Save-time checks of campaign templates: what is rejected, and where it is reported.</summary>
public sealed class TemplateValidatorTests
{
    [Fact]
    public void AValidTemplateUsingTheWholeModelHasNoIssues()
    {
        var template = new CampaignTemplate(
            "Welcome",
            "Hi {{ profile.firstName | default: 'there' }}",
            "{% if offer %}{{ offer.family }} for you{% endif %}",
            """
            {% assign greeting = 'Hello' %}<p>{{ greeting }} {{ profile.traits.tier }}</p>
            <table>{% for p in products limit: 3 %}<tr><td>{{ forloop.index }}</td><td><a href="{{ p.url }}">{{ p.name }}</a></td><td>{{ p.price | round: 2 }}</td><td><img src="{{ p.image }}"></td></tr>{% endfor %}</table>
            {% for i in profile.interests %}{{ i.name }} {{ i.score }}{% endfor %}{{ products.size }} {{ products.first.name }}
            {% capture footer %}<a href="{{ unsubscribe_url }}">Unsubscribe</a>{% endcapture %}{{ footer | raw }} {{ campaign.name }} {{ campaign.variant }}
            """,
            "Hi {{ profile.firstName }}, see {{ preferences_url }}");

        Assert.Equal([], TemplateValidator.Validate(template).Select(i => i.ToString()));
    }

    [Fact]
    public void ASyntaxErrorIsReportedWithItsLineAndColumn()
    {
        var issues = TemplateValidator.Validate(TemplatePart.Html, "<p>Hello</p>\n<p>{{ profile.firstName | }}</p>");

        var issue = Assert.Single(issues);
        Assert.Equal(TemplatePart.Html, issue.Part);
        Assert.Equal(2, issue.Line);
        Assert.Equal(27, issue.Column);
        Assert.StartsWith("Liquid syntax error", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnclosedBlockIsReportedWhereItOpens()
    {
        var issue = Assert.Single(TemplateValidator.Validate(TemplatePart.Text, "Hi\n{% if offer %}an offer"));

        Assert.Equal((2, 4), (issue.Line, issue.Column));
        Assert.Contains("endif", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownFieldIsReportedAtTheFieldWithTheFieldsThatExist()
    {
        var issue = Assert.Single(TemplateValidator.Validate(TemplatePart.Subject, "Hi {{ profile.frstName }}!"));

        Assert.Equal((1, 15), (issue.Line, issue.Column));
        Assert.Contains("\"frstName\"", issue.Message, StringComparison.Ordinal);
        Assert.Contains("firstName", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownVariableIsReportedAtItsStart()
    {
        var issue = Assert.Single(TemplateValidator.Validate(TemplatePart.Html, "<p>\n  {% if customer.vip %}VIP{% endif %}</p>"));

        Assert.Equal((2, 9), (issue.Line, issue.Column));
        Assert.Contains("Unknown variable \"customer\"", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownFieldOfALoopItemIsReported()
    {
        var issue = Assert.Single(TemplateValidator.Validate(TemplatePart.Html, "{% for p in products %}{{ p.title }}{% endfor %}"));

        Assert.Equal((1, 29), (issue.Line, issue.Column));
        Assert.Contains("Unknown field \"title\" of \"p\"", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLoopVariableAndForloopAreUnknownOutsideTheLoop()
    {
        var issues = TemplateValidator.Validate(TemplatePart.Text, "{% for p in products %}{{ p.name }}{% endfor %}{{ p.name }} {{ forloop.index }}");

        Assert.Equal(["Unknown variable \"p\"", "forloop is only available"], issues.Select(i => i.Message[..(i.Message.StartsWith('U') ? 20 : 25)]));
    }

    [Fact]
    public void AnUnknownFilterIsReportedAtTheFilterName()
    {
        var issue = Assert.Single(TemplateValidator.Validate(TemplatePart.Text, "{{ profile.firstName | upcase | shout: 3 }}"));

        Assert.Equal((1, 33), (issue.Line, issue.Column));
        Assert.Contains("Unknown filter \"shout\"", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VariablesAreCheckedInsideEveryKindOfBlock()
    {
        const string source = """
            {% if offer %}a{% elsif profile.tierr %}b{% else %}{{ campaign.nam }}{% endif %}
            {% unless profile.vip %}c{% endunless %}
            {% case profile.traits.tier %}{% when 'gold' %}{{ offer.familly }}{% endcase %}
            {% tablerow p in products cols: 2 %}{{ p.nme }}{% endtablerow %}
            {{ products[0].name }} {{ profile["email"] }} {{ profile["mail"] }}
            """;

        var issues = TemplateValidator.Validate(TemplatePart.Html, source);

        Assert.Equal(
            [(1, 33, "tierr"), (1, 64, "nam"), (2, 19, "vip"), (3, 57, "familly"), (4, 42, "nme"), (5, 58, "mail")],
            issues.Select(i => (i.Line, i.Column, i.Message.Split('"')[1])));
    }

    [Fact]
    public void IncludesAreRefused()
    {
        var issue = Assert.Single(TemplateValidator.Validate(TemplatePart.Html, "{% include 'footer' %}"));

        Assert.Contains("\"include\" is not available", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryIssueOfEveryPartIsReported()
    {
        var template = new CampaignTemplate("x", "{{ profil.firstName }}", "{{ offer.price }}", "{{ products.name }}", "{% if %}");

        var issues = TemplateValidator.Validate(template);

        Assert.Equal([TemplatePart.Subject, TemplatePart.Preheader, TemplatePart.Html, TemplatePart.Text], issues.Select(i => i.Part).Distinct());
        Assert.Contains("is a list", issues[2].Message, StringComparison.Ordinal);
    }
}
