using System.Text.Json.Nodes;
using Engagement.Host.Hosting;
using Engagement.Infrastructure.Email;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Email;

/// <summary>A real MailDev for the e-mail tests of a class, started and stopped by the fixture.</summary>
public sealed class MailDevFixture : IAsyncLifetime
{
    public MailDevProcess MailDev { get; private set; } = null!;

    public async Task InitializeAsync() => MailDev = await MailDevProcess.StartAsync();

    public async Task DisposeAsync() => await MailDev.DisposeAsync();
}

/// <summary>SMTP with MailKit against a real MailDev: what arrives, and what a relay that does not answer does.</summary>
[Collection(SharedAzurite.Name)]
public sealed class EmailSenderTests(AzuriteFixture azurite, MailDevFixture mail) : IClassFixture<MailDevFixture>
{
    [Fact]
    public async Task ABatchGoesOutOverOneConnectionAsHtmlWithPlainTextUnderTheGivenMessageIds()
    {
        await using var services = await azurite.CreateServicesAsync(mail.MailDev.EmailSettings);
        var run = Guid.NewGuid().ToString("N")[..10];
        var messages = Enumerable.Range(1, 2).Select(i => new EmailMessage(
            $"reader{i}.{run}@example.cz", $"Zpráva {i}", $"<p>Dobrý den, <b>{i}</b></p>", $"Dobrý den, {i}", $"batch-{run}-{i}@engagement360.local", $"Čtenář {i}")).ToList();

        await services.Get<EmailSender>().SendAsync(messages);

        using var inbox = new HttpClient { BaseAddress = mail.MailDev.WebAddress };
        var all = JsonNode.Parse(await inbox.GetStringAsync("api/email"))!.AsArray();
        foreach (var message in messages)
        {
            var received = Assert.Single(all, m => (string?)m!["to"]![0]!["address"] == message.To)!;
            Assert.Equal(message.Subject, (string?)received["subject"]);
            Assert.Contains("<b>", (string?)received["html"], StringComparison.Ordinal);
            Assert.Equal(message.TextBody, ((string?)received["text"])?.Trim());
            Assert.Equal("consent@engagement360.local", (string?)received["from"]![0]!["address"]);
            var source = await inbox.GetStringAsync($"api/email/{received["id"]}/source");
            Assert.Contains($"<{message.MessageId}>", source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ACampaignEmailCarriesTheListUnsubscribeHeadersForOneClickUnsubscribing()
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>(mail.MailDev.EmailSettings)
        {
            ["Consent:PublicBaseUrl"] = "https://consent.example.cz",
        });
        var run = Guid.NewGuid().ToString("N")[..10];
        var link = new Engagement.Core.Consent.UnsubscribeLink("k-" + run, "marketing", "spring-sale", $"campaign-{run}@engagement360.local");
        var headers = services.Get<Engagement.Infrastructure.Consent.UnsubscribeLinks>().Headers(link, mailto: "unsubscribe@engagement360.local");
        var message = new EmailMessage($"reader.{run}@example.cz", "Jarní výprodej", "<p>Nabídka</p>", "Nabídka", link.MessageId, Headers: headers);

        await services.Get<EmailSender>().SendAsync(message);

        using var inbox = new HttpClient { BaseAddress = mail.MailDev.WebAddress };
        var all = JsonNode.Parse(await inbox.GetStringAsync("api/email"))!.AsArray();
        var received = Assert.Single(all, m => (string?)m!["to"]![0]!["address"] == message.To)!;
        var source = await inbox.GetStringAsync($"api/email/{received["id"]}/source");
        // Header lines may be folded (RFC 5322 2.2.3): unfold before reading them.
        var unfolded = System.Text.RegularExpressions.Regex.Replace(source, @"\r?\n[ \t]+", " ");
        var token = Uri.UnescapeDataString(System.Text.RegularExpressions.Regex.Match(unfolded, @"List-Unsubscribe: <https://consent\.example\.cz/unsubscribe\?t=([^>]+)>, <mailto:unsubscribe@engagement360\.local\?subject=unsubscribe>").Groups[1].Value);
        Assert.Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click", unfolded, StringComparison.Ordinal);
        Assert.Equal(link, services.Get<Engagement.Core.Consent.ConsentTokenSigner>().ReadUnsubscribe(token).Value);
    }

    [Fact]
    public async Task ARelayThatDoesNotAnswerIsAPassingFaultNamingTheRelay()
    {
        var port = Loopback.FreePort();
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>(mail.MailDev.EmailSettings)
        {
            ["Email:Smtp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        var fault = await Assert.ThrowsAsync<EmailNotSentException>(() =>
            services.Get<EmailSender>().SendAsync(new EmailMessage("x@example.cz", "s", "<p>h</p>", "t", "id@engagement360.local")));

        Assert.Contains($"127.0.0.1:{port}", fault.Message, StringComparison.Ordinal);
        Assert.Equal(0, fault.Sent);
    }

    [Fact]
    public async Task WithoutARelayNothingIsConfigured()
    {
        await using var services = await azurite.CreateServicesAsync();

        Assert.False(services.Get<EmailSender>().IsConfigured);
    }
}
