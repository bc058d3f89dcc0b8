using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Engagement.EndToEnd.Tests.Support;

namespace Engagement.EndToEnd.Tests;

/// <summary>The contacts API over real HTTP, as a CRM would use it.</summary>
[Collection(RunningHost.Name)]
public sealed class ContactEndpointTests(HostFixture host)
{
    private static string NewSubject() => "cust-" + Guid.NewGuid().ToString("N");

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? json = null, string? adminKey = HostFixture.AdminKey, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        var response = await host.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    [Fact]
    public async Task AContactIsStoredNormalisedReadBackAndWrittenOnlyOverTheVersionNamed()
    {
        var subject = NewSubject();
        var body = """{"email":"Jana@Example.CZ","phone":"777 123 456","provenance":"competition","provenanceDetail":"summer raffle 2026"}""";

        var created = await SendAsync(HttpMethod.Put, $"/api/contacts/{subject}", body);
        var repeated = await SendAsync(HttpMethod.Put, $"/api/contacts/{subject}", body);
        var read = await SendAsync(HttpMethod.Get, $"/api/contacts/{subject}");
        var etag = read.Response.Headers.ETag?.ToString() ?? string.Join("", read.Response.Headers.GetValues("ETag"));
        var changed = await SendAsync(HttpMethod.Put, $"/api/contacts/{subject}", """{"phone":"+420 602 000 111","provenance":"order"}""", ifMatch: etag);
        var stale = await SendAsync(HttpMethod.Put, $"/api/contacts/{subject}", """{"phone":"+420 602 000 222","provenance":"order"}""", ifMatch: etag);

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(HttpStatusCode.OK, repeated.Status);
        Assert.Equal("+420777123456", (string?)read.Body!["phone"]);
        Assert.Equal("Jana@example.cz", (string?)read.Body["email"]);
        Assert.Equal("competition", (string?)read.Body["source"]!["provenance"]);
        Assert.Equal("summer raffle 2026", (string?)read.Body["source"]!["detail"]);
        Assert.Equal(HttpStatusCode.OK, changed.Status);
        Assert.Equal("+420602000111", (string?)changed.Body!["phone"]);
        Assert.Null(changed.Body["email"]);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);
        Assert.Equal("application/problem+json", stale.Response.Content.Headers.ContentType?.MediaType);
        created.Response.Dispose();
        repeated.Response.Dispose();
        read.Response.Dispose();
        changed.Response.Dispose();
        stale.Response.Dispose();
    }

    [Theory]
    [InlineData("""{"phone":"777 12"}""", "phone number")]
    [InlineData("""{"email":"jana"}""", "not an e-mail address")]
    [InlineData("""{"provenance":"order"}""", "give an email, a phone, or both")]
    [InlineData("""{"phone":"777123456","provenance":"raffle"}""", "not a contact")]
    [InlineData("""{"phone":"777123456","shoeSize":42}""", "not a contact")]
    [InlineData("""not json""", "not a contact")]
    public async Task BadContactsAreRefusedWithWhatIsWrong(string body, string named)
    {
        var (status, problem, response) = await SendAsync(HttpMethod.Put, $"/api/contacts/{NewSubject()}", body);
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(named, (string?)problem!["detail"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ASuppressionIsAddedOnceAndItsLiftingIsKept()
    {
        var subject = NewSubject();
        await SendAsync(HttpMethod.Put, $"/api/contacts/{subject}", """{"email":"eva@example.cz","provenance":"form"}""");

        var added = await SendAsync(HttpMethod.Post, $"/api/contacts/{subject}/suppressions", """{"channel":"email","reason":"complained","note":"ticket 7"}""");
        var again = await SendAsync(HttpMethod.Post, $"/api/contacts/{subject}/suppressions", """{"channel":"email","reason":"manual"}""");
        var lifted = await SendAsync(HttpMethod.Delete, $"/api/contacts/{subject}/suppressions/email?note=asked%20to%20return");
        var liftedAgain = await SendAsync(HttpMethod.Delete, $"/api/contacts/{subject}/suppressions/email");
        var read = await SendAsync(HttpMethod.Get, $"/api/contacts/{subject}");

        Assert.Equal(HttpStatusCode.Created, added.Status);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.False((bool)again.Body!["added"]!);
        Assert.Equal("complained", (string?)again.Body["suppression"]!["reason"]);
        Assert.Equal(HttpStatusCode.OK, lifted.Status);
        Assert.Equal(HttpStatusCode.NotFound, liftedAgain.Status);
        Assert.Empty(read.Body!["suppressions"]!.AsArray());
        var record = Assert.Single(read.Body["lifted"]!.AsArray())!;
        Assert.Equal(("complained", "asked to return", "ticket 7"), ((string?)record["reason"], (string?)record["liftNote"], (string?)record["note"]));
    }

    [Theory]
    [InlineData("POST", "suppressions", """{"channel":"pigeon","reason":"manual"}""")]
    [InlineData("POST", "suppressions", """{"channel":"sms"}""")]
    [InlineData("POST", "suppressions", """{"channel":"sms","reason":"manual","until":"2001-01-01T00:00:00Z"}""")]
    [InlineData("DELETE", "suppressions/pigeon", null)]
    public async Task BadSuppressionsAreRefused(string method, string path, string? body)
    {
        var (status, _, response) = await SendAsync(new HttpMethod(method), $"/api/contacts/{NewSubject()}/{path}", body);
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
        }
    }

    [Fact]
    public async Task ContactsNeedTheAdminKeyAndAnUnknownSubjectIsNotFound()
    {
        var anonymous = await SendAsync(HttpMethod.Put, $"/api/contacts/{NewSubject()}", """{"email":"x@example.cz"}""", adminKey: null);
        var wrongKey = await SendAsync(HttpMethod.Get, $"/api/contacts/{NewSubject()}", adminKey: "wrong-key-0123456789");
        var unknown = await SendAsync(HttpMethod.Get, $"/api/contacts/{NewSubject()}");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
    }
}
