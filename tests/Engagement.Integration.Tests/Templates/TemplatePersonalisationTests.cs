using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Templates;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Templates;

/// <summary>Templates rendered for a profile built by ingesting events into Azurite.</summary>
[Collection(SharedAzurite.Name)]
public sealed class TemplatePersonalisationTests(AzuriteFixture azurite)
{
    private T Get<T>()
        where T : notnull => azurite.Services.Get<T>();

    [Fact]
    public async Task AProfileBuiltFromEventsAcrossIdentitiesRendersItsTraitsAndLatestProducts()
    {
        var userId = "tpl-" + Guid.NewGuid().ToString("N");
        var anonymousId = "anon-" + Guid.NewGuid().ToString("N");
        var at = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
        await Get<IngestionHandler>().HandleAsync(
        [
            Event(EventKind.Track, anonymousId: anonymousId, name: "Product Viewed", at: at, properties: """{"product_id":"k1","name":"Kayak","price":640,"url":"https://shop.example/k1","image_url":"https://img.example/k1.jpg"}"""),
            Event(EventKind.Identify, userId: userId, anonymousId: anonymousId, at: at.AddMinutes(1), traits: """{"first_name":"Eva & Jan","lastName":"Nováková","email":"eva@example.cz"}"""),
            Event(EventKind.Track, userId: userId, name: "Product Viewed", at: at.AddMinutes(2), properties: """{"product_id":"p1","name":"Paddle","price":"45.5"}"""),
            Event(EventKind.Track, userId: userId, name: "Product Added", at: at.AddMinutes(3), properties: """{"product_id":"k1","name":"Kayak","price":640}"""),
            Event(EventKind.Track, userId: userId, name: "Order Completed", at: at.AddMinutes(4), properties: """{"total":685.5}"""),
        ]);
        var template = new CampaignTemplate("t", "{{ profile.firstName }} {{ profile.lastName }}", "{{ profile.email }}",
            "{% for p in products %}<li>{{ p.name }} {{ p.price }} {{ p.action }}</li>{% endfor %}", "{{ products.size }}");

        var data = await Get<TemplatePersonalisation>().GatherAsync(userId, "https://x.example/u", "https://x.example/p", new CampaignContext("c", null));
        var rendered = TemplateRenderer.Render(template, data!).Message!;

        Assert.Equal("Eva & Jan Nováková", rendered.Subject);
        Assert.Equal("eva@example.cz", rendered.Preheader);
        Assert.Equal("<li>Kayak 640 added</li><li>Paddle 45.5 viewed</li>", rendered.Html);
        Assert.Equal("2", rendered.Text);
    }

    [Fact]
    public async Task ABatchOfSubjectKeysIsLookedUpAtOnceAndOnlyThoseWithAProfileAreGatheredFromStorage()
    {
        var users = Enumerable.Range(0, 20).Select(i => $"batch{i}-" + Guid.NewGuid().ToString("N")).ToList();
        var at = new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
        await Get<IngestionHandler>().HandleAsync(users.Take(17).Select(u => Event(EventKind.Identify, userId: u, at: at, traits: """{"firstName":"Ivana"}""")).ToList());
        var keys = users.Select(u => Get<Pseudonymizer>().KeyOf(IdentityRef.User(u)).Value).ToList();

        // More keys than one query names: the lookup spans several queries.
        var withProfiles = await Get<TemplatePersonalisation>().WithProfilesAsync(keys);
        var known = await Get<TemplatePersonalisation>().GatherForSubjectKeyAsync(keys[0], "u", "p", new CampaignContext("c", null), mayHaveProfile: true);
        var bare = await Get<TemplatePersonalisation>().GatherForSubjectKeyAsync(keys[19], "u", "p", new CampaignContext("c", null), mayHaveProfile: false);

        Assert.Equal(keys.Take(17).Order(StringComparer.Ordinal), withProfiles.Order(StringComparer.Ordinal));
        var template = new CampaignTemplate("t", "{{ profile.firstName | default: 'customer' }}", "p", "<p>h</p>", "t");
        Assert.Equal("Ivana", TemplateRenderer.Render(template, known).Message!.Subject);
        Assert.Equal("customer", TemplateRenderer.Render(template, bare).Message!.Subject);
    }

    [Fact]
    public async Task NothingIsGatheredForSomeoneUnknown()
    {
        Assert.Null(await Get<TemplatePersonalisation>().GatherAsync("nobody-" + Guid.NewGuid().ToString("N"), "u", "p", new CampaignContext("c", null)));
    }

    private static EngagementEvent Event(EventKind kind, DateTimeOffset at, string? userId = null, string? anonymousId = null, string? name = null, string? properties = null, string? traits = null) => new()
    {
        MessageId = Guid.NewGuid().ToString("N"),
        Kind = kind,
        SourceId = "templates",
        UserId = userId,
        AnonymousId = anonymousId,
        Name = name,
        PropertiesJson = properties,
        TraitsJson = traits,
        Timestamp = at,
        ReceivedAt = at,
    };
}
