using Engagement.Core.Events;
using Engagement.Core.Interests;
using Engagement.Testing;

namespace Engagement.Core.Tests.Interests;

public sealed class InterestSignalsTests
{
    [Fact]
    public void APageViewGivesItsUrlAndTitleAtTheEventsTime()
    {
        var ev = EventBuilder.Page("https://www.example-finance.cz/cestovani/pojisteni-do-zahranici", "Cestovní pojištění")
            .WithId("m1").AtMinute(5).Build();

        var signals = InterestSignals.From(ev);

        Assert.Equal(
            [
                new InterestSignal(InterestSignalKind.Page, "https://www.example-finance.cz/cestovani/pojisteni-do-zahranici", EventBuilder.BaseTime.AddMinutes(5), 1, "m1"),
                new InterestSignal(InterestSignalKind.Title, "Cestovní pojištění", EventBuilder.BaseTime.AddMinutes(5), 1, "m1"),
            ],
            signals);
    }

    [Fact]
    public void APageNameOtherThanItsTitleAndItsCategoryAreSignalsToo()
    {
        var ev = EventBuilder.Page("https://www.example.cz/p/123", "Example | Produkt")
            .With(e => e with { Name = "Pojištění lyžařů" })
            .WithProperties("""{"category":"Sport","title":"Example | Produkt"}""")
            .Build();

        var signals = InterestSignals.From(ev);

        Assert.Equal(
            [(InterestSignalKind.Page, "https://www.example.cz/p/123"), (InterestSignalKind.Title, "Example | Produkt"), (InterestSignalKind.Title, "Pojištění lyžařů"), (InterestSignalKind.Category, "Sport")],
            signals.Select(s => (s.Kind, s.Text)));
    }

    [Fact]
    public void AnExternalReferrerIsASignalAndAnInternalOneIsNot()
    {
        var external = EventBuilder.Page("https://www.example.cz/a").WithReferrer("https://cestovani.idnes.cz/recko-dovolena").Build();
        var internalReferrer = EventBuilder.Page("https://www.example.cz/a").WithReferrer("https://example.cz/b").Build();

        var signal = Assert.Single(InterestSignals.From(external), s => s.Kind == InterestSignalKind.Referrer);
        Assert.Equal("https://cestovani.idnes.cz/recko-dovolena", signal.Text);
        Assert.Equal(InterestSignals.ReferrerWeight, signal.Weight);
        Assert.DoesNotContain(InterestSignals.From(internalReferrer), s => s.Kind == InterestSignalKind.Referrer);
    }

    [Fact]
    public void ATrackEventGivesItsNameAndProductCategoryNameAndQuery()
    {
        var ev = EventBuilder.Track("Product Viewed")
            .WithProperties("""{"category":"Cestovní pojištění","name":"Pojištění na hory","price":199,"query":"pojištění lyží"}""")
            .Build();

        var signals = InterestSignals.From(ev);

        Assert.Equal(
            [(InterestSignalKind.EventName, "Product Viewed"), (InterestSignalKind.Category, "Cestovní pojištění"), (InterestSignalKind.Title, "Pojištění na hory"), (InterestSignalKind.Search, "pojištění lyží")],
            signals.Select(s => (s.Kind, s.Text)));
    }

    [Fact]
    public void TheProductsOfAnOrderAreSignalsOnceEach()
    {
        var ev = EventBuilder.Track("Order Completed")
            .WithProperties("""{"products":[{"category":"Auto","name":"Havarijní pojištění"},{"category":"Auto","name":"Povinné ručení"},"junk",{"category":7}]}""")
            .Build();

        var signals = InterestSignals.From(ev);

        Assert.Equal(
            [(InterestSignalKind.EventName, "Order Completed"), (InterestSignalKind.Category, "Auto"), (InterestSignalKind.Title, "Havarijní pojištění"), (InterestSignalKind.Title, "Povinné ručení")],
            signals.Select(s => (s.Kind, s.Text)));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("\"text\"")]
    [InlineData("{\"category\":{\"nested\":\"x\"},\"name\":null}")]
    [InlineData("")]
    public void BadOrUnusablePropertiesAreIgnored(string properties)
    {
        var ev = EventBuilder.Track("Quote Requested").WithProperties(properties).Build();

        var signal = Assert.Single(InterestSignals.From(ev));

        Assert.Equal(InterestSignalKind.EventName, signal.Kind);
    }

    [Fact]
    public void DeeplyNestedPropertiesAreIgnoredNotThrown()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100);
        var ev = EventBuilder.Track("Quote Requested").WithProperties(deep).Build();

        Assert.Single(InterestSignals.From(ev));
    }

    [Theory]
    [InlineData(EventKind.AdImpression, InterestSignals.AdImpressionWeight)]
    [InlineData(EventKind.AdClick, 1)]
    [InlineData(EventKind.AdConversion, 1)]
    public void AnAdGivesItsDomainWeightedByWhatHappened(EventKind kind, double weight)
    {
        var ev = EventBuilder.Ad(kind, "cestovani.cz", "leto").Build();

        var signal = Assert.Single(InterestSignals.From(ev));

        Assert.Equal((InterestSignalKind.AdDomain, "cestovani.cz", weight, ev.MessageId), (signal.Kind, signal.Text, signal.Weight, signal.EventId));
    }

    [Fact]
    public void IdentifyGroupAndAliasSayNothing()
    {
        Assert.Empty(InterestSignals.From(EventBuilder.Identify("""{"category":"travel"}""").Build()));
        Assert.Empty(InterestSignals.From(EventBuilder.Group("acme").Build()));
        Assert.Empty(InterestSignals.From(EventBuilder.Alias("a", "b").Build()));
    }

    [Fact]
    public void IntentEventsDoNotFeedOnThemselves()
    {
        var ev = EventBuilder.Track(IntentEvents.EventName).WithProperties("""{"intent":"travel-intent","category":"travel"}""").Build();

        Assert.Empty(InterestSignals.From(ev));
    }

    [Fact]
    public void SignalsFromAnEventScoreAsOneVisit()
    {
        var ev = EventBuilder.Page("https://www.example.cz/cestovani/letenky", "Letenky do Řecka").Build();
        var scorer = new InterestScorer(InterestTaxonomy.Default);

        var travel = scorer.Score(InterestSignals.From(ev), EventBuilder.BaseTime).Single(s => s.Id == "travel");

        Assert.Equal(1.0, travel.Evidence.Sum(e => e.Contribution), 9);
    }
}
