using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

[Collection(RunningHost.Name)]
public sealed class ThirdPartyClientTests(HostFixture host)
{
    [Fact]
    public async Task SegmentNodeLibraryCallsAppearInTheStitchedProfile()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        await NodeClient.RunAsync("segment-node.cjs", Env(run), "@segment/analytics-node");

        var profile = await host.WaitForProfileAsync($"user-{run}", p => (long?)p["eventCount"] >= 7 && p["traits"]?["email"] is not null && p["groups"]?.AsArray().Count > 0);
        Assert.Equal($"user-{run}", (string?)profile["userId"]);
        Assert.Contains($"anon-{run}", profile["anonymousIds"]!.AsArray().Select(a => (string?)a));
        var byType = profile["countsByType"]!;
        Assert.Equal(1, (long?)byType["page"]);
        Assert.Equal(2, (long?)byType["track"]);
        Assert.Equal(1, (long?)byType["identify"]);
        Assert.Equal(1, (long?)byType["screen"]);
        Assert.Equal(1, (long?)byType["group"]);
        Assert.Equal(1, (long?)byType["alias"]);
        Assert.Equal(1, (long?)profile["countsByEvent"]!["Order Completed"]);
        Assert.Equal($"{run}@example.cz", (string?)profile["traits"]!["email"]);
        Assert.Contains($"household-{run}", profile["groups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal(7, profile["recentEvents"]!.AsArray().Count);

        // Identity, traits and groups are applied after the events of a delivery: the profile is whole once all are in.
        // The anonymous id finds the same person: what they did before logging in is part of the profile.
        var (_, byAnonymous) = await host.GetProfileAsync($"anon-{run}");
        Assert.Equal((string?)profile["profileKey"], (string?)byAnonymous!["profileKey"]);
        Assert.Contains("www.example-finance.cz/penze/kalkulacka-duchodu", profile["pages"]!.AsObject().Select(p => p.Key));
        Assert.Contains("Portfolio overview", profile["pages"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task RudderStackNodeSdkWithGzipIsAccepted()
    {
        var run = Guid.NewGuid().ToString("N")[..10];
        await NodeClient.RunAsync("rudderstack-node.cjs", Env(run), "@rudderstack/rudder-sdk-node");

        var profile = await host.WaitForProfileAsync($"rs-user-{run}", p => (long?)p["eventCount"] >= 3 && p["traits"]?["email"] is not null);
        Assert.Contains($"rs-anon-{run}", profile["anonymousIds"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(1, (long?)profile["countsByEvent"]!["Order Completed"]);
        Assert.Equal($"{run}@example.cz", (string?)profile["traits"]!["email"]);
    }

    [Fact]
    public async Task SegmentBrowserLibraryInChromiumLoadsSettingsAndTracksCrossOrigin()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Debian's chromium is needed for browser tests; tools/test installs it.");
        var run = Guid.NewGuid().ToString("N")[..10];
        var output = await NodeClient.RunAsync("segment-browser.cjs", Env(run), "playwright-core");
        var anonymousId = output.Trim().Split('\n')[^1].Trim();

        var profile = await host.WaitForProfileAsync($"web-user-{run}", p => (long?)p["eventCount"] >= 4 && p["traits"]?["email"] is not null);
        Assert.Contains(anonymousId, profile["anonymousIds"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(1, (long?)profile["countsByType"]!["page"]);
        Assert.Equal(1, (long?)profile["countsByEvent"]!["Order Completed"]);
        Assert.Equal($"{run}@example.cz", (string?)profile["traits"]!["email"]);
        Assert.Contains(profile["pages"]!.AsObject(), p => p.Key.EndsWith("/cestovani/pojisteni-do-zahranici", StringComparison.Ordinal));
    }

    private Dictionary<string, string> Env(string run) => new()
    {
        ["ENGAGE_URL"] = host.BaseAddress.ToString().TrimEnd('/'),
        ["WRITE_KEY"] = host.WriteKey,
        ["RUN_ID"] = run,
    };
}
