using Engagement.Core.Campaigns;
using Engagement.Infrastructure.Email;
using Engagement.Integration.Tests.Support;
using MimeKit;

namespace Engagement.Integration.Tests.Email;

/// <summary>The pooled SMTP connections of campaign sending against a real MailDev.</summary>
[Collection(SharedAzurite.Name)]
public sealed class SmtpRelayPoolTests(AzuriteFixture azurite, MailDevFixture mail) : IClassFixture<MailDevFixture>
{
    [Fact]
    public async Task ManyMessagesGoOverTheSameFewConnections()
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>(mail.MailDev.EmailSettings) { ["Email:Smtp:Connections"] = "2" });
        var pool = services.Get<SmtpRelayPool>();
        var run = Guid.NewGuid().ToString("N")[..10];

        var replies = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => pool.SendAsync(Message($"pool{i}.{run}@example.cz", $"pool-{run}-{i}@engagement360.local"))));

        Assert.All(replies, r => Assert.True(r.Sent));
        Assert.InRange(pool.ConnectsMade, 1, 2);
    }

    [Fact]
    public async Task TheCampaignsRateSpacesTheScheduledSends()
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>(mail.MailDev.EmailSettings) { ["Email:Smtp:Connections"] = "3" });
        var pool = services.Get<SmtpRelayPool>();
        var pace = new SendPace(20);
        var run = Guid.NewGuid().ToString("N")[..10];

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => pool.SendAsync(Message($"pace{i}.{run}@example.cz", $"pace-{run}-{i}@engagement360.local"), pace)));

        var slots = replies.Select(r => r.ScheduledAt!.Value).Order().ToList();
        // Eight sends at 20 a second: no two slots closer than 50 ms, so at most 20 in any second.
        Assert.All(slots.Zip(slots.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(50), $"{pair.First:O} → {pair.Second:O}"));
        Assert.All(replies, r => Assert.True(r.Sent));
    }

    [Fact]
    public async Task TheDeploymentsRateHoldsAcrossCampaigns()
    {
        await using var services = await azurite.CreateServicesAsync(new Dictionary<string, string?>(mail.MailDev.EmailSettings) { ["Email:MaxPerSecond"] = "25" });
        var pool = services.Get<SmtpRelayPool>();
        var run = Guid.NewGuid().ToString("N")[..10];

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            pool.SendAsync(Message($"global{i}.{run}@example.cz", $"global-{run}-{i}@engagement360.local"), new SendPace(1_000))));

        var slots = replies.Select(r => r.ScheduledAt!.Value).Order().ToList();
        Assert.All(slots.Zip(slots.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(40), $"{pair.First:O} → {pair.Second:O}"));
    }

    private static MimeMessage Message(string to, string messageId)
    {
        var message = new MimeMessage { Subject = "Pool", MessageId = messageId, Body = new TextPart("plain") { Text = "Hello" } };
        message.From.Add(MailboxAddress.Parse("news@engagement360.local"));
        message.To.Add(MailboxAddress.Parse(to));
        return message;
    }
}
