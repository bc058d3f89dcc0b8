using System.Globalization;
using System.Text.Json;
using Engagement.Core.Profiles;
using Scriban.Runtime;

namespace Engagement.Infrastructure.Templates;

/// <summary>A product the person recently looked at or put in the cart, from the properties of their product events.</summary>
/// <param name="Id">The product id or SKU, if sent.</param>
/// <param name="Name">Its name.</param>
/// <param name="Price">Its price, if sent.</param>
/// <param name="Url">Its page.</param>
/// <param name="Image">Its image URL.</param>
/// <param name="Category">Its category, if sent.</param>
/// <param name="Action"><c>viewed</c> or <c>added</c> (to the cart).</param>
public sealed record ProductLine(string? Id, string? Name, decimal? Price, string? Url, string? Image, string? Category, string Action);

/// <summary>The campaign a message belongs to, as templates see it.</summary>
/// <param name="Name">The campaign's name.</param>
/// <param name="Variant">The variant (A/B), if any.</param>
public sealed record CampaignContext(string Name, string? Variant);

/// <summary>Everything a template can speak of for one person.</summary>
/// <param name="Profile">The person's 360° profile (traits, groups, insights).</param>
/// <param name="Products">Recently viewed or added products, newest first.</param>
/// <param name="Offer">The next best offer, if there is one.</param>
/// <param name="UnsubscribeUrl">Where the person unsubscribes.</param>
/// <param name="PreferencesUrl">Where the person changes their choices.</param>
/// <param name="Campaign">The campaign.</param>
public sealed record TemplateData(
    Profile360 Profile,
    IReadOnlyList<ProductLine> Products,
    OfferInsight? Offer,
    string UnsubscribeUrl,
    string PreferencesUrl,
    CampaignContext Campaign);

/// <summary>
/// The shape of what a template may name: which variables exist, which fields each has, which are lists. Save-time
/// validation checks every variable path against it; rendering builds values of exactly this shape.
/// </summary>
public sealed class ModelShape
{
    private ModelShape(IReadOnlyDictionary<string, ModelShape>? fields, ModelShape? element, bool open)
    {
        Fields = fields;
        Element = element;
        Open = open;
    }

    /// <summary>A value with no fields (text, number, true/false).</summary>
    public static ModelShape Value { get; } = new(null, null, false);

    /// <summary>A value whose fields are not known in advance (traits): any field may be named.</summary>
    public static ModelShape Anything { get; } = new(null, null, true);

    /// <summary>Named fields, for an object.</summary>
    public IReadOnlyDictionary<string, ModelShape>? Fields { get; }

    /// <summary>The shape of each item, for a list.</summary>
    public ModelShape? Element { get; }

    /// <summary>Whether any field may be named.</summary>
    public bool Open { get; }

    /// <summary>An object with the given fields.</summary>
    public static ModelShape Record(params (string Name, ModelShape Shape)[] fields) =>
        new(fields.ToDictionary(f => f.Name, f => f.Shape, StringComparer.Ordinal), null, false);

    /// <summary>A list of items of one shape.</summary>
    public static ModelShape ListOf(ModelShape element) => new(null, element, false);
}

/// <summary>The documented template model (README, "Templates") and how a person's data becomes it.</summary>
public static class TemplateModel
{
    /// <summary>Product events whose properties fill <c>products</c>, and the action each stands for.</summary>
    public static IReadOnlyDictionary<string, string> ProductEvents { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Product Viewed"] = "viewed",
        ["Product Added"] = "added",
    };

    /// <summary>How many products a template sees at most.</summary>
    public const int MaxProducts = 10;

    /// <summary>The variables at the top of the model and their shapes.</summary>
    public static ModelShape Root { get; } = ModelShape.Record(
        ("profile", ModelShape.Record(
            ("userId", ModelShape.Value),
            ("firstName", ModelShape.Value),
            ("lastName", ModelShape.Value),
            ("email", ModelShape.Value),
            ("phone", ModelShape.Value),
            ("traits", ModelShape.Anything),
            ("groups", ModelShape.ListOf(ModelShape.Value)),
            ("interests", ModelShape.ListOf(ModelShape.Record(("id", ModelShape.Value), ("name", ModelShape.Value), ("score", ModelShape.Value)))))),
        ("products", ModelShape.ListOf(ModelShape.Record(
            ("id", ModelShape.Value),
            ("name", ModelShape.Value),
            ("price", ModelShape.Value),
            ("url", ModelShape.Value),
            ("image", ModelShape.Value),
            ("category", ModelShape.Value),
            ("action", ModelShape.Value)))),
        ("offer", ModelShape.Record(("family", ModelShape.Value), ("propensity", ModelShape.Value), ("lift", ModelShape.Value))),
        ("unsubscribe_url", ModelShape.Value),
        ("preferences_url", ModelShape.Value),
        ("campaign", ModelShape.Record(("name", ModelShape.Value), ("variant", ModelShape.Value))));

