using Engagement.Core.Interests;
using Engagement.Testing;
using static Engagement.Testing.InterestSignalBuilder;

namespace Engagement.Core.Tests.Interests;

public sealed class InterestScorerTests
{
    private static readonly InterestScorer Scorer = new(InterestTaxonomy.Default);

    [Theory]
    [InlineData("https://www.example-finance.cz/cestovani/pojisteni-do-zahranici", "travel", "insurance")]
    [InlineData("https://www.example-finance.cz/sport/pojisteni-lyzaru", "sport", "insurance")]
    [InlineData("https://www.example-finance.cz/rodina/detske-sporeni", "family", "finance")]
    [InlineData("https://www.example-finance.cz/zivotni-situace/narozeni-ditete", "new_baby", "family")]
    [InlineData("https://www.example-finance.cz/penze/kalkulacka-duchodu", "retirement", "finance")]
    [InlineData("https://www.example-finance.cz/auto/uver-na-auto", "cars", "finance")]
    [InlineData("https://www.example-finance.cz/en/travel/travel-insurance", "travel", "insurance")]
    [InlineData("/cestování/dovolená-řecko", "travel")]
    [InlineData("/cestovani/dovolena-recko", "travel")]
    [InlineData("https://www.cestovka.cz/letenky/praha-londyn?trida=ekonomy", "travel")]
    [InlineData("https://shop.example.cz/lyže/sjezdové-lyže-2026", "sport")]
    [InlineData("https://www.example.com/blog/best-hiking-trails-in-the-alps", "sport")]
    [InlineData("https://www.example.cz/hypotéka/kalkulačka-hypotéky", "housing", "finance")]
    [InlineData("https://reality.example.cz/prodej/byty/praha-3-zizkov-2+kk", "housing")]
    [InlineData("https://www.example.com/mortgages/first-time-buyer", "housing")]
    [InlineData("https://www.example.cz/stěhování-bytu-praha", "moving")]
    [InlineData("https://www.example.com/help/change-of-address", "moving")]
    [InlineData("https://www.example.cz/svatební-šaty/krajkové", "wedding", "fashion")]
    [InlineData("https://www.example.com/weddings/bridal-gowns", "wedding")]
    [InlineData("https://www.example.cz/těhotenství/porodnice-praha", "new_baby")]
    [InlineData("https://www.example.com/pregnancy/due-date-calculator", "new_baby")]
    [InlineData("https://www.example.cz/damske-obleceni/zimni-bundy", "fashion")]
    [InlineData("https://www.example.com/women/shoes/sneakers", "fashion")]
    [InlineData("https://www.example.cz/ojetá-auta/škoda-octavia-combi", "cars")]
    [InlineData("https://www.example.com/used-cars/electric-vehicles", "cars")]
    [InlineData("https://www.example.cz/povinné-ručení/srovnání", "insurance")]
    [InlineData("https://www.example.com/insurance/life-cover-quote", "insurance")]
    [InlineData("https://www.example.cz/investice/podílové-fondy", "finance")]
    [InlineData("https://www.example.com/retirement/pension-calculator", "retirement", "finance")]
    [InlineData("https://www.kb.cz/cs/obcane/ucty/bezny-ucet", "finance")]
    [InlineData("https://www.sportisimo.cz/panske-bezecke-boty/", "sport", "fashion")]
    [InlineData("https://www.amazon.co.uk/s?k=baby+stroller", "new_baby")]
    [InlineData("https://www.theguardian.com/money/2026/nov/20/how-to-save-for-retirement", "retirement", "finance")]
    public void CzechAndEnglishUrlsWithOrWithoutDiacriticsMapToTheirCategories(string url, params string[] expected)
    {
        var ids = Scorer.Score([Page(url)], Now).Select(s => s.Id).ToList();

        Assert.All(expected, id => Assert.Contains(id, ids));
    }

