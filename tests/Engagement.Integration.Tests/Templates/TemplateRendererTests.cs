using System.Text.Json;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Templates;

namespace Engagement.Integration.Tests.Templates;

/// <summary>Rendering campaign templates for one person.</summary>
public sealed class TemplateRendererTests
{
    [Fact]
    public void AMaliciousTraitIsEncodedInTheHtmlPartButNotInTheText()
    {
        var data = Data(traits: new() { ["firstName"] = "<script>alert(1)</script>" });
        var template = new CampaignTemplate("t", "Hi {{ profile.firstName }}", string.Empty, "<p>Hi {{ profile.firstName }}</p>", "Hi {{ profile.firstName }}");

        var rendered = Rendered(template, data);

        Assert.Equal("<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;</p>", rendered.Html);
        Assert.Equal("Hi <script>alert(1)</script>", rendered.Text);
        Assert.Equal("Hi <script>alert(1)</script>", rendered.Subject);
    }

    [Fact]
    public void OnlyRawOutputIsWrittenUnencoded()
    {
        var data = Data(traits: new() { ["banner"] = "<b>Sale</b>" });
        var template = new CampaignTemplate("t", "s", string.Empty, "{{ profile.traits.banner | raw }}|{{ profile.traits.banner }}", "t");

        Assert.Equal("<b>Sale</b>|&lt;b&gt;Sale&lt;/b&gt;", Rendered(template, data).Html);
    }

    [Fact]
    public void ConditionalBlocksFollowTheOfferAndTraits()
    {
        var template = new CampaignTemplate("t", "s", "{% if offer %}Try {{ offer.family }}{% else %}News{% endif %}", "{% if profile.traits.vip %}VIP{% else %}Member{% endif %}", "t");

        var withOffer = Rendered(template, Data(traits: new() { ["vip"] = true }, offer: new OfferInsight("mortgage", 0.4, 2.1, [])));
        var without = Rendered(template, Data());

        Assert.Equal(("Try mortgage", "VIP"), (withOffer.Preheader, withOffer.Html));
        Assert.Equal(("News", "Member"), (without.Preheader, without.Html));
    }

    [Fact]
    public void TheProductTableHasARowPerProduct()
    {
        var products = new[]
        {
            new ProductLine("p1", "Trail shoe", 89.9m, "https://shop.example/p1", "https://img.example/p1.jpg", "shoes", "added"),
            new ProductLine("p2", "Rain & wind jacket", 120m, "https://shop.example/p2", null, null, "viewed"),
        };
        var template = new CampaignTemplate("t", "s", string.Empty,
            "{% for p in products %}<tr><td>{{ forloop.index }}</td><td>{{ p.name }}</td><td>{{ p.price }}</td><td>{{ p.action }}</td></tr>{% endfor %}", "t");

        var html = Rendered(template, Data(products: products)).Html;

        Assert.Equal("<tr><td>1</td><td>Trail shoe</td><td>89.9</td><td>added</td></tr><tr><td>2</td><td>Rain &amp; wind jacket</td><td>120</td><td>viewed</td></tr>", html);
    }

    [Fact]
    public void MissingOptionalValuesRenderEmptyOrTheirDefault()
    {
        var template = new CampaignTemplate("t", "Hi {{ profile.firstName | default: 'there' }}", "{{ offer.family }}", "[{{ profile.lastName }}][{{ products.first.name }}][{{ profile.traits.none }}]", "{{ profile.email }}");

        var rendered = Rendered(template, Data());

        Assert.Equal(new RenderedMessage("Hi there", string.Empty, "[][][]", string.Empty), rendered);
    }

    [Fact]
    public void LinksAndCampaignAreAvailable()
    {
        var template = new CampaignTemplate("t", "{{ campaign.name }}/{{ campaign.variant }}", string.Empty, "<a href=\"{{ unsubscribe_url }}\">x</a>", "{{ preferences_url }}");

        var rendered = Rendered(template, Data());

        Assert.Equal("Spring/B", rendered.Subject);
        Assert.Equal("<a href=\"https://e360.example/u?a=1&amp;b=2\">x</a>", rendered.Html);
        Assert.Equal("https://e360.example/p", rendered.Text);
    }

    [Fact]
    public void AProductLineIsReadFromSegmentProductProperties()
    {
        var product = TemplateModel.ProductFrom("""{"product_id":"sku-1","name":"Tent","price":"199.5","url":"https://shop.example/t","image_url":"https://img.example/t.jpg"}""", "viewed");

        Assert.Equal(new ProductLine("sku-1", "Tent", 199.5m, "https://shop.example/t", "https://img.example/t.jpg", null, "viewed"), product);
        Assert.Null(TemplateModel.ProductFrom("""{"currency":"EUR"}""", "viewed"));
    }

