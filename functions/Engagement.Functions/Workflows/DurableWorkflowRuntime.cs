using System.Text.Json;
using Engagement.Infrastructure.Workflows;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Engagement.Functions.Workflows;

/// <summary>
/// <see cref="IWorkflowRuntime"/> over Durable Functions, made per call around the <c>[DurableClient]</c> binding: starts
/// the type's orchestration, reads an instance from its custom status, and raises the one workflow event.
/// </summary>
public sealed class DurableWorkflowRuntime(DurableTaskClient client, WorkflowCatalog catalog, WorkflowOptions options, TimeProvider clock) : IWorkflowRuntime
{
    /// <inheritdoc />
    public async Task<WorkflowStartResult> StartAsync(string type, JsonElement input, string? instanceId = null, CancellationToken cancellationToken = default)
    {
        var known = WorkflowOrchestrators.Names.TryGetValue(type, out var orchestrator) ? catalog.Definition(type) : null;
        var (definition, id, answer) = await WorkflowTurn.PrepareStartAsync(known, type, input, instanceId, existing => GetAsync(existing, cancellationToken));
        if (answer is not null)
        {
            return answer;
        }

        await client.ScheduleNewOrchestrationInstanceAsync(
            new TaskName(orchestrator!),
            new WorkflowEnvelope(type, input, null, [], WorkflowRetry.From(options)),
            new StartOrchestrationOptions { InstanceId = id },
            cancellationToken);
        // The orchestration decides its start itself, moments later; this is the same decision as it will take.
        var started = WorkflowTurn.Start(definition!, id, input, clock.GetUtcNow());
        return new WorkflowStartResult(new WorkflowProgress(started.Next!, [started.Entry!]).ToView(), true, []);
    }

    /// <inheritdoc />
    public async Task<WorkflowView?> GetAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (!WorkflowIds.IsValid(instanceId))
        {
            return null;
        }

        var metadata = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null || metadata.ReadCustomStatusAs<WorkflowProgress>() is not { } progress)
        {
            return null;
        }

        var view = progress.ToView();
        return metadata.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Terminated => view with { Status = WorkflowStatus.Cancelled, NextWakeUp = null },
            OrchestrationRuntimeStatus.Failed => view with { Status = WorkflowStatus.Failed, NextWakeUp = null },
            _ => view,
        };
    }

    /// <inheritdoc />
    public Task<SignalOutcome> RaiseAsync(string instanceId, string name, JsonElement payload, string? eventId = null, CancellationToken cancellationToken = default) =>
        SendAsync(instanceId, new WorkflowEventMessage(name, payload, eventId), cancellationToken);

    /// <inheritdoc />
    public Task<SignalOutcome> CancelAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendAsync(instanceId, new WorkflowEventMessage(null, default, null, Cancel: true, Reason: reason), cancellationToken);

    private async Task<SignalOutcome> SendAsync(string instanceId, WorkflowEventMessage message, CancellationToken cancellationToken)
    {
        var view = await GetAsync(instanceId, cancellationToken);
        if (view is null)
        {
            return SignalOutcome.NotFound;
        }

        if (view.Status != WorkflowStatus.Running)
        {
            return SignalOutcome.NotRunning;
        }

        // A repeated event id is recognised by the orchestration itself (the turn rules), not here.
        await client.RaiseEventAsync(instanceId, WorkflowEventMessage.EventName, message, cancellationToken);
        return SignalOutcome.Accepted;
    }
}