    [Theory]
    [InlineData("https://www.example.cz/o-nas/kontakt")]
    [InlineData("https://www.example.com/about/careers")]
    [InlineData("https://www.example.cz/ochrana-osobnich-udaju")]
    [InlineData("https://www.example.cz/uverejneni-smluv")]
    [InlineData("https://www.example.cz/penzion-u-lesa")]
    [InlineData("https://www.example.cz/muj-ucet/prihlaseni")]
    [InlineData("https://www.example.cz/autorizace-plateb")]
    [InlineData("https://www.example.com/privacy-policy")]
    [InlineData("https://www.example.com/home")]
    public void PagesAboutNothingInTheTaxonomyGiveNoInterest(string url)
    {
        Assert.Empty(Scorer.Score([Page(url)], Now));
    }

    [Fact]
    public void DiacriticsInTitlesAreFoldedBeforeMatching()
    {
        var withAccents = Scorer.Score([Title("Cestovní pojištění do zahraničí | Example")], Now);
        var without = Scorer.Score([Title("Cestovni pojisteni do zahranici | Example")], Now);

        Assert.Equal(["insurance", "travel"], withAccents.Select(s => s.Id).Order());
        Assert.Equal(withAccents.Select(s => s.Score), without.Select(s => s.Score));
    }

    [Theory]
    [InlineData("cestovani.cz", "travel")]
    [InlineData("www.cestovani.cz", "travel")]
    [InlineData("sport.cz", "sport")]
    [InlineData("isport.cz", "sport")]
    [InlineData("auto.cz", "cars")]
    [InlineData("maminka.cz", "family")]
    [InlineData("penize.cz", "finance")]
    [InlineData("m.sreality.cz", "housing")]
    [InlineData("https://www.booking.com/hotel/cz/example.html", "travel")]
    public void AdDomainsMapToTheirCategories(string domain, string expected)
    {
        var scores = Scorer.Score([AdDomain(domain)], Now);

        Assert.Equal(expected, Assert.Single(scores).Id);
    }

    [Fact]
    public void OnATieTheMoreSpecificRuleIsTheEvidence()
    {
        var byDomain = Scorer.Score([AdDomain("www.cestovani.cz")], Now).Single();
        var byPhrase = Scorer.Score([Page("/pojisteni/last-minute-zajezdy")], Now).Single(s => s.Id == "travel");

        Assert.Equal("cestovani.cz", byDomain.Evidence[0].Keyword);
        Assert.Equal("last minute", byPhrase.Evidence[0].Keyword);
    }

    [Fact]
    public void ADomainRuleMatchesSubdomainsButNotLookalikes()
    {
        var taxonomy = new InterestTaxonomy([new InterestCategory("cars", "Cars", [KeywordRule.Domain("garaz.cz")])]);
        var scorer = new InterestScorer(taxonomy);

        Assert.Single(scorer.Score([AdDomain("forum.garaz.cz")], Now));
        Assert.Empty(scorer.Score([AdDomain("mygaraz.cz")], Now));
        Assert.Empty(scorer.Score([AdDomain("garaz.cz.example.com")], Now));
    }

    [Fact]
    public void NewsDomainsSayNothing()
    {
        Assert.Empty(Scorer.Score([AdDomain("novinky.cz"), AdDomain("idnes.cz"), AdDomain("seznam.cz")], Now));
    }

    [Fact]
    public void ReferrersCountByTheirHostAndPath()
    {
        var scores = Scorer.Score([Signal(InterestSignalKind.Referrer, "https://cestovani.idnes.cz/chorvatsko-plaze-2026.A260101")], Now);

        Assert.Equal("travel", Assert.Single(scores).Id);
    }

    [Fact]
    public void OlderEvidenceWeighsLess()
    {
        var fresh = Scorer.Score([Page("/cestovani/letenky", daysAgo: 0)], Now).Single();
        var halfLifeOld = Scorer.Score([Page("/cestovani/letenky", daysAgo: 14)], Now).Single();
        var monthOld = Scorer.Score([Page("/cestovani/letenky", daysAgo: 30)], Now).Single();

        Assert.True(fresh.Score > halfLifeOld.Score);
        Assert.True(halfLifeOld.Score > monthOld.Score);
        Assert.Equal(1.0, fresh.Evidence[0].Contribution, 9);
        Assert.Equal(0.5, halfLifeOld.Evidence[0].Contribution, 9);
    }

