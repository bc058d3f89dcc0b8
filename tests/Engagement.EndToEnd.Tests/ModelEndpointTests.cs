using System.Net;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>The model management endpoints over real HTTP.</summary>
[Collection(RunningHost.Name)]
public sealed class ModelEndpointTests(HostFixture host)
{
    [Theory]
    [InlineData("GET", "/api/models", null)]
    [InlineData("POST", "/api/models/retrain", null)]
    [InlineData("GET", "/api/models", "wrong-key")]
    [InlineData("POST", "/api/models/retrain", "wrong-key")]
    public async Task ModelEndpointsNeedTheAdminKey(string method, string path, string? key)
    {
        using var response = await SendAsync(method, path, key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RetrainWithTooLittleHistorySaysWhyAndListsNoModel()
    {
        using var retrain = await SendAsync("POST", "/api/models/retrain", HostFixture.AdminKey);
        var body = JsonNode.Parse(await retrain.Content.ReadAsStringAsync())!;
        using var list = await SendAsync("GET", "/api/models", HostFixture.AdminKey);
        var models = JsonNode.Parse(await list.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, retrain.StatusCode);
        var goal = body["goals"]!.AsArray().Single()!;
        Assert.Equal("order", (string?)goal["goal"]);
        Assert.False((bool)goal["trained"]!);
        Assert.Contains("champion is unchanged", (string?)goal["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Empty(models["models"]!.AsArray());
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string? key)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (key is not null)
        {
            request.Headers.Add("X-Admin-Key", key);
        }

        return host.Client.SendAsync(request);
    }
}
