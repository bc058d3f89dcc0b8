using System.Text.Json;

namespace Engagement.Core.Workflows;

/// <summary>
/// Work a decider asks to be done outside it (send a batch of e-mails, measure progress, publish a list). Run by the
/// activity named <paramref name="Activity"/>, which must be idempotent by (instance id, <paramref name="Id"/>): a
/// runtime may run a command more than once after a crash, never with a different input.
/// </summary>
/// <param name="Id">Stable within the instance: the same work always has the same id.</param>
/// <param name="Activity">The activity that runs it.</param>
/// <param name="Input">Its input (JSON); small: counters and cursors, never whole audiences.</param>
public sealed record WorkflowCommand(string Id, string Activity, JsonElement Input)
{
    /// <summary>A command whose input is <paramref name="input"/> as JSON (web naming).</summary>
    public static WorkflowCommand Of<T>(string id, string activity, T input) =>
        new(id, activity, JsonSerializer.SerializeToElement(input, WorkflowJson.Options));
}

/// <summary>How workflow inputs, states, commands and results are written as JSON in every runtime.</summary>
public static class WorkflowJson
{
    /// <summary>Web naming, enums as camelCase names.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Reads a JSON element as <typeparamref name="T"/>.</summary>
    public static T Read<T>(JsonElement element) =>
        element.Deserialize<T>(Options) ?? throw new JsonException($"Expected {typeof(T).Name}, found null.");

    /// <summary>Writes a value as a JSON element.</summary>
    public static JsonElement Write<T>(T value) => JsonSerializer.SerializeToElement(value, Options);
}
