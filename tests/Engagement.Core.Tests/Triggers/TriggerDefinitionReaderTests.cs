using System.Text.Json;
using Engagement.Core.Triggers;

namespace Engagement.Core.Tests.Triggers;

public sealed class TriggerDefinitionReaderTests
{
    [Fact]
    public void AnAbandonedCartTriggerTakesItsDefaults()
    {
        var result = Read("""{"id":"cart","name":"Cart","kind":"abandonedCart","templateId":"cart-mail","abandonedCart":{"waitHours":2}}""");

        var trigger = Assert.IsType<TriggerDefinition>(result.Definition);
        Assert.Equal(TriggerKind.AbandonedCart, trigger.Kind);
        Assert.Equal("marketing", trigger.Purpose);
        Assert.True(trigger.Enabled);
        Assert.Equal(new AbandonedCartSettings("Product Added", "Order Completed", 2), trigger.AbandonedCart);
    }

    [Fact]
    public void EveryKindReadsItsOwnSettings()
    {
        var welcome = Read("""{"id":"w","name":"W","kind":"welcome","templateId":"t","welcome":{"delayMinutes":15},"sender":{"address":"Shop@Example.CZ","name":"Shop"}}""").Definition!;
        var birthday = Read("""{"id":"b","name":"B","kind":"birthday","templateId":"t","birthday":{"localHour":8,"timeZone":"Europe/Prague"}}""").Definition!;
        var intent = Read("""{"id":"i","name":"I","kind":"intent","templateId":"t","intent":{"goal":"order","threshold":0.7,"cooldownDays":14}}""").Definition!;

        Assert.Equal(15, welcome.Welcome!.DelayMinutes);
        Assert.Equal(new TriggerSender("Shop@example.cz", "Shop"), welcome.Sender);
        Assert.Equal(new BirthdaySettings("birthday", 8, "Europe/Prague"), birthday.Birthday);
        Assert.Equal(new IntentSettings("order", 0.7, 14), intent.Intent);
    }

    [Fact]
    public void EveryProblemIsReportedWithItsPath()
    {
        var result = Read("""
            {"id":"Bad Id","kind":"abandonedCart","templateId":"","colour":"red","sender":{"address":"nobody"},
             "abandonedCart":{"waitHours":0,"awaitedEvent":"Product Added"},"intent":{"goal":"x","threshold":1}}
            """);

        Assert.Null(result.Definition);
        Assert.Contains(result.Problems, p => p.StartsWith("$.id:", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("$.name: required", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("$.templateId:", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("$.colour:", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("$.sender.address:", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("$.abandonedCart.waitHours:", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("$.abandonedCart.awaitedEvent:", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.StartsWith("$.intent: only for", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"id":"b","name":"B","kind":"birthday","templateId":"t","birthday":{"localHour":24}}""", "$.birthday.localHour:")]
    [InlineData("""{"id":"b","name":"B","kind":"birthday","templateId":"t","birthday":{"timeZone":"Mars/Olympus"}}""", "$.birthday.timeZone:")]
    [InlineData("""{"id":"i","name":"I","kind":"intent","templateId":"t","intent":{"goal":"order","threshold":1.5}}""", "$.intent.threshold:")]
    [InlineData("""{"id":"i","name":"I","kind":"intent","templateId":"t","intent":{"goal":"order"}}""", "$.intent.threshold: required")]
    [InlineData("""{"id":"i","name":"I","kind":"intent","templateId":"t","intent":{"goal":"order","threshold":0.5,"cooldownDays":0}}""", "$.intent.cooldownDays:")]
    [InlineData("""{"id":"i","name":"I","kind":"intent","templateId":"t"}""", "$.intent: required")]
    [InlineData("""{"id":"w","name":"W","kind":"welcome","templateId":"t","welcome":{"delayMinutes":"soon"}}""", "$.welcome.delayMinutes: must be a number")]
    [InlineData("""{"id":"x","name":"X","kind":"newsletter","templateId":"t"}""", "$.kind:")]
    [InlineData("""{"id":"x","name":"X","kind":"welcome","templateId":"t","enabled":"yes"}""", "$.enabled:")]
    [InlineData("""[1,2]""", "$:")]
    public void ABadFieldIsNamedByItsPath(string json, string expected)
    {
        var result = Read(json);

        Assert.Null(result.Definition);
        Assert.Contains(result.Problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    private static TriggerReadResult Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return TriggerDefinitionReader.Read(document.RootElement);
    }
}
