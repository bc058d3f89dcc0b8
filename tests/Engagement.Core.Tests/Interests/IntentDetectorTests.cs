using Engagement.Core.Interests;
using static Engagement.Testing.InterestSignalBuilder;

namespace Engagement.Core.Tests.Interests;

public sealed class IntentDetectorTests
{
    private static readonly IntentDetector Detector = new(IntentRules.Default);

    [Fact]
    public void TravelIntentFiresWithEnoughSignalsWithinTheWindow()
    {
        var intents = Detector.Detect([Page("/cestovani/pojisteni-do-zahranici", daysAgo: 3), Page("/letenky/praha-barcelona", daysAgo: 1)], Now);

        var travel = Assert.Single(intents);
        Assert.Equal("travel-intent", travel.Intent);
        Assert.Equal("probably going to travel", travel.Description);
        Assert.Equal(Now.AddDays(-1), travel.At);
        Assert.Equal(0.75, travel.Confidence, 9);
        Assert.Equal(["/cestovani/pojisteni-do-zahranici", "/letenky/praha-barcelona"], travel.Evidence.Select(e => e.Text).Order());
    }

    [Fact]
    public void OneSignalIsNotEnough()
    {
        Assert.Empty(Detector.Detect([Page("/letenky/praha-barcelona")], Now));
    }

    [Fact]
    public void SignalsOutsideTheWindowDoNotCount()
    {
        var intents = Detector.Detect([Page("/cestovani/pojisteni-do-zahranici", daysAgo: 8), Page("/letenky/praha-barcelona", daysAgo: 1)], Now);

        Assert.Empty(intents);
    }

    [Fact]
    public void SignalsAfterNowDoNotCount()
    {
        var intents = Detector.Detect([Page("/cestovani/pojisteni-do-zahranici", daysAgo: 1), Page("/letenky/praha-barcelona", daysAgo: -1)], Now);

        Assert.Empty(intents);
    }

    [Fact]
    public void TheWindowMovesWithNow()
    {
        var signals = new[] { Page("/cestovani/pojisteni-do-zahranici", daysAgo: 10), Page("/letenky/praha-barcelona", daysAgo: 9) };

        Assert.Empty(Detector.Detect(signals, Now));
        Assert.Single(Detector.Detect(signals, Now.AddDays(-8)));
    }

    [Fact]
    public void TheUrlAndTitleOfOnePageViewCountOnce()
    {
        var intents = Detector.Detect([Page("/letenky/praha-barcelona", eventId: "m1"), Title("Letenky Praha – Barcelona", eventId: "m1")], Now);

        Assert.Empty(intents);
    }

    [Fact]
    public void AReloadedPageCountsOnce()
    {
        var intents = Detector.Detect(
            [Page("https://www.example.cz/letenky/praha-barcelona", daysAgo: 1), Page("https://www.example.cz/letenky/Praha-Barcelona?utm_source=email", daysAgo: 0.9)],
            Now);

        Assert.Empty(intents);
    }

    [Fact]
    public void AnEventWithSomethingNewCountsEvenIfPartOfItWasSeen()
    {
        var intents = Detector.Detect(
            [
                Page("/reklamace", daysAgo: 2, eventId: "m1"), Title("Reklamace a stížnosti", daysAgo: 2, eventId: "m1"),
                Page("/reklamace/formular", daysAgo: 1, eventId: "m2"), Title("Reklamace a stížnosti", daysAgo: 1, eventId: "m2"),
            ],
            Now);

        Assert.Equal("dissatisfied", Assert.Single(intents).Intent);
    }

