using System.Globalization;
using System.Text.Json;
using Engagement.Core.Contacts;

namespace Engagement.Core.Triggers;

/// <summary>A definition, or every problem found in it, each naming the JSON path of the bad part.</summary>
/// <param name="Definition">The definition when there are no problems.</param>
/// <param name="Problems">The problems, e.g. <c>$.abandonedCart.waitHours: must be more than 0 and at most 720</c>.</param>
public sealed record TriggerReadResult(TriggerDefinition? Definition, IReadOnlyList<string> Problems);

/// <summary>
/// Reads a trigger definition from JSON, collecting every problem (not just the first) with its JSON path, so a
/// marketer fixes a definition in one go. Shape: <c>{"id", "name", "kind", "templateId", "purpose"?, "sender"?: {"address",
/// "name"?}, "enabled"?, and the settings object named after the kind: "abandonedCart" | "welcome" | "birthday" | "intent"}</c>.
/// What needs the deployment (the template exists, the purpose and goal are configured) is checked by the caller.
/// </summary>
public static class TriggerDefinitionReader
{
    /// <summary>The longest wait of an abandoned cart: 30 days.</summary>
    public const double MaxWaitHours = 720;

    /// <summary>The longest welcome delay: 7 days.</summary>
    public const double MaxDelayMinutes = 10_080;

    /// <summary>The longest intent cooldown: 10 years.</summary>
    public const int MaxCooldownDays = 3_650;

    private static readonly Dictionary<string, TriggerKind> Kinds = new(StringComparer.Ordinal)
    {
        ["abandonedCart"] = TriggerKind.AbandonedCart,
        ["welcome"] = TriggerKind.Welcome,
        ["birthday"] = TriggerKind.Birthday,
        ["intent"] = TriggerKind.Intent,
    };

    private static readonly string[] TopLevel = ["id", "name", "kind", "templateId", "purpose", "sender", "enabled", .. Kinds.Keys];

    /// <summary>The JSON name of a kind (<c>abandonedCart</c>).</summary>
    public static string NameOf(TriggerKind kind) => Kinds.First(k => k.Value == kind).Key;

    /// <summary>Reads a definition; the id may be left out when <paramref name="idRequired"/> is false (the caller names it).</summary>
    public static TriggerReadResult Read(JsonElement root, bool idRequired = true)
    {
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new TriggerReadResult(null, ["$: a trigger is a JSON object"]);
        }

        foreach (var property in root.EnumerateObject().Where(p => !TopLevel.Contains(p.Name, StringComparer.Ordinal)))
        {
            problems.Add($"$.{property.Name}: not a trigger field (expected {string.Join(", ", TopLevel)})");
        }

        var id = String(root, "id", "$.id", problems, required: idRequired, max: TriggerDefinition.MaxIdLength);
        if (id is not null && !TriggerDefinition.IsValidId(id))
        {
            problems.Add($"$.id: \"{id}\" is not a trigger id (lower-case letters, digits and dashes, 1–{TriggerDefinition.MaxIdLength}, starting with a letter or digit)");
        }

        var name = String(root, "name", "$.name", problems, required: true, max: 200);
        var templateId = String(root, "templateId", "$.templateId", problems, required: true, max: 100);
        var purpose = String(root, "purpose", "$.purpose", problems, required: false, max: 100) ?? TriggerDefinition.DefaultPurpose;
        var enabled = true;
        if (root.TryGetProperty("enabled", out var enabledElement) && enabledElement.ValueKind != JsonValueKind.Null)
        {
            if (enabledElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                enabled = enabledElement.GetBoolean();
            }
            else
            {
                problems.Add("$.enabled: must be true or false");
            }
        }

        var sender = ReadSender(root, problems);
        TriggerKind? kind = null;
        var kindName = String(root, "kind", "$.kind", problems, required: true, max: 50);
        if (kindName is not null)
        {
            if (Kinds.TryGetValue(kindName, out var known))
            {
                kind = known;
            }
            else
            {
                problems.Add($"$.kind: \"{kindName}\" is not a kind of trigger (abandonedCart, welcome, birthday or intent)");
            }
        }

        foreach (var other in Kinds.Where(k => k.Value != kind && root.TryGetProperty(k.Key, out var value) && value.ValueKind != JsonValueKind.Null))
        {
            problems.Add($"$.{other.Key}: only for a trigger of kind \"{other.Key}\"");
        }

        AbandonedCartSettings? cart = null;
        WelcomeSettings? welcome = null;
        BirthdaySettings? birthday = null;
        IntentSettings? intent = null;
        switch (kind)
        {
            case TriggerKind.AbandonedCart:
                cart = ReadCart(Settings(root, "abandonedCart", problems), problems);
                break;
            case TriggerKind.Welcome:
                welcome = ReadWelcome(Settings(root, "welcome", problems), problems);
                break;
            case TriggerKind.Birthday:
                birthday = ReadBirthday(Settings(root, "birthday", problems), problems);
                break;
            case TriggerKind.Intent:
                intent = ReadIntent(Settings(root, "intent", problems, required: true), problems);
                break;
        }

        if (problems.Count > 0 || kind is null || name is null || templateId is null)
        {
            return new TriggerReadResult(null, problems);
        }

