using System.Text.Json;
using Azure.Data.Tables;
using Engagement.Core.Workflows;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Workflows;
using Engagement.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.Integration.Tests.Workflows;

[Collection(SharedAzurite.Name)]
public sealed class WorkflowEngineTests(AzuriteFixture azurite)
{
    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement;

    [Fact]
    public async Task AWorkflowRunsItsCommandsSleepsBetweenThemAndCompletes()
    {
        await using var services = await RuntimeAsync();
        var engine = services.Get<WorkflowEngine>();

        var started = await engine.StartAsync(TallyDecider.Type, Input(3, 200));
        var done = await PumpUntilAsync(services, started.View!.Id, v => v.Status == WorkflowStatus.Completed);

        Assert.True(started.Created);
        Assert.Equal(3, State(done).Sent);
        Assert.Empty(done.Pending);
        Assert.Null(done.NextWakeUp);
        Assert.Equal(["send-1", "send-2", "send-3"], await SentAsync(services, done.Id));
        Assert.Equal("started", done.History[0].Signal);
        Assert.Contains(done.History, h => h.Signal.StartsWith("woke", StringComparison.Ordinal));
        Assert.Equal("all sent", done.History[^1].Note);
        Assert.Equal(done.Turns, done.History[^1].Turn);
    }

    [Fact]
    public async Task StartingWithAnExistingIdAnswersTheExistingInstance()
    {
        await using var services = await RuntimeAsync();
        var engine = services.Get<WorkflowEngine>();
        var id = UniqueId.New("tally");

        var first = await engine.StartAsync(TallyDecider.Type, Input(2, 100), id);
        var second = await engine.StartAsync(TallyDecider.Type, Input(5, 100), id);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(2, State(second.View!).Sends);
    }

    [Fact]
    public async Task AnUnknownTypeOrAnInvalidInputStartsNothing()
    {
        await using var services = await RuntimeAsync();
        var engine = services.Get<WorkflowEngine>();

        var unknown = await engine.StartAsync("no-such-type", Input(1, 1));
        var invalid = await engine.StartAsync(TallyDecider.Type, Input(0, 1));
        var wrongShape = await engine.StartAsync(TallyDecider.Type, JsonDocument.Parse("""{"sends":"many"}""").RootElement);

        Assert.Contains("no workflow type is named 'no-such-type'", unknown.Errors[0], StringComparison.Ordinal);
        Assert.Equal(["sends must be 1–1000"], invalid.Errors);
        Assert.StartsWith("the input is not a tally input", wrongShape.Errors[0], StringComparison.Ordinal);
        Assert.All(new[] { unknown, invalid, wrongShape }, r => Assert.Null(r.View));
    }

    [Fact]
    public async Task ARedeliveredCommandOrWakeUpDecidesNothingTwice()
    {
        await using var services = await RuntimeAsync();
        var engine = services.Get<WorkflowEngine>();
        var id = (await engine.StartAsync(TallyDecider.Type, Input(2, 60_000))).View!.Id;

        await engine.ProcessAsync(new WorkflowWork(id, "send-1", null), 1);
        var once = (await engine.GetAsync(id))!;
        await engine.ProcessAsync(new WorkflowWork(id, "send-1", null), 1);
        await engine.ProcessAsync(new WorkflowWork(id, null, once.NextWakeUp!.Value.AddSeconds(-1)), 1);
        var twice = (await engine.GetAsync(id))!;

        Assert.Equal(1, State(twice).Sent);
        Assert.Equal(once.Turns, twice.Turns);
        Assert.Equal(["send-1"], await SentAsync(services, id));
    }

    [Fact]
    public async Task AnEventReachesTheDeciderOnceForItsIdempotencyKey()
    {
        await using var services = await RuntimeAsync();
        var engine = services.Get<WorkflowEngine>();
        var id = (await engine.StartAsync(TallyDecider.Type, Input(1, 60_000))).View!.Id;
        var two = JsonDocument.Parse("2").RootElement;

        var first = await engine.RaiseAsync(id, "add", two, "evt-1");
        var again = await engine.RaiseAsync(id, "add", two, "evt-1");
        var other = await engine.RaiseAsync(id, "add", two, "evt-2");

        Assert.Equal([SignalOutcome.Accepted, SignalOutcome.Duplicate, SignalOutcome.Accepted], new[] { first, again, other });
        Assert.Equal(5, State((await engine.GetAsync(id))!).Sends);
        Assert.Equal(SignalOutcome.NotFound, await engine.RaiseAsync(UniqueId.New("tally"), "add", two));
    }