    [Theory]
    [InlineData("https://www.example-finance.cz/reklamace", "https://www.example-finance.cz/srovnani-uctu")]
    [InlineData("https://www.example-finance.cz/podat-stiznost", "https://www.example-finance.cz/vypoved-smlouvy")]
    [InlineData("https://www.example-finance.cz/stížnosti", "https://www.example-finance.cz/zrušení-smlouvy")]
    [InlineData("https://www.example.com/help/complaints", "https://www.example.com/compare-accounts")]
    [InlineData("https://www.example.com/account/cancel-subscription", "https://www.example.com/help/how-to-file-a-complaint")]
    public void VisitsToComplaintCancellationAndComparisonPagesMeanDissatisfaction(string first, string second)
    {
        var intents = Detector.Detect([Page(first, daysAgo: 5), Page(second, daysAgo: 2)], Now);

        var intent = Assert.Single(intents);
        Assert.Equal("dissatisfied", intent.Intent);
        Assert.Equal("probably not satisfied", intent.Description);
    }

    [Fact]
    public void MovingIsDetectedFromMovingPagesAndSearches()
    {
        var intents = Detector.Detect(
            [Page("https://www.example.cz/stehovani/checklist", daysAgo: 10), Signal(InterestSignalKind.Search, "přepis energií na nový byt", daysAgo: 3)],
            Now);

        Assert.Equal(["moving"], intents.Select(i => i.Intent));
    }

    [Fact]
    public void MoreEvidenceMeansMoreConfidenceAndConfidenceStaysBelowOne()
    {
        var two = Detector.Detect([Page("/reklamace"), Page("/stiznost")], Now).Single();
        var many = Detector.Detect(Enumerable.Range(0, 30).Select(i => Page($"/reklamace/{(char)('a' + (i % 26))}{(char)('a' + (i / 26))}")), Now).Single();

        Assert.True(many.Confidence > two.Confidence);
        Assert.InRange(many.Confidence, 0, 1);
        Assert.Equal(IntentDetector.MaxEvidence, many.Evidence.Count);
    }

    [Fact]
    public void WeakEvidenceGivesLowConfidence()
    {
        var intents = Detector.Detect([AdDomain("sauto.cz", weight: 0.2), AdDomain("tipcars.com", weight: 0.2)], Now);

        var carPurchase = Assert.Single(intents);
        Assert.True(carPurchase.Confidence < 0.2);
    }

    [Fact]
    public void SeveralIntentsAreReportedMostConfidentFirst()
    {
        var intents = Detector.Detect(
            [Page("/reklamace"), Page("/stiznost"), Page("/srovnani"), Page("/letenky/a"), Page("/zajezdy/b")],
            Now);

        Assert.Equal(["dissatisfied", "travel-intent"], intents.Select(i => i.Intent));
    }

    [Fact]
    public void DetectionIsDeterministicWhateverTheOrderOfSignals()
    {
        var signals = new[]
        {
            Page("/reklamace", daysAgo: 1, eventId: "a"), Title("Reklamace", daysAgo: 1, eventId: "a"),
            Page("/srovnani-uctu", daysAgo: 2), Page("/letenky/x", daysAgo: 3), Page("/zajezdy/y", daysAgo: 3),
            Page("/stehovani", daysAgo: 3), Page("/zmena-adresy", daysAgo: 3),
        };
        var expected = Describe(Detector.Detect(signals, Now));

        for (var seed = 0; seed < 20; seed++)
        {
            var shuffled = signals.ToArray();
            new Random(seed).Shuffle(shuffled);

            Assert.Equal(expected, Describe(Detector.Detect(shuffled, Now)));
        }
    }

    [Fact]
    public void NoRulesDetectNothing()
    {
        var detector = new IntentDetector(new IntentRules([]));

        Assert.Empty(detector.Detect([Page("/reklamace"), Page("/stiznost")], Now));
    }

    private static List<string> Describe(IReadOnlyList<DetectedIntent> intents) =>
    [
        .. intents.Select(i => $"{i.Intent}|{i.At:O}|{i.Confidence:R}|" + string.Join(";", i.Evidence.Select(e => $"{e.Kind}|{e.Text}|{e.Keyword}|{e.At:O}|{e.Contribution:R}"))),
    ];
}