    [Fact]
    public void TheHalfLifeIsConfigurable()
    {
        var scorer = new InterestScorer(InterestTaxonomy.Default, new InterestScorerOptions { HalfLife = TimeSpan.FromDays(2) });

        var score = scorer.Score([Page("/cestovani/letenky", daysAgo: 2)], Now).Single();

        Assert.Equal(0.5, score.Evidence[0].Contribution, 9);
    }

    [Fact]
    public void SignalsAfterNowAreIgnored()
    {
        var scores = Scorer.Score([Page("/cestovani/letenky", daysAgo: -1)], Now);

        Assert.Empty(scores);
    }

    [Fact]
    public void MoreEvidenceScoresHigherAndSaturatesBelowOne()
    {
        var one = Scorer.Score([Page("/cestovani/letenky")], Now).Single().Score;
        var two = Scorer.Score([Page("/cestovani/letenky"), Page("/cestovani/zajezdy")], Now).Single().Score;
        var many = Scorer.Score(Enumerable.Range(0, 500).Select(i => Page($"/cestovani/letenky-{i}x", eventId: "e" + i)), Now).Single().Score;

        Assert.True(one is > 0 and < 1);
        Assert.True(two > one);
        Assert.Equal(0.5, two, 9);
        Assert.True(many > two);
        Assert.True(many <= 1);
    }

    [Fact]
    public void ScoresAreBoundedWhateverTheWeights()
    {
        var signals = new[]
        {
            Signal(InterestSignalKind.Page, "/cestovani", weight: 1e300),
            Signal(InterestSignalKind.Page, "/sport", weight: 1e-300),
            Signal(InterestSignalKind.Page, "/auto", weight: double.NaN),
            Signal(InterestSignalKind.Page, "/bydleni", weight: -1),
            Signal(InterestSignalKind.Page, "/rodina", weight: double.PositiveInfinity),
        };

        var scores = new InterestScorer(InterestTaxonomy.Default, new InterestScorerOptions { MinScore = 0 }).Score(signals, Now);

        Assert.Equal(["sport", "travel"], scores.Select(s => s.Id).Order());
        Assert.All(scores, s => Assert.InRange(s.Score, 0, 1));
    }

    [Fact]
    public void TheSignalsOfOneEventCountOncePerInterest()
    {
        var onePageView = Scorer.Score([Page("/cestovani/letenky", eventId: "m1"), Title("Letenky levně", eventId: "m1")], Now).Single();
        var twoPageViews = Scorer.Score([Page("/cestovani/letenky", eventId: "m1"), Title("Letenky levně", eventId: "m2")], Now).Single();

        Assert.Equal(1.0, onePageView.Evidence.Sum(e => e.Contribution), 9);
        Assert.True(twoPageViews.Score > onePageView.Score);
    }

    [Fact]
    public void EvidenceListsTheStrongestItemsFirstAndIsCapped()
    {
        var signals = new List<InterestSignal>
        {
            Page("/cestovani/letenky", daysAgo: 20),
            Page("/cestovani/zajezdy", daysAgo: 1),
            Page("/cestovani/zajezdy", daysAgo: 2),
            AdDomain("cestovani.cz", weight: 0.2),
            Page("/dovolena/chorvatsko", daysAgo: 0),
        };
        signals.AddRange(Enumerable.Range(0, 10).Select(i => Page($"/blog/recko/ostrov-{(char)('a' + i)}{(char)('a' + i)}", daysAgo: 3)));

        var travel = Scorer.Score(signals, Now).Single(s => s.Id == "travel");

        Assert.Equal(5, travel.Evidence.Count);
        Assert.Equal("/cestovani/zajezdy", travel.Evidence[0].Text);
        Assert.Equal(Now.AddDays(-1), travel.Evidence[0].At);
        Assert.Equal("cestov", travel.Evidence[0].Keyword);
        Assert.Equal("/dovolena/chorvatsko", travel.Evidence[1].Text);
        Assert.Equal("dovolena", travel.Evidence[1].Keyword);
        Assert.Equal(travel.Evidence.OrderByDescending(e => e.Contribution).Select(e => e.Contribution), travel.Evidence.Select(e => e.Contribution));
        Assert.DoesNotContain(travel.Evidence, e => e.Kind == InterestSignalKind.AdDomain);
    }

