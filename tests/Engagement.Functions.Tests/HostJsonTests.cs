using System.Globalization;
using System.Text.Json;

namespace Engagement.Functions.Tests;

/// <summary>host.json: routes without a prefix (the tracking API is served at /v1/... and /t) and deliberate Event Hubs batching.</summary>
public sealed class HostJsonTests
{
    private static readonly string[] OffsetTypes = ["fromStart", "fromEnd", "fromEnqueuedTime"];

    private static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.HostJson)).RootElement;

    [Fact]
    public void IsAVersion2HostFile() => Assert.Equal("2.0", Root.GetProperty("version").GetString());

    [Fact]
    public void HttpRoutesHaveNoPrefix() =>
        Assert.Equal(string.Empty, Root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());

    [Fact]
    public void EventHubsBatchingIsConfigured()
    {
        var eventHubs = Root.GetProperty("extensions").GetProperty("eventHubs");
        var max = eventHubs.GetProperty("maxEventBatchSize").GetInt32();
        var min = eventHubs.GetProperty("minEventBatchSize").GetInt32();
        var prefetch = eventHubs.GetProperty("prefetchCount").GetInt32();

        Assert.InRange(min, 1, max - 1);
        Assert.True(prefetch >= max, "prefetchCount should be at least maxEventBatchSize, so a full batch is buffered.");
        Assert.True(eventHubs.GetProperty("batchCheckpointFrequency").GetInt32() >= 1);
        Assert.True(TimeSpan.TryParse(eventHubs.GetProperty("maxWaitTime").GetString(), CultureInfo.InvariantCulture, out var wait) && wait > TimeSpan.Zero);
        Assert.Contains(eventHubs.GetProperty("initialOffsetOptions").GetProperty("type").GetString(), OffsetTypes);
    }

    [Fact]
    public void TriggerSignalsAreRetriedAfterAPauseAndReadAsTheAppWritesThem()
    {
        var queues = Root.GetProperty("extensions").GetProperty("queues");
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.Equal("00:00:10", queues.GetProperty("visibilityTimeout").GetString());
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
    }

    [Fact]
    public void DurableTaskHubIsNamed() =>
        Assert.False(string.IsNullOrWhiteSpace(Root.GetProperty("extensions").GetProperty("durableTask").GetProperty("hubName").GetString()));

    [Fact]
    public void FunctionsProjectShipsTheRootHostJson()
    {
        var project = File.ReadAllText(Path.Combine(RepositoryRoot.FunctionsProject, "Engagement.Functions.csproj"));
        Assert.Contains("<None Include=\"../../host.json\" Link=\"host.json\" CopyToOutputDirectory=\"PreserveNewest\" CopyToPublishDirectory=\"PreserveNewest\" />", project, StringComparison.Ordinal);
    }
}
