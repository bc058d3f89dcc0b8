using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Engagement.Core.Workflows;
using Engagement.EndToEnd.Tests.Support;
using Engagement.Infrastructure;
using Engagement.Infrastructure.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Engagement.EndToEnd.Tests;

/// <summary>The workflow endpoints over real HTTP, on a host that runs a small workflow collecting the events it gets.</summary>
[Collection(RunningHost.Name)]
public sealed class WorkflowEndpointTests(HostFixture host) : IAsyncLifetime, IDisposable
{
    private WebApplication? _app;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        (_app, var address) = await HostFixture.StartHostAsync(host.ConnectionString, new Dictionary<string, string?>(), services =>
            services.AddWorkflow<GuestbookInput, GuestbookState, Guestbook>());
        _client = new HttpClient { BaseAddress = address };
        _client.DefaultRequestHeaders.Add("X-Admin-Key", HostFixture.AdminKey);
    }

    public void Dispose() => _client.Dispose();

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnInstanceShowsItsStateNextWakeUpAndDecisions()
    {
        var id = await StartAsync();

        using var response = await _client.GetAsync($"/api/workflows/{id}");
        var view = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("running", (string?)view["status"]);
        Assert.Equal(Guestbook.Type, (string?)view["type"]);
        Assert.NotNull(view["nextWakeUp"]);
        Assert.Equal("open the book", (string?)view["history"]![0]!["note"]);
        Assert.Empty(view["state"]!["entries"]!.AsArray());
    }

    [Fact]
    public async Task AnEventIsDeliveredOncePerIdempotencyKey()
    {
        var id = await StartAsync();

        using var first = await RaiseAsync(id, "sign", """{"name":"Ada"}""", "k-1");
        using var again = await RaiseAsync(id, "sign", """{"name":"Ada"}""", "k-1");
        using var other = await RaiseAsync(id, "sign", """{"name":"Bo"}""");
        var view = await ViewAsync(id);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("duplicate", (string?)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["outcome"]);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        Assert.Equal(["Ada", "Bo"], view["state"]!["entries"]!.AsArray().Select(e => (string)e!));
    }

    [Fact]
    public async Task CancellingEndsTheInstanceAndLaterEventsAreRefused()
    {
        var id = await StartAsync();

        using var cancel = await _client.PostAsync($"/api/workflows/{id}/cancel", new StringContent("""{"reason":"no longer needed"}""", Encoding.UTF8, "application/json"));
        using var late = await RaiseAsync(id, "sign", """{"name":"Cy"}""");
        var view = await ViewAsync(id);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("application/problem+json", late.Content.Headers.ContentType?.MediaType);
        Assert.Equal("cancelled", (string?)view["status"]);
        Assert.Null(view["nextWakeUp"]);
        Assert.Equal("cancelled: no longer needed", (string?)view["history"]!.AsArray()[^1]!["signal"]);
    }

    [Theory]
    [InlineData("/api/workflows/no-such-instance", "GET", null, HttpStatusCode.NotFound)]
    [InlineData("/api/workflows/bad%20id", "GET", null, HttpStatusCode.NotFound)]
    [InlineData("/api/workflows/no-such-instance/events/sign", "POST", "{}", HttpStatusCode.NotFound)]
    [InlineData("/api/workflows/no-such-instance/events/bad%20name", "POST", "{}", HttpStatusCode.BadRequest)]
    [InlineData("/api/workflows/no-such-instance/events/sign", "POST", "{not json", HttpStatusCode.BadRequest)]
    [InlineData("/api/workflows/no-such-instance/cancel", "POST", null, HttpStatusCode.NotFound)]
    public async Task BadRequestsGetAProblemNotACrash(string path, string method, string? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };

        using var response = await _client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task WithoutTheAdminKeyNothingIsShown()
    {
        var id = await StartAsync();
        using var anonymous = new HttpClient { BaseAddress = _client.BaseAddress };

        using var response = await anonymous.GetAsync($"/api/workflows/{id}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<string> StartAsync()
    {
        var result = await _app!.Services.GetRequiredService<IWorkflowRuntime>().StartAsync(Guestbook.Type, WorkflowJson.Write(new GuestbookInput("visitors")));
        return result.View!.Id;
    }

    private Task<HttpResponseMessage> RaiseAsync(string id, string name, string json, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workflows/{id}/events/{name}") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return _client.SendAsync(request);
    }

    private async Task<JsonNode> ViewAsync(string id) => JsonNode.Parse(await _client.GetStringAsync($"/api/workflows/{id}"))!;

    public sealed record GuestbookInput(string Title);

    public sealed record GuestbookState(string Title, IReadOnlyList<string> Entries);

    /// <summary>Collects the names it is sent; wakes once a day to do nothing.</summary>
    public sealed class Guestbook : IDecider<GuestbookInput, GuestbookState>
    {
        public const string Type = "guestbook";

        public string WorkflowType => Type;

        public IReadOnlyList<string> Validate(GuestbookInput input) => [];

        public Decision<GuestbookState> Start(GuestbookInput input, DateTimeOffset now) =>
            Decision.Continue(new GuestbookState(input.Title, []), "open the book", now.AddDays(1));

        public Decision<GuestbookState> Decide(GuestbookState state, WorkflowSignal signal, DateTimeOffset now) => signal switch
        {
            WorkflowSignal.External { Name: "sign" } e => Decision.Continue(
                state with { Entries = [.. state.Entries, e.Payload.GetProperty("name").GetString()!] }, "signed", now.AddDays(1)),
            WorkflowSignal.Cancelled => Decision.Complete(state, "closed"),
            _ => Decision.Continue(state, "nothing", now.AddDays(1)),
        };
    }
}