        return new TriggerReadResult(new TriggerDefinition(id ?? string.Empty, name, kind.Value, templateId, purpose, sender, enabled, cart, welcome, birthday, intent), []);
    }

    private static TriggerSender? ReadSender(JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("sender", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add("$.sender: must be an object {\"address\", \"name\"}");
            return null;
        }

        Unknown(element, "$.sender", ["address", "name"], problems);
        var address = String(element, "address", "$.sender.address", problems, required: true, max: 254);
        var name = String(element, "name", "$.sender.name", problems, required: false, max: 200);
        if (address is null)
        {
            return null;
        }

        if (!EmailAddress.TryParse(address, out var parsed, out var error))
        {
            problems.Add($"$.sender.address: {error}");
            return null;
        }

        return new TriggerSender(parsed.Value, name);
    }

    private static AbandonedCartSettings? ReadCart(JsonElement? element, List<string> problems)
    {
        const string Path = "$.abandonedCart";
        if (element is not { } settings)
        {
            return new AbandonedCartSettings();
        }

        Unknown(settings, Path, ["startEvent", "awaitedEvent", "waitHours"], problems);
        var start = String(settings, "startEvent", Path + ".startEvent", problems, required: false, max: 200) ?? AbandonedCartSettings.DefaultStartEvent;
        var awaited = String(settings, "awaitedEvent", Path + ".awaitedEvent", problems, required: false, max: 200) ?? AbandonedCartSettings.DefaultAwaitedEvent;
        if (string.Equals(start, awaited, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{Path}.awaitedEvent: must differ from the start event \"{start}\"");
        }

        var wait = Number(settings, "waitHours", Path + ".waitHours", problems) ?? 4;
        if (!(wait > 0 && wait <= MaxWaitHours))
        {
            problems.Add($"{Path}.waitHours: must be more than 0 and at most {MaxWaitHours.ToString(CultureInfo.InvariantCulture)}");
        }

        return new AbandonedCartSettings(start, awaited, wait);
    }

    private static WelcomeSettings? ReadWelcome(JsonElement? element, List<string> problems)
    {
        const string Path = "$.welcome";
        if (element is not { } settings)
        {
            return new WelcomeSettings();
        }

        Unknown(settings, Path, ["delayMinutes"], problems);
        var delay = Number(settings, "delayMinutes", Path + ".delayMinutes", problems) ?? 0;
        if (!(delay >= 0 && delay <= MaxDelayMinutes))
        {
            problems.Add($"{Path}.delayMinutes: must be from 0 to {MaxDelayMinutes.ToString(CultureInfo.InvariantCulture)}");
        }

        return new WelcomeSettings(delay);
    }

    private static BirthdaySettings? ReadBirthday(JsonElement? element, List<string> problems)
    {
        const string Path = "$.birthday";
        if (element is not { } settings)
        {
            return new BirthdaySettings();
        }

        Unknown(settings, Path, ["trait", "localHour", "timeZone"], problems);
        var trait = String(settings, "trait", Path + ".trait", problems, required: false, max: 200) ?? BirthdaySettings.DefaultTrait;
        var hour = Number(settings, "localHour", Path + ".localHour", problems) ?? 9;
        if (hour is < 0 or > 23 || hour != Math.Floor(hour))
        {
            problems.Add($"{Path}.localHour: must be a whole hour from 0 to 23");
        }

        var zone = String(settings, "timeZone", Path + ".timeZone", problems, required: false, max: 100) ?? "UTC";
        if (!BirthdayDates.TryFindZone(zone, out _))
        {
            problems.Add($"{Path}.timeZone: \"{zone}\" is not a time zone (an IANA id such as \"Europe/Prague\")");
        }

        return new BirthdaySettings(trait, (int)Math.Clamp(hour, 0, 23), zone);
    }

    private static IntentSettings? ReadIntent(JsonElement? element, List<string> problems)
    {
        const string Path = "$.intent";
        if (element is not { } settings)
        {
            return null;
        }

        Unknown(settings, Path, ["goal", "threshold", "cooldownDays"], problems);
        var goal = String(settings, "goal", Path + ".goal", problems, required: true, max: 100);
        var threshold = Number(settings, "threshold", Path + ".threshold", problems);
        if (threshold is null && !settings.TryGetProperty("threshold", out _))
        {
            problems.Add($"{Path}.threshold: required (a probability from 0 to 1)");
        }
        else if (threshold is not null && !(threshold >= 0 && threshold <= 1))
        {
            problems.Add($"{Path}.threshold: must be a probability from 0 to 1");
        }

        var cooldown = Number(settings, "cooldownDays", Path + ".cooldownDays", problems) ?? 30;
        if (cooldown < 1 || cooldown > MaxCooldownDays || cooldown != Math.Floor(cooldown))
        {
            problems.Add($"{Path}.cooldownDays: must be a whole number of days from 1 to {MaxCooldownDays}");
        }

        return goal is null || threshold is null ? null : new IntentSettings(goal, threshold.Value, (int)Math.Clamp(cooldown, 1, MaxCooldownDays));
    }

    private static JsonElement? Settings(JsonElement root, string name, List<string> problems, bool required = false)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                problems.Add($"$.{name}: required for a trigger of kind \"{name}\"");
            }

            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"$.{name}: must be an object");
            return null;
        }

        return element;
    }

    private static void Unknown(JsonElement element, string path, string[] known, List<string> problems)
    {
        foreach (var property in element.EnumerateObject().Where(p => !known.Contains(p.Name, StringComparer.Ordinal)))
        {
            problems.Add($"{path}.{property.Name}: not a field here (expected {string.Join(", ", known)})");
        }
    }

    private static string? String(JsonElement element, string name, string path, List<string> problems, bool required, int max)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                problems.Add($"{path}: required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            problems.Add($"{path}: must be a non-empty string");
            return null;
        }

        var text = value.GetString()!.Trim();
        if (text.Length > max)
        {
            problems.Add($"{path}: at most {max} characters");
            return null;
        }

        return text;
    }

    private static double? Number(JsonElement element, string name, string path, List<string> problems)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            problems.Add($"{path}: must be a number");
            return null;
        }

        return number;
    }
}