    [Fact]
    public void TheStrongestKeywordOfASignalIsItsEvidence()
    {
        var score = Scorer.Score([Page("/blog/recko-letenky")], Now).Single(s => s.Id == "travel");

        Assert.Equal("letenk", Assert.Single(score.Evidence).Keyword);
        Assert.Equal(1.0, score.Evidence[0].Contribution, 9);
    }

    [Fact]
    public void ScoresAreDeterministicWhateverTheOrderOfSignals()
    {
        var signals = new List<InterestSignal>
        {
            Page("/cestovani/letenky", daysAgo: 3.3, eventId: "a"),
            Title("Letenky do Řecka", daysAgo: 3.3, eventId: "a"),
            Page("/sport/lyze", daysAgo: 1.1),
            AdDomain("sport.cz", daysAgo: 0.2, weight: 0.2),
            AdDomain("cestovani.cz", daysAgo: 7.9, weight: 0.2),
            Page("/auto/uver-na-auto", daysAgo: 12),
            Page("/penze/kalkulacka-duchodu", daysAgo: 40),
            Signal(InterestSignalKind.Search, "pojištění psa", daysAgo: 2),
        };
        var expected = Flatten(Scorer.Score(signals, Now));

        for (var seed = 0; seed < 20; seed++)
        {
            var shuffled = signals.ToArray();
            new Random(seed).Shuffle(shuffled);

            Assert.Equal(expected, Flatten(Scorer.Score(shuffled, Now)));
        }
    }

    [Fact]
    public void ScoresAreSortedStrongestFirst()
    {
        var scores = Scorer.Score([Page("/cestovani/letenky"), Page("/cestovani/zajezdy"), Page("/sport/lyze")], Now);

        Assert.Equal(["travel", "sport"], scores.Select(s => s.Id));
        Assert.Equal("Travel", scores[0].Name);
    }

    [Fact]
    public void InterestsBelowTheMinimumScoreAreLeftOut()
    {
        var scores = Scorer.Score([Page("/cestovani/letenky", daysAgo: 90)], Now);

        Assert.Empty(scores);
    }

    [Fact]
    public void FeatureValuesCoverEveryInterestWithZeroForTheAbsent()
    {
        var scores = Scorer.Score([Page("/cestovani/letenky")], Now);

        var values = Scorer.FeatureValues(scores);
        var vector = Scorer.FeatureVector(scores);

        Assert.Equal(InterestTaxonomy.Default.FeatureNames.Order(), values.Keys.Order());
        Assert.Equal((float)scores[0].Score, values["interest_travel"]);
        Assert.Equal(0f, values["interest_cars"]);
        Assert.Equal(InterestTaxonomy.Default.FeatureNames.Select(n => values[n]), vector);
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        var options = new InterestScorerOptions { HalfLife = TimeSpan.Zero, MaxEvidence = 0, MinScore = 1, HalfScoreEvidence = double.NaN };

        Assert.Equal(4, options.Validate().Count);
        Assert.Throws<ArgumentException>(() => new InterestScorer(InterestTaxonomy.Default, options));
    }

    private static List<string> Flatten(IReadOnlyList<InterestScore> scores) =>
    [
        .. scores.Select(s => $"{s.Id}={s.Score:R}:" + string.Join(";", s.Evidence.Select(e => $"{e.Kind}|{e.Text}|{e.Keyword}|{e.At:O}|{e.Contribution:R}"))),
    ];
}