    [Fact]
    public async Task ACancelledInstanceDropsItsPendingWorkAndTakesNoMoreEvents()
    {
        await using var services = await RuntimeAsync();
        var engine = services.Get<WorkflowEngine>();
        var id = (await engine.StartAsync(TallyDecider.Type, Input(3, 100))).View!.Id;

        Assert.Equal(SignalOutcome.Accepted, await engine.CancelAsync(id, "campaign withdrawn"));
        while (await services.Get<WorkflowQueueWorker>().WorkOnceAsync() > 0)
        {
        }

        var view = (await engine.GetAsync(id))!;
        Assert.Equal(WorkflowStatus.Cancelled, view.Status);
        Assert.Empty(view.Pending);
        Assert.Empty(await SentAsync(services, id));
        Assert.Equal("cancelled: campaign withdrawn", view.History[^1].Signal);
        Assert.Equal(SignalOutcome.NotRunning, await engine.RaiseAsync(id, "add", JsonDocument.Parse("1").RootElement));
        Assert.Equal(SignalOutcome.NotRunning, await engine.CancelAsync(id));
    }

    [Fact]
    public async Task AFailingCommandIsRetriedAndOnlyItsLastFailureReachesTheDecider()
    {
        await using var services = await RuntimeAsync(new() { ["Workflows:MaxAttempts"] = "3", ["Workflows:FirstRetryDelay"] = "00:00:00.2" });
        var engine = services.Get<WorkflowEngine>();
        var flaky = UniqueId.New("tally");
        var broken = UniqueId.New("tally");
        TallyActivity.FailFirst[flaky] = 2;
        TallyActivity.FailFirst[broken] = 99;

        await engine.StartAsync(TallyDecider.Type, Input(1, 1), flaky);
        await engine.StartAsync(TallyDecider.Type, Input(1, 1), broken);
        var recovered = await PumpUntilAsync(services, flaky, v => v.Status == WorkflowStatus.Completed);
        var failed = await PumpUntilAsync(services, broken, v => v.Status == WorkflowStatus.Completed);

        Assert.Equal(3, TallyActivity.Runs[$"{flaky}/send-1"]);
        Assert.Empty(State(recovered).Failed);
        Assert.Equal(3, TallyActivity.Runs[$"{broken}/send-1"]);
        Assert.Equal(["send-1"], State(failed).Failed);
        Assert.Contains(failed.History, h => h.Signal == "command send-1 failed: attempt 3 fails on purpose");
    }

    [Fact]
    public async Task AWakeUpBeyondTheQueuesSevenDayLimitIsRearmedUntilItIsDue()
    {
        var clock = new SettableClock(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero));
        await using var services = await RuntimeAsync(clock: clock);
        var engine = services.Get<WorkflowEngine>();
        var id = (await engine.StartAsync(TallyDecider.Type, Input(2, (int)TimeSpan.FromDays(10).TotalMilliseconds))).View!.Id;
        await engine.ProcessAsync(new WorkflowWork(id, "send-1", null), 1);
        var wakeAt = (await engine.GetAsync(id))!.NextWakeUp!.Value;

        clock.Now = clock.Now.AddDays(7);
        await engine.ProcessAsync(new WorkflowWork(id, null, wakeAt), 1);
        var early = (await engine.GetAsync(id))!;
        clock.Now = wakeAt;
        await engine.ProcessAsync(new WorkflowWork(id, null, wakeAt), 1);
        var due = (await engine.GetAsync(id))!;

