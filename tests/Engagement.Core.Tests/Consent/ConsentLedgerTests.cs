using Engagement.Core.Consent;

namespace Engagement.Core.Tests.Consent;

public sealed class ConsentLedgerTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private static readonly ConsentTextReference Text = new("marketing-email", 3, "cs", ConsentLedger.TextHash("Souhlasím se zasíláním nabídek e-mailem."));
    private static readonly ConsentEvidence Browser = new(IpAddress: "203.0.113.7", UserAgent: "Mozilla/5.0");

    private static ConsentRequest Request(ConsentDecision decision = ConsentDecision.Granted, DateTimeOffset? at = null, string subject = "subject-1") =>
        new(subject, "marketing", ContactChannel.Email, decision, LegalBasis.Consent, CaptureChannel.PortalPopup, at ?? Day, Text, Browser, "portal");

    private static List<ConsentRecord> Ledger(params ConsentRequest[] requests)
    {
        var records = new List<ConsentRecord>();
        foreach (var request in requests)
        {
            records.Add(ConsentLedger.Append(records.LastOrDefault(), request, request.DecidedAt.AddSeconds(1)));
        }

        return records;
    }

    [Fact]
    public void RecordsAreNumberedAndChainedByHash()
    {
        var ledger = Ledger(Request(), Request(ConsentDecision.Withdrawn, Day.AddDays(3)));

        Assert.Equal([1L, 2L], ledger.Select(r => r.Sequence));
        Assert.Equal(string.Empty, ledger[0].PreviousHash);
        Assert.Equal(ledger[0].Hash, ledger[1].PreviousHash);
        Assert.Matches("^[0-9a-f]{64}$", ledger[1].Hash);
        Assert.Null(ConsentLedger.FirstBroken(ledger));
    }

    [Fact]
    public void AnyChangeToHistoryIsDetected()
    {
        var ledger = Ledger(Request(), Request(ConsentDecision.Withdrawn, Day.AddDays(3)), Request(at: Day.AddDays(5)));

        var rewritten = ledger.Select(r => r.Sequence == 2 ? r with { Request = r.Request with { Decision = ConsentDecision.Granted } } : r).ToList();
        var removed = ledger.Where(r => r.Sequence != 2).ToList();
        var backdated = ledger.Select(r => r.Sequence == 1 ? r with { RecordedAt = r.RecordedAt.AddDays(-30) } : r).ToList();

        Assert.Equal(2, ConsentLedger.FirstBroken(rewritten));
        Assert.Equal(2, ConsentLedger.FirstBroken(removed));
        Assert.Equal(1, ConsentLedger.FirstBroken(backdated));
    }

    [Fact]
    public void StatusIsTheLatestDecisionPerPurposeAndChannel()
    {
        var sms = Request() with { Channel = ContactChannel.Sms, CapturedVia = CaptureChannel.ReplySms, Evidence = new ConsentEvidence(SmsMessageId: "sms-1") };
        var ledger = Ledger(Request(), sms, Request(ConsentDecision.Withdrawn, Day.AddDays(3)));

        var status = ConsentLedger.Status(ledger);

        Assert.Equal(2, status.Count);
        Assert.Equal(ConsentDecision.Withdrawn, status.Single(s => s.Channel == ContactChannel.Email).Decision);
        Assert.Equal(ConsentDecision.Granted, status.Single(s => s.Channel == ContactChannel.Sms).Decision);
    }

    [Fact]
    public void ADecisionReportedLateDoesNotOverrideALaterOne()
    {
        // The store's paper form from Monday arrives after Wednesday's withdrawal by e-mail link.
        var ledger = Ledger(Request(ConsentDecision.Withdrawn, Day.AddDays(2)), Request(ConsentDecision.Granted, Day));

        Assert.Equal(ConsentDecision.Withdrawn, ConsentLedger.Status(ledger).Single().Decision);
    }

    [Theory]
    [InlineData(CaptureChannel.PortalPopup, "ipAddress and userAgent")]
    [InlineData(CaptureChannel.ReplySms, "smsMessageId")]
    [InlineData(CaptureChannel.Ivr, "callId")]
    [InlineData(CaptureChannel.CallCentre, "agentId and callId")]
    [InlineData(CaptureChannel.Store, "agentId and storeId")]
    public void EachChannelNeedsItsEvidence(CaptureChannel channel, string needed)
    {
        var errors = ConsentLedger.Validate(Request() with { CapturedVia = channel, Evidence = new ConsentEvidence() }, ConsentLedger.StandardPurposes.ToList());

        Assert.Contains(errors, e => e.EndsWith(needed, StringComparison.Ordinal));
    }

    [Fact]
    public void AConsentMustNameTheTextShownAndAKnownPurpose()
    {
        var errors = ConsentLedger.Validate(Request() with { Text = null, Purpose = "horoscopes" }, ConsentLedger.StandardPurposes.ToList());

        Assert.Contains(errors, e => e.Contains("text shown", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("horoscopes", StringComparison.Ordinal));
        Assert.Empty(ConsentLedger.Validate(Request(), ConsentLedger.StandardPurposes.ToList()));
    }

    [Fact]
    public void AWithdrawalNeedsNoText()
    {
        Assert.Empty(ConsentLedger.Validate(Request(ConsentDecision.Withdrawn) with { Text = null }, ConsentLedger.StandardPurposes.ToList()));
    }

    [Fact]
    public void TheTextHashIsOfTheExactTextShown()
    {
        Assert.Equal("6f46ecf1231e2409", ConsentLedger.TextHash("Souhlasím")[..16]);
        Assert.NotEqual(ConsentLedger.TextHash("Souhlasím"), ConsentLedger.TextHash("Souhlasím."));
    }

    [Fact]
    public void AnotherSubjectsRecordCannotBeChainedOn()
    {
        var first = Ledger(Request())[0];

        Assert.Throws<ArgumentException>(() => ConsentLedger.Append(first, Request(subject: "subject-2"), Day));
    }
}
