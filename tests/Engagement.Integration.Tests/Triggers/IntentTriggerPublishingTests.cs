using Engagement.Core.Triggers;
using Engagement.Infrastructure.Models;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Triggers;
using Engagement.Integration.Tests.Models;
using Engagement.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Triggers;

/// <summary>Score publishing with a trained champion signals intent triggers, each at its own threshold.</summary>
[Collection(ModelStore.Name)]
public sealed class IntentTriggerPublishingTests(ModelStoreFixture store)
{
    [Fact]
    public async Task PublishingScoresSignalsThePeopleAtOrAboveEachIntentThreshold()
    {
        await store.TrainOnceAsync();
        await using var services = store.CreateServices(new Dictionary<string, string?> { ["Triggers:SignalQueueName"] = UniqueId.QueueName() });
        var storage = services.GetRequiredService<EngagementStorage>();
        await storage.EnsureCreatedAsync();
        var everyone = new TriggerDefinition("anyone-" + Guid.NewGuid().ToString("N")[..8], "Anyone", TriggerKind.Intent, "t", Intent: new IntentSettings("order", 0));
        var keen = new TriggerDefinition("keen-" + Guid.NewGuid().ToString("N")[..8], "Keen", TriggerKind.Intent, "t", Intent: new IntentSettings("order", 0.5));
        var triggers = services.GetRequiredService<TriggerStore>();
        await triggers.CreateAsync(everyone);
        await triggers.CreateAsync(keen);
        try
        {
            var report = await services.GetRequiredService<ScorePublisher>().PublishAsync();

            var signals = new List<TriggerSignal>();
            while ((await storage.TriggerSignals.ReceiveMessagesAsync(32)).Value is { Length: > 0 } messages)
            {
                foreach (var message in messages)
                {
                    signals.AddRange(TriggerSignalSender.Decode(message.MessageText)!);
                    await storage.TriggerSignals.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
            }

            var all = signals.Where(s => s.TriggerId == everyone.Id).ToList();
            var above = signals.Where(s => s.TriggerId == keen.Id).ToList();
            Assert.True(report.Published, report.Message);
            Assert.Equal(ModelStoreFixture.People, all.Select(s => s.SubjectKey).Distinct(StringComparer.Ordinal).Count());
            Assert.All(signals, s => Assert.Equal(TriggerSignalKind.Start, s.Kind));
            Assert.InRange(above.Count, 1, all.Count - 1);
            Assert.Subset(all.Select(s => s.SubjectKey).ToHashSet(StringComparer.Ordinal), above.Select(s => s.SubjectKey).ToHashSet(StringComparer.Ordinal));
        }
        finally
        {
            await triggers.DisableAsync(everyone.Id);
            await triggers.DisableAsync(keen.Id);
        }
    }
}
