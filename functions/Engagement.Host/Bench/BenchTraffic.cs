using System.Text.Json;
using System.Text.Json.Nodes;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Core.Tracking;
using Engagement.Host.Demo;

namespace Engagement.Host.Bench;

/// <summary>
/// Endless, lazily generated web traffic for the benchmark: the demo's visitors (sessions of page views, logins,
/// product views, orders), a fixed number of them active at once and interleaved message by message, so a delivery
/// holds several events of each of many identities, as live traffic does. Only the active visitors are held in
/// memory, whatever the number of events drawn.
/// </summary>
internal sealed class BenchTraffic
{
    /// <summary>Messages per tracking request, as the demo's Segment client sends them.</summary>
    public const int MessagesPerRequest = 100;

    private readonly DemoTraffic _visitors;
    private readonly Queue<JsonObject>?[] _active;
    private readonly Random _pick;
    private readonly SegmentRequestParser _parser = new(TrackingLimits.Default);
    private int _nextVisitor;

    public BenchTraffic(int seed, int activeVisitors)
    {
        _visitors = new DemoTraffic(seed, new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-7), TimeSpan.Zero));
        _active = new Queue<JsonObject>?[activeVisitors];
        _pick = new Random(seed);
    }

    /// <summary>Visitors started so far.</summary>
    public int Visitors => _nextVisitor;

    /// <summary>The next Segment message of a randomly chosen active visitor.</summary>
    public JsonObject NextMessage()
    {
        var slot = _pick.Next(_active.Length);
        var queue = _active[slot];
        while (queue is null || queue.Count == 0)
        {
            // Each visitor's week in the order it happened, as their browser would send it.
            var messages = _visitors.NextVisitor(_nextVisitor++).Messages;
            messages.Sort((a, b) => string.CompareOrdinal((string)a["timestamp"]!, (string)b["timestamp"]!));
            queue = _active[slot] = new Queue<JsonObject>(messages);
        }

        return queue.Dequeue();
    }

    /// <summary>
    /// The body of the next <c>/v1/batch</c> request, with each message's id and the identity whose partition it is
    /// stored in (the user id when sent, else the anonymous id, as <see cref="IdentityStitching.PrimaryIdentity"/> decides).
    /// </summary>
    public (byte[] Body, SentMessage[] Messages) NextRequest()
    {
        var batch = new JsonArray();
        var sent = new SentMessage[MessagesPerRequest];
        for (var i = 0; i < MessagesPerRequest; i++)
        {
            var message = NextMessage();
            var identity = message["userId"] is { } userId ? IdentityRef.User((string)userId!) : IdentityRef.Anonymous((string)message["anonymousId"]!);
            sent[i] = new SentMessage((string)message["messageId"]!, identity);
            batch.Add(message);
        }

        var body = new JsonObject { ["batch"] = batch, ["sentAt"] = DateTimeOffset.UtcNow.ToString("O") };
        return (JsonSerializer.SerializeToUtf8Bytes(body), sent);
    }

    /// <summary>
    /// The events of the next tracking request, read by the tracking API's own parser as the intake reads them
    /// (invalid messages, which the demo mixes in now and then, are left out as the intake dead-letters them).
    /// </summary>
    public IReadOnlyList<EngagementEvent> NextRequestEvents(string sourceId)
    {
        var (body, _) = NextRequest();
        var parsed = _parser.Parse(body, TrackingEndpoint.Batch, new TrackingRequestContext(DateTimeOffset.UtcNow));
        return parsed.EventsFrom(sourceId);
    }

    /// <summary>
    /// Deliveries as the stream consumer hands them to ingestion: the events of <paramref name="requestsPerDelivery"/>
    /// tracking requests together, until <paramref name="totalEvents"/> events are drawn. Lazy: one delivery at a time.
    /// </summary>
    public IEnumerable<List<EngagementEvent>> Deliveries(string sourceId, long totalEvents, int requestsPerDelivery)
    {
        long drawn = 0;
        while (drawn < totalEvents)
        {
            var delivery = new List<EngagementEvent>(requestsPerDelivery * MessagesPerRequest);
            for (var r = 0; r < requestsPerDelivery && drawn < totalEvents; r++)
            {
                var events = NextRequestEvents(sourceId);
                var take = (int)Math.Min(events.Count, totalEvents - drawn);
                delivery.AddRange(take == events.Count ? events : events.Take(take));
                drawn += take;
            }

            yield return delivery;
        }
    }

    /// <summary>Tracking requests as the intake puts them on the stream, until <paramref name="totalEvents"/> events are drawn.</summary>
    public IEnumerable<IngestionBatch> StreamBatches(string sourceId, long totalEvents)
    {
        long drawn = 0;
        while (drawn < totalEvents)
        {
            var events = NextRequestEvents(sourceId);
            var take = (int)Math.Min(events.Count, totalEvents - drawn);
            drawn += take;
            yield return new IngestionBatch(Guid.NewGuid().ToString("N"), sourceId, take == events.Count ? events : events.Take(take).ToList());
        }
    }
}

/// <summary>A message sent to the tracking API: its id and the identity it is stored under.</summary>
internal readonly record struct SentMessage(string MessageId, IdentityRef Identity);