        Assert.Equal(clock.Now, wakeAt);
        Assert.Empty(early.Pending);
        Assert.Equal(wakeAt, early.NextWakeUp);
        Assert.Equal(["send-2"], due.Pending.Select(c => c.Id));
        Assert.True(WorkflowEngine.MaxQueueDelay < TimeSpan.FromDays(7));
    }

    [Fact]
    public async Task AHostThatLostItsQueueMessagesResumesEveryInstanceAfterARestart()
    {
        var queue = UniqueId.QueueName();
        string[] ids;
        await using (var before = await RuntimeAsync(new() { ["Workflows:QueueName"] = queue }))
        {
            var engine = before.Get<WorkflowEngine>();
            ids = [(await engine.StartAsync(TallyDecider.Type, Input(2, 100))).View!.Id, (await engine.StartAsync(TallyDecider.Type, Input(1, 100))).View!.Id];
            await engine.Queue.ClearMessagesAsync();
        }

        await using var after = await RuntimeAsync(new() { ["Workflows:QueueName"] = queue });
        var resumed = await after.Get<WorkflowEngine>().ResumeAsync();

        Assert.True(resumed >= 2);
        foreach (var id in ids)
        {
            var view = await PumpUntilAsync(after, id, v => v.Status == WorkflowStatus.Completed);
            Assert.Equal(State(view).Sends, (await SentAsync(after, id)).Count);
        }
    }

    [Fact]
    public async Task TwoHostsWorkingOneQueueNeverDecideTwiceOnTheSameState()
    {
        var queue = UniqueId.QueueName();
        await using var first = await RuntimeAsync(new() { ["Workflows:QueueName"] = queue });
        await using var second = await RuntimeAsync(new() { ["Workflows:QueueName"] = queue });
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await first.Get<WorkflowEngine>().StartAsync(TallyDecider.Type, Input(4, 50))).View!.Id);
            // Every command also arrives twice: both hosts race for it.
            await first.Get<WorkflowEngine>().ResumeAsync();
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var workers = new[] { first, second }.Select(s => s.Get<WorkflowQueueWorker>().RunAsync(stop.Token)).ToList();
        foreach (var id in ids)
        {
            await WaitUntilAsync(first, id, v => v.Status == WorkflowStatus.Completed);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        foreach (var id in ids)
        {
            var view = (await first.Get<WorkflowEngine>().GetAsync(id))!;
            Assert.Equal(4, State(view).Sent);
            Assert.Equal(["send-1", "send-2", "send-3", "send-4"], await SentAsync(first, id));
            // start + 4 completions + 3 wake-ups: no decision was taken twice.
            Assert.Equal(8, view.Turns);
        }
    }

    private Task<EngagementServices> RuntimeAsync(Dictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        settings ??= [];
        settings.TryAdd("Workflows:QueueName", UniqueId.QueueName());
        return azurite.CreateServicesAsync(settings, services =>
        {
            services.AddWorkflow<TallyInput, TallyState, TallyDecider>();
            services.AddWorkflowActivity<TallyActivity>();
            if (clock is not null)
            {
                services.AddSingleton(clock);
            }
        });
    }

    private static JsonElement Input(int sends, int intervalMilliseconds) => WorkflowJson.Write(new TallyInput(sends, intervalMilliseconds));

    private static TallyState State(WorkflowView view) => WorkflowJson.Read<TallyState>(view.State);

    private static async Task<List<string>> SentAsync(EngagementServices services, string id)
    {
        var table = TallyActivity.Table(services.Get<EngagementStorage>());
        await table.CreateIfNotExistsAsync();
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {id}")))
        {
            rows.Add(row.RowKey);
        }

        return rows;
    }

    private static async Task<WorkflowView> PumpUntilAsync(EngagementServices services, string id, Func<WorkflowView, bool> done)
    {
        var worker = services.Get<WorkflowQueueWorker>();
        var engine = services.Get<WorkflowEngine>();
        for (var round = 0; round < 600; round++)
        {
            var view = (await engine.GetAsync(id))!;
            if (done(view))
            {
                return view;
            }

            if (await worker.WorkOnceAsync() == 0)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"Workflow {id} did not get there.");
    }

    private static async Task WaitUntilAsync(EngagementServices services, string id, Func<WorkflowView, bool> done)
    {
        for (var round = 0; round < 1200; round++)
        {
            if (done((await services.Get<WorkflowEngine>().GetAsync(id))!))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Workflow {id} did not get there.");
    }
}
