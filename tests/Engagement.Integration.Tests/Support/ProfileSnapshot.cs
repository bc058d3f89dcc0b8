using System.Text.Json;
using System.Text.Json.Nodes;
using Engagement.Core.Profiles;

namespace Engagement.Integration.Tests.Support;

/// <summary>
/// A profile's 360° view as canonical JSON without its key, so views of the same person kept in two stores
/// (e.g. under different pseudonym secrets) compare equal exactly when they say the same things.
/// </summary>
public static class ProfileSnapshot
{
    public static string Of(Profile360? profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var node = JsonSerializer.SerializeToNode(profile, JsonSerializerOptions.Web)!.AsObject();
        node.Remove("profileKey");
        // Insights are worked out at the moment of asking (their time differs between two reads), not stored.
        node["insights"]?.AsObject().Remove("asOf");
        return Canonical(node)!.ToJsonString();
    }

    public static string Of(ActivitySummary? summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return Canonical(JsonSerializer.SerializeToNode(summary, JsonSerializerOptions.Web))!.ToJsonString();
    }

    // Objects get sorted keys (dictionary order is insertion order, which says nothing); arrays keep their order.
    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonical)]),
        null => null,
        _ => node.DeepClone(),
    };
}
