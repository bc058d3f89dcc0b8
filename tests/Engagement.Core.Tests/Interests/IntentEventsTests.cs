using System.Text.Json;
using Engagement.Core.Events;
using Engagement.Core.Interests;
using Engagement.Core.Profiles;

namespace Engagement.Core.Tests.Interests;

public sealed class IntentEventsTests
{
    private static readonly DateTimeOffset Morning = new(2026, 11, 22, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnIntentBecomesATrackEventWithItsPropertiesAndEvidence()
    {
        var intent = Intent("travel-intent", Morning);

        var ev = IntentEvents.Create(intent, "pk-1", "user-1", "anon-1", "intents", Morning.AddMinutes(1));

        Assert.Equal(EventKind.Track, ev.Kind);
        Assert.Equal("Intent Detected", ev.Name);
        Assert.Equal(("user-1", "anon-1", "intents"), (ev.UserId, ev.AnonymousId, ev.SourceId));
        Assert.Equal(Morning, ev.Timestamp);
        Assert.Equal(Morning.AddMinutes(1), ev.ReceivedAt);
        using var properties = JsonDocument.Parse(ev.PropertiesJson!);
        var root = properties.RootElement;
        Assert.Equal("travel-intent", root.GetProperty("intent").GetString());
        Assert.Equal("probably going to travel", root.GetProperty("description").GetString());
        Assert.Equal(0.8123, root.GetProperty("confidence").GetDouble());
        var evidence = Assert.Single(root.GetProperty("evidence").EnumerateArray());
        Assert.Equal("page", evidence.GetProperty("kind").GetString());
        Assert.Equal("/letenky/praha-řím", evidence.GetProperty("text").GetString());
        Assert.Equal("letenk", evidence.GetProperty("keyword").GetString());
        Assert.Equal(Morning.AddHours(-1), evidence.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(1, evidence.GetProperty("contribution").GetDouble());
    }

    [Fact]
    public void TheMessageIdIsStableWithinAUtcDay()
    {
        var early = IntentEvents.Create(Intent("travel-intent", new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero)), "pk-1", "user-1", null, "intents", Morning);
        var late = IntentEvents.Create(Intent("travel-intent", new DateTimeOffset(2026, 11, 22, 23, 59, 59, TimeSpan.Zero), 0.9), "pk-1", null, "anon-1", "intents", Morning.AddDays(3));
        var lateInPrague = IntentEvents.Create(Intent("travel-intent", new DateTimeOffset(2026, 11, 23, 0, 30, 0, TimeSpan.FromHours(1))), "pk-1", "user-1", null, "other", Morning);

        Assert.Equal(early.MessageId, late.MessageId);
        Assert.Equal(early.MessageId, lateInPrague.MessageId);
        Assert.StartsWith("intent-", early.MessageId, StringComparison.Ordinal);
        Assert.True(early.MessageId.Length <= 100);
    }

    [Fact]
    public void TheMessageIdDiffersAcrossDaysProfilesAndIntents()
    {
        var ids = new[]
        {
            IntentEvents.MessageId("travel-intent", "pk-1", Morning),
            IntentEvents.MessageId("travel-intent", "pk-1", Morning.AddDays(1)),
            IntentEvents.MessageId("travel-intent", "pk-2", Morning),
            IntentEvents.MessageId("moving", "pk-1", Morning),
        };

        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void RedetectingTheSameEvidenceTheNextDayGivesTheSameEvent()
    {
        var detector = new IntentDetector(IntentRules.Default);
        var signals = new[]
        {
            new InterestSignal(InterestSignalKind.Page, "/reklamace", Morning.AddHours(-3)),
            new InterestSignal(InterestSignalKind.Page, "/vypoved-smlouvy", Morning),
        };

        var today = detector.Detect(signals, Morning.AddHours(1)).Single();
        var tomorrow = detector.Detect(signals, Morning.AddDays(1)).Single();

        Assert.Equal(
            IntentEvents.Create(today, "pk-1", "user-1", null, "intents", Morning.AddHours(1)).MessageId,
            IntentEvents.Create(tomorrow, "pk-1", "user-1", null, "intents", Morning.AddDays(1)).MessageId);
    }

    [Fact]
    public void AnIntentEventNeedsAnIdentity()
    {
        Assert.Throws<ArgumentException>(() => IntentEvents.Create(Intent("moving", Morning), "pk-1", null, "", "intents", Morning));
    }

    [Fact]
    public void AnIntentEventPassesThroughActivityCountingLikeAnyTrackEvent()
    {
        var summary = new ActivitySummary();

        summary.Apply(IntentEvents.Create(Intent("moving", Morning), "pk-1", "user-1", null, "intents", Morning));

        Assert.Equal(1, summary.ByEventName[IntentEvents.EventName]);
    }

    private static DetectedIntent Intent(string name, DateTimeOffset at, double confidence = 0.812345) => new(
        name,
        "probably going to travel",
        at,
        confidence,
        [new InterestEvidence(InterestSignalKind.Page, "/letenky/praha-řím", "letenk", Morning.AddHours(-1), 1)]);
}
