using Engagement.Core.Events;
using Engagement.Core.Tests.Builders;

namespace Engagement.Core.Tests.Events;

public sealed class AdRecordsTests
{
    private static readonly DateTimeOffset ReadAt = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("impression", EventKind.AdImpression)]
    [InlineData("ad_impression", EventKind.AdImpression)]
    [InlineData("click", EventKind.AdClick)]
    [InlineData("AD_CLICK", EventKind.AdClick)]
    [InlineData("conversion", EventKind.AdConversion)]
    public void ValidRecordOfEveryAdKindBecomesAnEvent(string type, EventKind kind)
    {
        var ev = Create(new AdRecordBuilder().Set("type", type));

        Assert.Equal(kind, ev.Kind);
        Assert.Equal(kind.ToWireName(), ev.Name);
    }

    [Fact]
    public void ImpressionCarriesEveryField()
    {
        var ev = Create(new AdRecordBuilder().Set("domain", "Zpravy.Example.CZ"));

        Assert.Equal("ad-feed", ev.SourceId);
        Assert.Equal("user-1", ev.UserId);
        Assert.Equal("cookie-1", ev.AnonymousId);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 15, 0, TimeSpan.Zero), ev.Timestamp);
        Assert.Equal(ReadAt, ev.ReceivedAt);
        var ad = ev.Ad!;
        Assert.Equal("zpravy.example.cz", ad.Domain);
        Assert.Equal("top-banner", ad.Placement);
        Assert.Equal("zima-2026", ad.Campaign);
        Assert.Equal("cr-7", ad.Creative);
        Assert.Equal(3.5, ad.VisibleSeconds);
        Assert.Equal(0.0021m, ad.CostEur);
    }

    [Theory]
    [InlineData("event_type")]
    [InlineData("event")]
    public void TypeColumnAliasesAreUnderstood(string alias)
    {
        var ev = Create(new AdRecordBuilder().Set("type", "click").RenameColumn("type", alias));

        Assert.Equal(EventKind.AdClick, ev.Kind);
    }

    [Fact]
    public void ColumnAliasesAndAnyCaseAreUnderstood()
    {
        var record = new AdRecordBuilder()
            .RenameColumn("user_id", "UserId")
            .RenameColumn("cookie_id", "anonymous_id")
            .RenameColumn("domain", "Site")
            .RenameColumn("placement", "placement_id")
            .RenameColumn("campaign", "CAMPAIGN_ID")
            .RenameColumn("creative", "creative_id")
            .RenameColumn("visible_seconds", "visible_s")
            .RenameColumn("cost_eur", "cost")
            .RenameColumn("timestamp", "ts")
            .Set("messageid", "imp-123");

        var ev = Create(record);

        Assert.Equal("user-1", ev.UserId);
        Assert.Equal("cookie-1", ev.AnonymousId);
        Assert.Equal("zpravy.example.cz", ev.Ad!.Domain);
        Assert.Equal("top-banner", ev.Ad.Placement);
        Assert.Equal("zima-2026", ev.Ad.Campaign);
        Assert.Equal("cr-7", ev.Ad.Creative);
        Assert.Equal(3.5, ev.Ad.VisibleSeconds);
        Assert.Equal(0.0021m, ev.Ad.CostEur);
        Assert.Equal("imp-123", ev.MessageId);
    }

    [Fact]
    public void CookieAloneIdentifiesTheViewer()
    {
        var ev = Create(new AdRecordBuilder().Without("user_id"));

        Assert.Null(ev.UserId);
        Assert.Equal("cookie-1", ev.AnonymousId);
    }

    [Fact]
    public void RecordWithoutUserOrCookieIsRejected()
    {
        var error = Reject(new AdRecordBuilder().Without("user_id").Set("cookie_id", "  "));

        Assert.Contains("\"user_id\" or a \"cookie_id\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("view")]
    [InlineData("track")]
    public void RecordWithAnUnknownTypeIsRejected(string? type)
    {
        var error = Reject(new AdRecordBuilder().Set("type", type));

        Assert.Contains("\"type\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not a host")]
    public void RecordWithoutAUsableDomainIsRejected(string? domain)
    {
        var error = Reject(new AdRecordBuilder().Set("domain", domain));

        Assert.Contains("\"domain\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordWithoutACampaignIsRejected()
    {
        Assert.Contains("\"campaign\"", Reject(new AdRecordBuilder().Without("campaign")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("three")]
    [InlineData("-1")]
    [InlineData("86401")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("2,5")]
    public void BadVisibleSecondsAreRejected(string value)
    {
        var error = Reject(new AdRecordBuilder().Set("visible_seconds", value));

        Assert.Contains("\"visible_seconds\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("free")]
    [InlineData("-0.5")]
    [InlineData("0,25")]
    [InlineData("1,000")]
    public void BadCostsAreRejectedRatherThanMisread(string value)
    {
        var error = Reject(new AdRecordBuilder().Set("cost_eur", value));

        Assert.Contains("\"cost_eur\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingNumbersCountAsZero()
    {
        var ev = Create(new AdRecordBuilder().Without("visible_seconds").Set("cost_eur", ""));

        Assert.Equal(0, ev.Ad!.VisibleSeconds);
        Assert.Equal(0m, ev.Ad.CostEur);
    }

    [Fact]
    public void NumbersInExponentFormAreRead()
    {
        var ev = Create(new AdRecordBuilder().Set("visible_seconds", "1e1").Set("cost_eur", "2.5E-3"));

        Assert.Equal(10, ev.Ad!.VisibleSeconds);
        Assert.Equal(0.0025m, ev.Ad.CostEur);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("yesterday")]
    [InlineData("2026-02-30T10:00:00Z")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1763806500000")]
    public void BadTimestampsAreRejected(string? value)
    {
        var error = Reject(new AdRecordBuilder().Set("timestamp", value));

        Assert.Contains("\"timestamp\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnixSecondsAreATimestamp()
    {
        var at = new DateTimeOffset(2026, 11, 22, 10, 15, 0, TimeSpan.Zero);

        var ev = Create(new AdRecordBuilder().Set("timestamp", AdRecordBuilder.UnixSeconds(at)));

        Assert.Equal(at, ev.Timestamp);
    }

    [Fact]
    public void TimestampWithoutAZoneIsUtc()
    {
        var ev = Create(new AdRecordBuilder().Set("timestamp", "2026-11-22 10:15:00"));

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 15, 0, TimeSpan.Zero), ev.Timestamp);
    }

    [Fact]
    public void IdIsAHashOfTheRawRecordSoReimportsDeduplicate()
    {
        var record = new AdRecordBuilder();

        var first = Create(record);
        var again = Create(record);
        var padded = Create(record, raw: "  " + record.RawLine() + "\r");
        var other = Create(record, raw: record.RawLine() + ",x");

        Assert.StartsWith("ad-", first.MessageId, StringComparison.Ordinal);
        Assert.Equal(35, first.MessageId.Length);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(first.MessageId, padded.MessageId);
        Assert.NotEqual(first.MessageId, other.MessageId);
    }

    [Fact]
    public void OwnMessageIdWinsOverTheHash()
    {
        Assert.Equal("imp-1", Create(new AdRecordBuilder().Set("message_id", "imp-1")).MessageId);
    }

    [Fact]
    public void MessageIdOver100CharactersIsRejected()
    {
        Assert.Contains("\"message_id\"", Reject(new AdRecordBuilder().Set("message_id", new string('m', 101))), StringComparison.Ordinal);
    }

    [Fact]
    public void ValuesAreTrimmed()
    {
        var ev = Create(new AdRecordBuilder().Set("campaign", "  zima-2026 ").Set("type", " click "));

        Assert.Equal("zima-2026", ev.Ad!.Campaign);
        Assert.Equal(EventKind.AdClick, ev.Kind);
    }

    [Fact]
    public void UnknownColumnsAreIgnored()
    {
        var ev = Create(new AdRecordBuilder().Set("browser", "Firefox"));

        Assert.Equal(EventKind.AdImpression, ev.Kind);
    }

    private static EngagementEvent Create(AdRecordBuilder record, string? raw = null)
    {
        var ok = AdRecords.TryCreate(record.Fields(), raw ?? record.RawLine(), "ad-feed", ReadAt, out var ev, out var error);
        Assert.True(ok, error);
        Assert.Null(error);
        return ev!;
    }

    private static string Reject(AdRecordBuilder record)
    {
        var ok = AdRecords.TryCreate(record.Fields(), record.RawLine(), "ad-feed", ReadAt, out var ev, out var error);
        Assert.False(ok);
        Assert.Null(ev);
        return error!;
    }
}