    /// <summary>The model's values for one person, shaped as <see cref="Root"/>; a missing value is absent (renders empty, tests false).</summary>
    public static ScriptObject Build(TemplateData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var traits = new ScriptObject();
        foreach (var (name, value) in data.Profile.Traits)
        {
            traits[name] = ToScript(value);
        }

        var profile = new ScriptObject
        {
            ["userId"] = data.Profile.UserId,
            ["firstName"] = Trait(data.Profile, "firstName", "first_name", "firstname"),
            ["lastName"] = Trait(data.Profile, "lastName", "last_name", "lastname"),
            ["email"] = Trait(data.Profile, "email"),
            ["phone"] = Trait(data.Profile, "phone"),
            ["traits"] = traits,
            ["groups"] = new ScriptArray(data.Profile.Groups),
            ["interests"] = new ScriptArray((data.Profile.Insights?.Interests ?? []).Select(i => new ScriptObject
            {
                ["id"] = i.Id,
                ["name"] = i.Name,
                ["score"] = i.Score,
            })),
        };
        var products = new ScriptArray(data.Products.Take(MaxProducts).Select(p => new ScriptObject
        {
            ["id"] = p.Id,
            ["name"] = p.Name,
            ["price"] = p.Price,
            ["url"] = p.Url,
            ["image"] = p.Image,
            ["category"] = p.Category,
            ["action"] = p.Action,
        }));
        var model = new ScriptObject
        {
            ["profile"] = profile,
            ["products"] = products,
            ["unsubscribe_url"] = data.UnsubscribeUrl,
            ["preferences_url"] = data.PreferencesUrl,
            ["campaign"] = new ScriptObject { ["name"] = data.Campaign.Name, ["variant"] = data.Campaign.Variant },
        };
        if (data.Offer is { } offer)
        {
            model["offer"] = new ScriptObject { ["family"] = offer.Family, ["propensity"] = offer.Propensity, ["lift"] = offer.Lift };
        }

        return model;
    }

    /// <summary>A product line from a product event's properties (Segment e-commerce spec), or null when it names no product.</summary>
    public static ProductLine? ProductFrom(string? propertiesJson, string action)
    {
        if (string.IsNullOrWhiteSpace(propertiesJson))
        {
            return null;
        }

        using var document = JsonDocument.Parse(propertiesJson);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var name = Text(root, "name");
        var id = Text(root, "product_id") ?? Text(root, "sku") ?? Text(root, "id");
        if (name is null && id is null)
        {
            return null;
        }

        decimal? price = root.TryGetProperty("price", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetDecimal(out var d) ? d
            : p.ValueKind == JsonValueKind.String && decimal.TryParse(p.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : null;
        return new ProductLine(id, name, price, WebAddress(Text(root, "url")), WebAddress(Text(root, "image_url") ?? Text(root, "image")), Text(root, "category"), action);
    }

    // Event properties come from websites and apps: only http(s) addresses reach a link or an image (no javascript:, data:).
    private static string? WebAddress(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var address) && address.Scheme is "https" or "http" ? url : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static string? Trait(Profile360 profile, params string[] names)
    {
        foreach (var name in names)
        {
            if (profile.Traits.TryGetValue(name, out var value) && ToScript(value) is string text && text.Length > 0)
            {
                return text;
            }
        }

        return null;
    }

    private static object? ToScript(object? value) => value switch
    {
        JsonElement json => json.ValueKind switch
        {
            JsonValueKind.String => json.GetString(),
            JsonValueKind.Number => json.TryGetInt64(out var whole) ? whole : json.GetDecimal(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Array => new ScriptArray(json.EnumerateArray().Select(e => ToScript(e))),
            JsonValueKind.Object => ObjectOf(json),
            _ => null,
        },
        _ => value,
    };

    private static ScriptObject ObjectOf(JsonElement json)
    {
        var result = new ScriptObject();
        foreach (var property in json.EnumerateObject())
        {
            result[property.Name] = ToScript(property.Value);
        }

        return result;
    }
}
