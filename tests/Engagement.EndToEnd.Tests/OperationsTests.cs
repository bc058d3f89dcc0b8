using System.Text.Json;
using Engagement.Core.Events;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Scheduling;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engagement.EndToEnd.Tests;

[Collection(RunningHost.Name)]
public sealed class OperationsTests(HostFixture host)
{
    [Fact]
    public async Task ReplayedStreamDeadLetterIsIngestedAndInvalidInputStays()
    {
        var run = Guid.NewGuid().ToString("N");
        var letters = host.Services.GetRequiredService<DeadLetterStore>();
        var ev = new EngagementEvent
        {
            MessageId = $"replay-{run}",
            Kind = EventKind.Track,
            SourceId = "e2e-web",
            AnonymousId = $"replay-{run}",
            Name = "Recovered",
            Timestamp = DateTimeOffset.UtcNow,
            ReceivedAt = DateTimeOffset.UtcNow,
        };
        var message = StreamCodec.EncodeBatch(new IngestionBatch(run, "e2e-web", [ev]));
        await letters.WriteAsync("stream", "Not stored after 3 attempts: storage unavailable", Convert.ToBase64String(message), null, $"msg-{run}");
        await letters.WriteAsync("tracking", "A track message needs an \"event\" name.", "{\"anonymousId\":\"x\"}", "e2e-web", $"bad-{run}");

        var report = await host.Services.GetRequiredService<DeadLetterReplay>().ReplayAsync();

        Assert.True(report.Replayed >= 1);
        await host.WaitForProfileAsync($"replay-{run}", p => (long?)p["countsByEvent"]?["Recovered"] == 1);
        var remaining = new List<string>();
        await foreach (var (name, _) in letters.ListAsync())
        {
            remaining.Add(name);
        }

        Assert.Contains(remaining, n => n.EndsWith($"bad-{run}.json", StringComparison.Ordinal));
        Assert.DoesNotContain(remaining, n => n.EndsWith($"msg-{run}.json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PayloadCleanupDeletesOnlyClaimChecksOlderThanAWeek()
    {
        var storage = host.Services.GetRequiredService<EngagementStorage>();
        var name = $"{DateTime.UtcNow:yyyy-MM-dd}/cleanup-{Guid.NewGuid():N}.json.gz";
        await storage.StreamPayloads.UploadBlobAsync(name, BinaryData.FromString("payload"));

        await new StreamPayloadCleanup(storage, new ShiftedTime(TimeSpan.Zero), NullLogger<StreamPayloadCleanup>.Instance).RunAsync();
        Assert.True((await storage.StreamPayloads.GetBlobClient(name).ExistsAsync()).Value);

        await new StreamPayloadCleanup(storage, new ShiftedTime(TimeSpan.FromDays(8)), NullLogger<StreamPayloadCleanup>.Instance).RunAsync();
        Assert.False((await storage.StreamPayloads.GetBlobClient(name).ExistsAsync()).Value);
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
