using System.Text.Json;
using Engagement.Core.Workflows;

namespace Engagement.Infrastructure.Workflows;

/// <summary>A workflow type as the runtimes see it: its decider, with inputs and states as JSON.</summary>
public interface IWorkflowDefinition
{
    /// <summary>The type's name, e.g. <c>consent-drive</c>.</summary>
    string Type { get; }

    /// <summary>What is wrong with an input, including JSON that is not the input type (empty when it may start).</summary>
    IReadOnlyList<string> Validate(JsonElement input);

    /// <summary>Starts an instance.</summary>
    Decision<JsonElement> Start(JsonElement input, DateTimeOffset now);

    /// <summary>Feeds a signal to an instance.</summary>
    Decision<JsonElement> Decide(JsonElement state, WorkflowSignal signal, DateTimeOffset now);
}

/// <summary>Adapts a typed decider to the runtimes.</summary>
public sealed class WorkflowDefinition<TInput, TState>(IDecider<TInput, TState> decider) : IWorkflowDefinition
{
    /// <inheritdoc />
    public string Type => decider.WorkflowType;

    /// <inheritdoc />
    public IReadOnlyList<string> Validate(JsonElement input)
    {
        TInput typed;
        try
        {
            typed = WorkflowJson.Read<TInput>(input);
        }
        catch (JsonException ex)
        {
            return [$"the input is not a {decider.WorkflowType} input: {ex.Message.Split(". Path")[0]}"];
        }

        return decider.Validate(typed);
    }

    /// <inheritdoc />
    public Decision<JsonElement> Start(JsonElement input, DateTimeOffset now) => Untyped(decider.Start(WorkflowJson.Read<TInput>(input), now));

    /// <inheritdoc />
    public Decision<JsonElement> Decide(JsonElement state, WorkflowSignal signal, DateTimeOffset now) =>
        Untyped(decider.Decide(WorkflowJson.Read<TState>(state), signal, now));

    private static Decision<JsonElement> Untyped(Decision<TState> decision) =>
        new(WorkflowJson.Write(decision.State), decision.Commands, decision.WakeAt, decision.Completed, decision.Note);
}

/// <summary>What runs a command: an idempotent piece of work with I/O, the same in both runtimes.</summary>
public interface IWorkflowActivity
{
    /// <summary>The activity's name, as <see cref="WorkflowCommand.Activity"/> names it.</summary>
    string Name { get; }

    /// <summary>
    /// Runs a command. Must be idempotent by (<see cref="WorkflowActivityContext.InstanceId"/>,
    /// <see cref="WorkflowActivityContext.CommandId"/>): after a crash the same command runs again with the same input,
    /// and whatever it already did (a message sent, a row written) must not happen twice.
    /// </summary>
    Task<JsonElement> RunAsync(WorkflowActivityContext context, JsonElement input, CancellationToken cancellationToken = default);
}

/// <summary>Which command of which instance an activity runs.</summary>
/// <param name="InstanceId">The workflow instance.</param>
/// <param name="CommandId">The command.</param>
/// <param name="Attempt">1 for the first attempt.</param>
public sealed record WorkflowActivityContext(string InstanceId, string CommandId, int Attempt);

/// <summary>Finds definitions and activities by name.</summary>
public sealed class WorkflowCatalog(IEnumerable<IWorkflowDefinition> definitions, IEnumerable<IWorkflowActivity> activities)
{
    private readonly Dictionary<string, IWorkflowDefinition> _definitions = definitions.ToDictionary(d => d.Type, StringComparer.Ordinal);
    private readonly Dictionary<string, IWorkflowActivity> _activities = activities.ToDictionary(a => a.Name, StringComparer.Ordinal);

    /// <summary>The workflow types.</summary>
    public IReadOnlyCollection<string> Types => _definitions.Keys;

    /// <summary>A workflow type; null when unknown.</summary>
    public IWorkflowDefinition? Definition(string type) => _definitions.GetValueOrDefault(type);

    /// <summary>An activity; throws when no activity has the name (a decider naming an unknown activity is a bug).</summary>
    public IWorkflowActivity Activity(string name) =>
        _activities.GetValueOrDefault(name) ?? throw new InvalidOperationException($"No workflow activity is named '{name}'.");

    /// <summary>Runs a command with its activity.</summary>
    public Task<JsonElement> RunAsync(string instanceId, WorkflowCommand command, int attempt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        return Activity(command.Activity).RunAsync(new WorkflowActivityContext(instanceId, command.Id, attempt), command.Input, cancellationToken);
    }
}
