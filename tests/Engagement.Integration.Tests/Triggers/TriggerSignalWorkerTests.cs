using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Triggers;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Triggers;

/// <summary>The trigger-signals queue worker on Azurite: what it cannot read is dead-lettered, not retried for ever.</summary>
[Collection(SharedAzurite.Name)]
public sealed class TriggerSignalWorkerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AMessageThatIsNoSignalIsDeadLetteredAndLeavesTheQueue()
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?> { ["Triggers:SignalQueueName"] = UniqueId.QueueName() });
        var storage = services.Get<EngagementStorage>();
        var marker = "not-a-signal-" + Guid.NewGuid().ToString("N");
        await storage.TriggerSignals.SendMessageAsync($"{{\"{marker}\":true}}");

        var worked = await services.Get<TriggerSignalWorker>().WorkOnceAsync();

        Assert.Equal(1, worked);
        Assert.Empty((await storage.TriggerSignals.PeekMessagesAsync()).Value);
        var letters = new List<string>();
        await foreach (var (name, letter) in services.Get<DeadLetterStore>().ListAsync())
        {
            if (letter.Payload.Contains(marker, StringComparison.Ordinal))
            {
                letters.Add(name);
            }
        }

        Assert.Contains(letters, name => name.Contains("/triggers/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignalsOfAnUnknownTriggerAreIgnored()
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?> { ["Triggers:SignalQueueName"] = UniqueId.QueueName() });
        var handler = services.Get<TriggerSignalHandler>();

        var outcomes = await handler.HandleAsync(services.Get<Infrastructure.Workflows.IWorkflowRuntime>(),
            [new TriggerSignal("no-such-trigger", Core.Triggers.TriggerSignalKind.Start, "0123456789abcdef0123456789abcdef", "m-1", DateTimeOffset.UtcNow)]);

        Assert.Equal([TriggerSignalOutcome.Ignored], outcomes);
    }
}