    [Fact]
    public void AFilterThatFailsOnThisPersonsDataIsReportedWithItsPosition()
    {
        var template = new CampaignTemplate("t", "s", string.Empty, "<p>\n{{ profile.traits.points | round: 1 }}</p>", "t");

        var outcome = TemplateRenderer.Render(template, Data(traits: new() { ["points"] = "many" }));

        Assert.Null(outcome.Message);
        Assert.Equal((TemplatePart.Html, 2), (outcome.Failure!.Part, outcome.Failure.Line));
    }

    [Fact]
    public void ALineBreakInATraitDoesNotBreakTheSubjectLine()
    {
        var template = new CampaignTemplate("t", "Hi {{ profile.firstName }}", "{{ profile.firstName }}", "h", "t");

        var rendered = Rendered(template, Data(traits: new() { ["firstName"] = "Ann\r\nBcc: x@example.com" }));

        Assert.Equal(("Hi Ann Bcc: x@example.com", "Ann Bcc: x@example.com"), (rendered.Subject, rendered.Preheader));
    }

    [Fact]
    public void ProductAddressesThatAreNotWebAddressesAreLeftOut()
    {
        var product = TemplateModel.ProductFrom("""{"name":"Tent","url":"javascript:alert(1)","image_url":"data:image/png;base64,AAAA"}""", "viewed");

        Assert.Equal((null, null), (product!.Url, product.Image));
    }

    [Fact]
    public void NothingOnePersonsRenderLeavesBehindReachesTheNextPersonsMessage()
    {
        // Rendering contexts are reused: what a template assigns, captures or counts for one person, and what a render
        // that failed midway left, must be gone for the next one.
        var template = TemplateRenderer.Parse(new CampaignTemplate(
            "t", "{{ seen }}{% assign seen = profile.firstName %}",
            "{{ kept }}{% capture kept %}{{ profile.firstName }}{% endcapture %}",
            "{{ profile.traits.points | round: 1 }}<p>{% increment visits %}{{ seen }}</p>{% assign seen = profile.firstName %}",
            "{{ seen }}{% for i in (1..3) %}{{ i }}{% endfor %}"));

        var first = TemplateRenderer.Render(template, Data(traits: new() { ["firstName"] = "Anna", ["points"] = 3 }));
        var failed = TemplateRenderer.Render(template, Data(traits: new() { ["firstName"] = "Eva", ["points"] = "many" }));
        var second = TemplateRenderer.Render(template, Data(traits: new() { ["firstName"] = "Petr", ["points"] = 5 }));

        // Within one person's message the parts share that person's variables; across people nothing is shared.
        Assert.NotNull(failed.Failure);
        Assert.Equal(("", "", "3<p>Anna</p>", "Anna123"), (first.Message!.Subject, first.Message.Preheader, first.Message.Html, first.Message.Text));
        Assert.Equal(("", "", "5<p>Petr</p>", "Petr123"), (second.Message!.Subject, second.Message.Preheader, second.Message.Html, second.Message.Text));
    }

    [Fact]
    public void RendersSideBySideKeepEachPersonsOwnData()
    {
        var template = TemplateRenderer.Parse(new CampaignTemplate("t", "Hi {{ profile.firstName }}", string.Empty, "<p>{{ profile.firstName }}</p>", "{{ profile.firstName }}"));
        var names = Enumerable.Range(0, 400).Select(i => "Name" + i).ToList();

        var rendered = new System.Collections.Concurrent.ConcurrentDictionary<string, RenderedMessage>();
        Parallel.ForEach(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, name =>
            rendered[name] = TemplateRenderer.Render(template, Data(traits: new() { ["firstName"] = name })).Message!);

        Assert.All(names, name => Assert.Equal(("Hi " + name, "<p>" + name + "</p>", name), (rendered[name].Subject, rendered[name].Html, rendered[name].Text)));
    }

    private static RenderedMessage Rendered(CampaignTemplate template, TemplateData data) => TemplateRenderer.Render(template, data).Message!;

    private static TemplateData Data(Dictionary<string, object>? traits = null, OfferInsight? offer = null, IReadOnlyList<ProductLine>? products = null)
    {
        var profile = new Profile360
        {
            ProfileKey = "k",
            UserId = "u-1",
            AnonymousIds = [],
            Traits = (traits ?? []).ToDictionary(t => t.Key, t => (object?)JsonSerializer.SerializeToElement(t.Value)),
            Groups = [],
            CountsByType = new Dictionary<string, long>(),
            CountsByEvent = new Dictionary<string, long>(),
            Pages = new Dictionary<string, long>(),
            AdDomains = new Dictionary<string, AdStats>(),
            AdCampaigns = new Dictionary<string, AdStats>(),
            RecentEvents = [],
        };
        return new TemplateData(profile, products ?? [], offer, "https://e360.example/u?a=1&b=2", "https://e360.example/p", new CampaignContext("Spring", "B"));
    }
}
