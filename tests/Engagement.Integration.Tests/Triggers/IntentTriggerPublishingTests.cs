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
        // Where the scores fall depends on what the champion learnt, so triggers stand at several thresholds: each must
        // take exactly the people of the one below it that score at least as high, and one at least must divide people.
        var thresholds = new[] { 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9 };
        var keen = thresholds.Select(t => new TriggerDefinition(FormattableString.Invariant($"keen{t * 100:00}-") + Guid.NewGuid().ToString("N")[..8], "Keen", TriggerKind.Intent, "t", Intent: new IntentSettings("order", t))).ToList();
        var triggers = services.GetRequiredService<TriggerStore>();
        foreach (var trigger in keen.Prepend(everyone))
        {
            await triggers.CreateAsync(trigger);
        }

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

            HashSet<string> PeopleOf(TriggerDefinition trigger) => signals.Where(s => s.TriggerId == trigger.Id).Select(s => s.SubjectKey).ToHashSet(StringComparer.Ordinal);
            var all = PeopleOf(everyone);
            Assert.True(report.Published, report.Message);
            Assert.Equal(ModelStoreFixture.People, all.Count);
            Assert.Equal(signals.Count, signals.Select(s => (s.TriggerId, s.SubjectKey)).Distinct().Count());
            Assert.All(signals, s => Assert.Equal(TriggerSignalKind.Start, s.Kind));
            var below = all;
            foreach (var trigger in keen)
            {
                var above = PeopleOf(trigger);
                Assert.Subset(below, above);
                below = above;
            }

            Assert.Contains(keen, t => PeopleOf(t).Count is > 0 and < ModelStoreFixture.People);
        }
        finally
        {
            foreach (var trigger in keen.Prepend(everyone))
            {
                await triggers.DisableAsync(trigger.Id);
            }
        }
    }
}
