using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engagement.Core.Events;
using Engagement.Core.Tests.Builders;
using Engagement.Core.Tracking;

namespace Engagement.Core.Tests.Tracking;

public sealed class SegmentRequestParserTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly SegmentRequestParser _parser = new(TrackingLimits.Default);

    // ---- what every message type needs ----

    [Theory]
    [InlineData(TrackingEndpoint.Track)]
    [InlineData(TrackingEndpoint.Identify)]
    [InlineData(TrackingEndpoint.Page)]
    [InlineData(TrackingEndpoint.Screen)]
    [InlineData(TrackingEndpoint.Group)]
    [InlineData(TrackingEndpoint.Alias)]
    public void ValidMessageOfEveryTypeIsAccepted(TrackingEndpoint endpoint)
    {
        var result = Parse(MessageFor(endpoint).ToBytes(), endpoint);

        Assert.True(result.IsAcceptable);
        var ev = Assert.Single(result.Events);
        Assert.Equal(endpoint.ImpliedKind(), ev.Kind);
        Assert.Empty(result.Rejected);
    }

    [Fact]
    public void TrackWithoutEventNameIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Track().Without("event").ToBytes(), TrackingEndpoint.Track);

        Assert.Contains("\"event\"", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TrackWithBlankEventNameIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Track("   ").ToBytes(), TrackingEndpoint.Track);

        Assert.Contains("\"event\"", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TrackWithNumericEventNameIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Track().Set("event", 42).ToBytes(), TrackingEndpoint.Track);

        Assert.Contains("\"event\" must be a string", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupWithoutGroupIdIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Group().Without("groupId").ToBytes(), TrackingEndpoint.Group);

        Assert.Contains("\"groupId\"", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AliasWithoutPreviousIdIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Alias().Without("previousId").ToBytes(), TrackingEndpoint.Alias);

        Assert.Contains("\"previousId\"", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AliasWithoutUserIdIsRejectedEvenWithAnAnonymousId()
    {
        var body = SegmentMessageBuilder.Alias().Without("userId").Set("anonymousId", "anon-1").ToBytes();

        var error = ParseError(body, TrackingEndpoint.Alias);

        Assert.Contains("\"userId\"", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TrackingEndpoint.Track)]
    [InlineData(TrackingEndpoint.Identify)]
    [InlineData(TrackingEndpoint.Page)]
    [InlineData(TrackingEndpoint.Screen)]
    [InlineData(TrackingEndpoint.Group)]
    public void MessageWithNeitherUserIdNorAnonymousIdIsRejected(TrackingEndpoint endpoint)
    {
        var body = MessageFor(endpoint).Without("userId").Without("anonymousId").ToBytes();

        var error = ParseError(body, endpoint);

        Assert.Contains("\"userId\" or an \"anonymousId\"", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AnonymousIdAloneIsEnough()
    {
        var body = SegmentMessageBuilder.Track().Without("userId").Set("anonymousId", "anon-7").ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Track).Events);

        Assert.Null(ev.UserId);
        Assert.Equal("anon-7", ev.AnonymousId);
    }

    [Fact]
    public void BlankUserIdCountsAsMissing()
    {
        var body = SegmentMessageBuilder.Track().Set("userId", "  ").ToBytes();

        ParseError(body, TrackingEndpoint.Track);
    }

    [Fact]
    public void UserIdThatIsAnObjectIsRejected()
    {
        var body = SegmentMessageBuilder.Track().Set("userId", new JsonObject { ["id"] = 1 }).ToBytes();

        var error = ParseError(body, TrackingEndpoint.Track);

        Assert.Contains("\"userId\" must be a string, not an object", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void NumericUserIdIsReadAsText()
    {
        var body = SegmentMessageBuilder.Track().Set("userId", 12345).ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Track).Events);

        Assert.Equal("12345", ev.UserId);
    }

    [Fact]
    public void PropertiesThatAreAStringAreRejected()
    {
        var body = SegmentMessageBuilder.Track().Set("properties", "{\"total\":5}").ToBytes();

        var error = ParseError(body, TrackingEndpoint.Track);

        Assert.Contains("\"properties\" must be an object, not a string", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TraitsThatAreAnArrayAreRejected()
    {
        var body = SegmentMessageBuilder.Identify().Set("traits", new JsonArray("a")).ToBytes();

        var error = ParseError(body, TrackingEndpoint.Identify);

        Assert.Contains("\"traits\" must be an object, not an array", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("\"2026-13-45T99:00:00Z\"")]
    [InlineData("1763805600")]
    [InlineData("true")]
    public void UnreadableTimestampIsRejected(string timestampJson)
    {
        var body = SegmentMessageBuilder.Track().Set("timestamp", JsonNode.Parse(timestampJson)).ToBytes();

        var error = ParseError(body, TrackingEndpoint.Track);

        Assert.Contains("\"timestamp\" must be an ISO-8601", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void NullOptionalFieldsAreTreatedAsAbsent()
    {
        var body = SegmentMessageBuilder.Track()
            .Set("properties", null).Set("context", null).Set("timestamp", null).Set("anonymousId", null)
            .ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Track).Events);

        Assert.Null(ev.PropertiesJson);
        Assert.Null(ev.ContextJson);
        Assert.Equal(ReceivedAt, ev.Timestamp);
    }

    [Fact]
    public void TrackKeepsNamePropertiesAndIds()
    {
        var body = SegmentMessageBuilder.Track("Order Completed")
            .Set("messageId", "order-42")
            .Set("anonymousId", "anon-9")
            .Set("properties", new JsonObject { ["total"] = 99.5, ["currency"] = "CZK" })
            .ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Track).Events);

        Assert.Equal("order-42", ev.MessageId);
        Assert.Equal("Order Completed", ev.Name);
        Assert.Equal("user-1", ev.UserId);
        Assert.Equal("anon-9", ev.AnonymousId);
        Assert.Equal(ReceivedAt, ev.ReceivedAt);
        using var properties = JsonDocument.Parse(ev.PropertiesJson!);
        Assert.Equal(99.5, properties.RootElement.GetProperty("total").GetDouble());
        Assert.Null(ev.Page);
    }

    [Fact]
    public void IdentifyKeepsTraits()
    {
        var body = SegmentMessageBuilder.Identify().Set("traits", new JsonObject { ["email"] = "jana@example.cz" }).ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Identify).Events);

        using var traits = JsonDocument.Parse(ev.TraitsJson!);
        Assert.Equal("jana@example.cz", traits.RootElement.GetProperty("email").GetString());
    }

    [Fact]
    public void GroupAndAliasKeepTheirIds()
    {
        var group = Assert.Single(Parse(SegmentMessageBuilder.Group().Set("groupId", "acme").ToBytes(), TrackingEndpoint.Group).Events);
        var alias = Assert.Single(Parse(SegmentMessageBuilder.Alias().Set("previousId", "crm-1").ToBytes(), TrackingEndpoint.Alias).Events);

        Assert.Equal("acme", group.GroupId);
        Assert.Equal("crm-1", alias.PreviousId);
        Assert.Equal("user-1", alias.UserId);
    }

    [Fact]
    public void SourceIsEmptyUntilTheCallerAuthenticates()
    {
        var result = Parse(SegmentMessageBuilder.Track().ToBytes(), TrackingEndpoint.Track);

        Assert.Equal(string.Empty, Assert.Single(result.Events).SourceId);
        Assert.Equal("website", Assert.Single(result.EventsFrom("website")).SourceId);
    }

    // ---- limits ----

    [Fact]
    public void EventOverTheSizeLimitIsRejected()
    {
        var body = SegmentMessageBuilder.Track().Set("properties", new JsonObject { ["blob"] = new string('x', 33 * 1024) }).ToBytes();

        var error = ParseError(body, TrackingEndpoint.Track);

        Assert.Contains("the limit is 32768 bytes", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EventJustUnderTheSizeLimitIsAccepted()
    {
        var body = SegmentMessageBuilder.Track().Set("properties", new JsonObject { ["blob"] = new string('x', 31 * 1024) }).ToBytes();

        Assert.Single(Parse(body, TrackingEndpoint.Track).Events);
    }

    [Fact]
    public void HugeStringInsideABatchRejectsOnlyItsMessage()
    {
        var body = new SegmentBatchBuilder()
            .Add(SegmentMessageBuilder.Track())
            .Add(SegmentMessageBuilder.Track().Set("properties", new JsonObject { ["essay"] = new string('ř', 20_000) }))
            .ToBytes();

        var result = Parse(body, TrackingEndpoint.Batch);

        Assert.Single(result.Events);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.Contains("bytes", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestOverTheSizeLimitIsRejectedWhole()
    {
        var batch = new SegmentBatchBuilder();
        for (var i = 0; i < 20; i++)
        {
            batch.Add(SegmentMessageBuilder.Track().Set("properties", new JsonObject { ["blob"] = new string('x', 30 * 1024) }));
        }

        var error = ParseError(batch.ToBytes(), TrackingEndpoint.Batch);

        Assert.Equal("Request too large", error.Title);
    }

    [Fact]
    public void BatchAtTheEventLimitIsAccepted()
    {
        var result = Parse(BatchOf(2500), TrackingEndpoint.Batch);

        Assert.True(result.IsAcceptable);
        Assert.Equal(2500, result.Events.Count);
    }

    [Fact]
    public void BatchOverTheEventLimitIsRejectedWhole()
    {
        var error = ParseError(BatchOf(2501), TrackingEndpoint.Batch);

        Assert.Equal("Batch too large", error.Title);
        Assert.Contains("2501", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonNestedTooDeeplyIsRejected()
    {
        JsonNode nested = "bottom";
        for (var i = 0; i < 40; i++)
        {
            nested = new JsonObject { ["level"] = nested };
        }

        var error = ParseError(SegmentMessageBuilder.Track().Set("properties", nested).ToBytes(), TrackingEndpoint.Track);

        Assert.Equal("JSON nested too deeply", error.Title);
    }

    [Fact]
    public void NestingWithinTheDepthLimitIsAccepted()
    {
        JsonNode nested = "bottom";
        for (var i = 0; i < 20; i++)
        {
            nested = new JsonObject { ["level"] = nested };
        }

        Assert.Single(Parse(SegmentMessageBuilder.Track().Set("properties", nested).ToBytes(), TrackingEndpoint.Track).Events);
    }

    [Fact]
    public void MessageIdOfExactly100CharactersIsAccepted()
    {
        var id = new string('m', 100);

        var ev = Assert.Single(Parse(SegmentMessageBuilder.Track().Set("messageId", id).ToBytes(), TrackingEndpoint.Track).Events);

        Assert.Equal(id, ev.MessageId);
    }

    [Fact]
    public void MessageIdLongerThan100CharactersIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Track().Set("messageId", new string('m', 101)).ToBytes(), TrackingEndpoint.Track);

        Assert.Contains("\"messageId\" is 101 characters; the limit is 100", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void UserIdOverTheLengthLimitIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Track().Set("userId", new string('u', 257)).ToBytes(), TrackingEndpoint.Track);

        Assert.Contains("\"userId\" is 257 characters", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void EventNameOverTheLengthLimitIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Track(new string('e', 201)).ToBytes(), TrackingEndpoint.Track);

        Assert.Contains("\"event\" is 201 characters", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomLimitsAreHonoured()
    {
        var parser = new SegmentRequestParser(TrackingLimits.Default with { MaxBatchEvents = 3 });

        var result = parser.Parse(BatchOf(4), TrackingEndpoint.Batch, new TrackingRequestContext(ReceivedAt));

        Assert.Equal("Batch too large", result.Error?.Title);
    }

    // ---- malformed requests ----

    [Theory]
    [InlineData("{")]
    [InlineData("not json at all")]
    [InlineData("{\"type\":\"track\",}")]
    [InlineData("{\"userId\":\"a\" \"event\":\"b\"}")]
    public void MalformedJsonIsRejected(string body)
    {
        var error = ParseError(Encoding.UTF8.GetBytes(body), TrackingEndpoint.Track);

        Assert.Equal("Malformed JSON", error.Title);
        Assert.Empty(error.Errors);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"track\"")]
    [InlineData("42")]
    public void BodyThatIsNotAnObjectIsRejected(string body)
    {
        var error = ParseError(Encoding.UTF8.GetBytes(body), TrackingEndpoint.Batch);

        Assert.Equal("Malformed request", error.Title);
    }

    [Fact]
    public void EmptyBodyIsRejected()
    {
        var error = ParseError([], TrackingEndpoint.Track);

        Assert.Equal("Empty body", error.Title);
    }

    [Fact]
    public void InvalidUtf8InAValueIsRejectedAsMalformed()
    {
        byte[] body = [.. "{\"userId\":\""u8, 0xC3, 0x28, .. "\",\"event\":\"Signed Up\"}"u8];

        var error = ParseError(body, TrackingEndpoint.Track);

        Assert.Equal("Malformed JSON", error.Title);
        Assert.Contains("UTF-8", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8InAPropertyNameIsRejectedAsMalformed()
    {
        byte[] body = [.. "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\""u8, 0xFF, .. "\":1}}"u8];

        var error = ParseError(body, TrackingEndpoint.Track);

        Assert.Equal("Malformed JSON", error.Title);
    }

    [Fact]
    public void BatchWithoutABatchArrayIsRejected()
    {
        var error = ParseError(SegmentMessageBuilder.Track().ToBytes(), TrackingEndpoint.Batch);

        Assert.Equal("Malformed batch", error.Title);
    }

    [Fact]
    public void EmptyBatchIsRejected()
    {
        var error = ParseError(new SegmentBatchBuilder().ToBytes(), TrackingEndpoint.Batch);

        Assert.Equal("Empty batch", error.Title);
    }

    [Theory]
    [InlineData("\"purchase\"")]
    [InlineData("\"ad_impression\"")]
    [InlineData("7")]
    public void BatchMessageWithAnUnknownTypeIsRejected(string typeJson)
    {
        var body = new SegmentBatchBuilder()
            .Add(SegmentMessageBuilder.Track())
            .Add(SegmentMessageBuilder.Track().Set("type", JsonNode.Parse(typeJson)))
            .ToBytes();

        var rejected = Assert.Single(Parse(body, TrackingEndpoint.Batch).Rejected);

        Assert.Equal(1, rejected.Index);
        Assert.Contains("type", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchMessageThatIsNotAnObjectIsRejected()
    {
        var body = new SegmentBatchBuilder().Add(SegmentMessageBuilder.Track()).Add(JsonValue.Create("hello")).ToBytes();

        var rejected = Assert.Single(Parse(body, TrackingEndpoint.Batch).Rejected);

        Assert.Equal(1, rejected.Index);
        Assert.Null(rejected.MessageId);
        Assert.Equal("\"hello\"", rejected.RawJson);
    }

    // ---- batches ----

    [Fact]
    public void BatchWithSomeInvalidMessagesAcceptsTheValidOnes()
    {
        var body = new SegmentBatchBuilder()
            .Add(SegmentMessageBuilder.Track().Set("messageId", "ok-0"))
            .Add(SegmentMessageBuilder.Track().Without("event").Set("messageId", "bad-1"))
            .Add(SegmentMessageBuilder.Identify().Set("messageId", "ok-2"))
            .Add(SegmentMessageBuilder.Group().Without("groupId").Set("messageId", "bad-3"))
            .Add(SegmentMessageBuilder.Page().Set("messageId", "ok-4"))
            .ToBytes();

        var result = Parse(body, TrackingEndpoint.Batch);

        Assert.True(result.IsAcceptable);
        Assert.Equal(["ok-0", "ok-2", "ok-4"], result.Events.Select(e => e.MessageId));
        Assert.Equal([1, 3], result.Rejected.Select(r => r.Index));
        Assert.Equal(["bad-1", "bad-3"], result.Rejected.Select(r => r.MessageId));
        Assert.All(result.Rejected, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason)));
        using var raw = JsonDocument.Parse(result.Rejected[0].RawJson);
        Assert.Equal("bad-1", raw.RootElement.GetProperty("messageId").GetString());
    }

    [Fact]
    public void BatchOfOnlyInvalidMessagesIsAnError()
    {
        var body = new SegmentBatchBuilder()
            .Add(SegmentMessageBuilder.Track().Without("event"))
            .Add(SegmentMessageBuilder.Alias().Without("previousId"))
            .ToBytes();

        var result = Parse(body, TrackingEndpoint.Batch);

        Assert.False(result.IsAcceptable);
        Assert.Equal("No valid events", result.Error!.Title);
        Assert.Equal([0, 1], result.Error.Errors.Select(e => e.Index));
        Assert.Contains("[0]", result.Error.Detail, StringComparison.Ordinal);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void BatchContextIsAppliedToEveryMessageAndMessageContextWins()
    {
        var body = new SegmentBatchBuilder()
            .Set("context", new JsonObject { ["library"] = new JsonObject { ["name"] = "analytics-node" }, ["locale"] = "cs-CZ" })
            .Add(SegmentMessageBuilder.Track())
            .Add(SegmentMessageBuilder.Track().Set("context", new JsonObject { ["locale"] = "sk-SK" }))
            .ToBytes();

        var events = Parse(body, TrackingEndpoint.Batch).Events;

        using var first = JsonDocument.Parse(events[0].ContextJson!);
        using var second = JsonDocument.Parse(events[1].ContextJson!);
        Assert.Equal("cs-CZ", first.RootElement.GetProperty("locale").GetString());
        Assert.Equal("analytics-node", first.RootElement.GetProperty("library").GetProperty("name").GetString());
        Assert.Equal("sk-SK", second.RootElement.GetProperty("locale").GetString());
        Assert.Equal("analytics-node", second.RootElement.GetProperty("library").GetProperty("name").GetString());
    }

    [Fact]
    public void BatchContextCountsAgainstTheEventLimit()
    {
        // Each message is small, but the shared context copied into each would make every stored event too large.
        var body = new SegmentBatchBuilder()
            .Set("context", new JsonObject { ["blob"] = new string('c', 31_000) })
            .Add(SegmentMessageBuilder.Track())
            .Add(SegmentMessageBuilder.Track().Set("properties", new JsonObject { ["pad"] = new string('p', 2_000) }))
            .ToBytes();

        var result = Parse(body, TrackingEndpoint.Batch);

        Assert.Single(result.Events);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.Contains("batch's context", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchSentAtCorrectsClientClockSkew()
    {
        // The client's clock runs an hour fast; the event happened 5 s before it was sent.
        var body = new SegmentBatchBuilder()
            .Set("sentAt", "2026-11-22T13:00:05Z")
            .Add(SegmentMessageBuilder.Track().Set("timestamp", "2026-11-22T13:00:00Z"))
            .ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Batch).Events);

        Assert.Equal(ReceivedAt.AddSeconds(-5), ev.Timestamp);
    }

    [Fact]
    public void MessageSentAtWinsOverBatchSentAt()
    {
        var body = new SegmentBatchBuilder()
            .Set("sentAt", "2026-11-22T13:00:05Z")
            .Add(SegmentMessageBuilder.Track().Set("timestamp", "2026-11-22T13:00:00Z").Set("sentAt", "2026-11-22T13:00:30Z"))
            .ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Batch).Events);

        Assert.Equal(ReceivedAt.AddSeconds(-30), ev.Timestamp);
    }

    [Fact]
    public void SentAtHeaderCorrectsClockSkewWhenTheBodyHasNone()
    {
        var body = SegmentMessageBuilder.Track().Set("timestamp", "2026-11-22T08:00:00Z").ToBytes();
        var context = new TrackingRequestContext(ReceivedAt, SentAtHeader: "2026-11-22T08:00:10Z");

        var ev = Assert.Single(_parser.Parse(body, TrackingEndpoint.Track, context).Events);

        Assert.Equal(ReceivedAt.AddSeconds(-10), ev.Timestamp);
    }

    [Fact]
    public void ClientTimesBeyondTheRepresentableRangeDoNotBreakTheRequest()
    {
        var body = SegmentMessageBuilder.Track()
            .Set("timestamp", "0001-01-01T00:00:00Z")
            .Set("sentAt", "9999-12-31T23:59:59Z")
            .ToBytes();

        var result = Parse(body, TrackingEndpoint.Track);

        var ev = Assert.Single(result.Events);
        Assert.Equal(ReceivedAt, ev.Timestamp);
    }

    [Fact]
    public void ContextTraitsAreRemoved()
    {
        var message = SegmentMessageBuilder.Track().Set("context", new JsonObject
        {
            ["traits"] = new JsonObject { ["email"] = "jana@example.cz" },
            ["ip"] = "192.0.2.1",
        });

        var single = Assert.Single(Parse(message.ToBytes(), TrackingEndpoint.Track).Events);
        var batched = Assert.Single(Parse(
            new SegmentBatchBuilder().Set("context", new JsonObject { ["traits"] = new JsonObject { ["phone"] = "+420" } }).Add(message).ToBytes(),
            TrackingEndpoint.Batch).Events);

        foreach (var ev in new[] { single, batched })
        {
            using var context = JsonDocument.Parse(ev.ContextJson!);
            Assert.False(context.RootElement.TryGetProperty("traits", out _));
            Assert.Equal("192.0.2.1", context.RootElement.GetProperty("ip").GetString());
        }
    }

    [Fact]
    public void MissingMessageIdIsDerivedFromTheMessageBytes()
    {
        var body = SegmentMessageBuilder.Track().Without("messageId").ToBytes();
        var other = SegmentMessageBuilder.Track("Other Event").Without("messageId").ToBytes();

        var first = Assert.Single(Parse(body, TrackingEndpoint.Track).Events).MessageId;
        var again = Assert.Single(Parse(body, TrackingEndpoint.Track).Events).MessageId;
        var different = Assert.Single(Parse(other, TrackingEndpoint.Track).Events).MessageId;

        Assert.StartsWith("auto-", first, StringComparison.Ordinal);
        Assert.Equal(37, first.Length);
        Assert.Equal(first, again);
        Assert.NotEqual(first, different);
    }

    [Fact]
    public void DerivedMessageIdIsTheSameInsideAndOutsideABatch()
    {
        var message = SegmentMessageBuilder.Track().Without("messageId");

        var single = Assert.Single(Parse(message.ToBytes(), TrackingEndpoint.Track).Events).MessageId;
        var batched = Assert.Single(Parse(new SegmentBatchBuilder().Add(message).ToBytes(), TrackingEndpoint.Batch).Events).MessageId;

        Assert.Equal(single, batched);
    }

    [Fact]
    public void WriteKeyIsReadFromTheBody()
    {
        var single = Parse(SegmentMessageBuilder.Track().Set("writeKey", "wk_single").ToBytes(), TrackingEndpoint.Track);
        var batch = Parse(new SegmentBatchBuilder().Set("writeKey", "wk_batch").Add(SegmentMessageBuilder.Track()).ToBytes(), TrackingEndpoint.Batch);
        var inMessage = Parse(new SegmentBatchBuilder().Add(SegmentMessageBuilder.Track().Set("writeKey", "wk_message")).ToBytes(), TrackingEndpoint.Batch);

        Assert.Equal("wk_single", single.WriteKey);
        Assert.Equal("wk_batch", batch.WriteKey);
        Assert.Equal("wk_message", inMessage.WriteKey);
    }

    [Fact]
    public void WriteKeyIsReportedEvenWhenTheRequestIsRejected()
    {
        var result = Parse(new SegmentBatchBuilder().Set("writeKey", "wk_x").ToBytes(), TrackingEndpoint.Batch);

        Assert.False(result.IsAcceptable);
        Assert.Equal("wk_x", result.WriteKey);
    }

    // ---- pages and screens ----

    [Fact]
    public void PageKeepsUrlPartsAndFoldsCzechDiacriticsInTokens()
    {
        var body = SegmentMessageBuilder.Page("https://www.cestovka.cz/cestovani/dovolená-řecko?utm_source=newsletter")
            .Set("properties", new JsonObject
            {
                ["url"] = "https://www.cestovka.cz/cestovani/dovolená-řecko?utm_source=newsletter",
                ["title"] = "Dovolená v Řecku",
                ["referrer"] = "https://www.seznam.cz/",
            })
            .ToBytes();

        var page = Assert.Single(Parse(body, TrackingEndpoint.Page).Events).Page!;

        Assert.Equal("www.cestovka.cz", page.Host);
        Assert.Equal("Dovolená v Řecku", page.Title);
        Assert.Equal("https://www.seznam.cz/", page.Referrer);
        Assert.StartsWith("/cestovani/", page.Path, StringComparison.Ordinal);
        Assert.Contains("cestovani", page.Tokens);
        Assert.Contains("dovolena", page.Tokens);
        Assert.Contains("recko", page.Tokens);
        Assert.Contains("newsletter", page.Tokens);
        Assert.DoesNotContain("utm", page.Tokens);
    }

    [Fact]
    public void PageFieldsFallBackToContextPage()
    {
        var body = SegmentMessageBuilder.Page().Without("properties").Without("name").Set("context", new JsonObject
        {
            ["page"] = new JsonObject
            {
                ["path"] = "/zajezdy/chorvatsko",
                ["search"] = "?termin=léto",
                ["title"] = "Zájezdy Chorvatsko",
                ["referrer"] = "https://www.google.com/",
            },
        }).ToBytes();

        var page = Assert.Single(Parse(body, TrackingEndpoint.Page).Events).Page!;

        Assert.Null(page.Url);
        Assert.Equal("/zajezdy/chorvatsko", page.Path);
        Assert.Equal("Zájezdy Chorvatsko", page.Title);
        Assert.Equal("https://www.google.com/", page.Referrer);
        Assert.Equal(["zajezdy", "chorvatsko", "termin", "leto"], page.Tokens);
    }

    [Fact]
    public void BatchContextPageIsUsedWhenTheMessageContextHasNone()
    {
        var body = new SegmentBatchBuilder()
            .Set("context", new JsonObject { ["page"] = new JsonObject { ["url"] = "https://shop.example.cz/boty/zimni" } })
            .Add(SegmentMessageBuilder.Page().Without("properties").Set("context", new JsonObject { ["locale"] = "cs-CZ" }))
            .ToBytes();

        var page = Assert.Single(Parse(body, TrackingEndpoint.Batch).Events).Page!;

        Assert.Equal("shop.example.cz", page.Host);
        Assert.Equal(["boty", "zimni"], page.Tokens);
    }

    [Fact]
    public void PageNameIsTheTitleWhenNoneIsGiven()
    {
        var body = SegmentMessageBuilder.Page().Set("name", "Košík").ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Page).Events);

        Assert.Equal("Košík", ev.Name);
        Assert.Equal("Košík", ev.Page!.Title);
    }

    [Fact]
    public void ScreenTokensComeFromItsName()
    {
        var body = SegmentMessageBuilder.Screen("Nákupní košík – Přehled").ToBytes();

        var ev = Assert.Single(Parse(body, TrackingEndpoint.Screen).Events);

        Assert.Equal(EventKind.Screen, ev.Kind);
        Assert.Equal(["nakupni", "kosik", "prehled"], ev.Page!.Tokens);
    }

    [Fact]
    public void NonPageEventsCarryNoPage()
    {
        var ev = Assert.Single(Parse(SegmentMessageBuilder.Identify().ToBytes(), TrackingEndpoint.Identify).Events);

        Assert.Null(ev.Page);
    }

    // ---- headers ----

    [Fact]
    public void AnonymousIdHeaderIsUsedWhenTheMessageHasNone()
    {
        var body = SegmentMessageBuilder.Page().Without("anonymousId").ToBytes();

        var ev = Assert.Single(_parser.Parse(body, TrackingEndpoint.Page, new TrackingRequestContext(ReceivedAt, AnonymousIdHeader: "anon-header")).Events);

        Assert.Equal("anon-header", ev.AnonymousId);
    }

    [Fact]
    public void MessageAnonymousIdWinsOverTheHeader()
    {
        var body = SegmentMessageBuilder.Page().Set("anonymousId", "anon-body").ToBytes();

        var ev = Assert.Single(_parser.Parse(body, TrackingEndpoint.Page, new TrackingRequestContext(ReceivedAt, AnonymousIdHeader: "anon-header")).Events);

        Assert.Equal("anon-body", ev.AnonymousId);
    }

    [Fact]
    public void AnonymousIdHeaderAppliesToEveryBatchMessage()
    {
        var body = new SegmentBatchBuilder()
            .Add(SegmentMessageBuilder.Page().Without("anonymousId"))
            .Add(SegmentMessageBuilder.Screen().Without("anonymousId"))
            .ToBytes();

        var events = _parser.Parse(body, TrackingEndpoint.Batch, new TrackingRequestContext(ReceivedAt, AnonymousIdHeader: "anon-header")).Events;

        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("anon-header", e.AnonymousId));
    }

    private TrackingParseResult Parse(byte[] body, TrackingEndpoint endpoint) =>
        _parser.Parse(body, endpoint, new TrackingRequestContext(ReceivedAt));

    private TrackingRequestError ParseError(byte[] body, TrackingEndpoint endpoint)
    {
        var result = Parse(body, endpoint);
        Assert.False(result.IsAcceptable);
        Assert.Empty(result.Events);
        return result.Error!;
    }

    private static SegmentMessageBuilder MessageFor(TrackingEndpoint endpoint) => endpoint switch
    {
        TrackingEndpoint.Track => SegmentMessageBuilder.Track(),
        TrackingEndpoint.Identify => SegmentMessageBuilder.Identify(),
        TrackingEndpoint.Page => SegmentMessageBuilder.Page(),
        TrackingEndpoint.Screen => SegmentMessageBuilder.Screen(),
        TrackingEndpoint.Group => SegmentMessageBuilder.Group(),
        TrackingEndpoint.Alias => SegmentMessageBuilder.Alias(),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };

    private static byte[] BatchOf(int count)
    {
        var batch = new SegmentBatchBuilder();
        for (var i = 0; i < count; i++)
        {
            batch.Add(new JsonObject { ["type"] = "track", ["userId"] = "u", ["event"] = "e", ["messageId"] = "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        return batch.ToBytes();
    }
}
