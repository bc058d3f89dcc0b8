using System.Text;
using System.Text.Json.Nodes;

namespace Engagement.Core.Tests.Builders;

/// <summary>Builds one Segment tracking message as JSON: valid for its type by default, changed only where a test cares.</summary>
public sealed class SegmentMessageBuilder
{
    private readonly JsonObject _message;

    private SegmentMessageBuilder(string type, JsonObject defaults)
    {
        _message = defaults;
        _message["type"] = type;
    }

    public static SegmentMessageBuilder Track(string eventName = "Order Completed") =>
        new("track", new JsonObject { ["userId"] = "user-1", ["event"] = eventName, ["messageId"] = NewId() });

    public static SegmentMessageBuilder Identify() =>
        new("identify", new JsonObject { ["userId"] = "user-1", ["traits"] = new JsonObject { ["plan"] = "pro" }, ["messageId"] = NewId() });

    public static SegmentMessageBuilder Page(string url = "https://www.example.cz/cestovani/dovolená-řecko") =>
        new("page", new JsonObject { ["anonymousId"] = "anon-1", ["name"] = "Dovolená", ["properties"] = new JsonObject { ["url"] = url }, ["messageId"] = NewId() });

    public static SegmentMessageBuilder Screen(string name = "Nákupní košík") =>
        new("screen", new JsonObject { ["anonymousId"] = "anon-1", ["name"] = name, ["messageId"] = NewId() });

    public static SegmentMessageBuilder Group() =>
        new("group", new JsonObject { ["userId"] = "user-1", ["groupId"] = "company-1", ["messageId"] = NewId() });

    public static SegmentMessageBuilder Alias() =>
        new("alias", new JsonObject { ["userId"] = "user-1", ["previousId"] = "old-user-1", ["messageId"] = NewId() });

    public SegmentMessageBuilder Set(string name, JsonNode? value)
    {
        _message[name] = value;
        return this;
    }

    public SegmentMessageBuilder Without(string name)
    {
        _message.Remove(name);
        return this;
    }

    public JsonObject ToJson() => (JsonObject)_message.DeepClone();

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(_message.ToJsonString());

    private static string NewId() => "msg-" + Guid.NewGuid().ToString("N");
}

/// <summary>Builds a <c>{"batch": [...]}</c> request body.</summary>
public sealed class SegmentBatchBuilder
{
    private readonly JsonObject _root = new() { ["batch"] = new JsonArray() };

    public SegmentBatchBuilder Add(SegmentMessageBuilder message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Add(message.ToJson());
    }

    public SegmentBatchBuilder Add(JsonNode message)
    {
        _root["batch"]!.AsArray().Add(message);
        return this;
    }

    public SegmentBatchBuilder Set(string name, JsonNode? value)
    {
        _root[name] = value;
        return this;
    }

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(_root.ToJsonString());
}
