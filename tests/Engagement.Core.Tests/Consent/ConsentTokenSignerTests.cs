using System.Text;
using Engagement.Core.Consent;

namespace Engagement.Core.Tests.Consent;

public sealed class ConsentTokenSignerTests
{
    private const string Secret = "unit-test-consent-form-secret-0123456789";
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly ConsentTokenSigner Signer = new(Secret);

    private static EmailConfirmation Confirmation(DateTimeOffset expiresAt) => new(
        "send-1", "cust-1042", "jana@example.cz",
        [new RequestedText("marketing", "marketing-email", 1, "cs"), new RequestedText("profiling", "profiling", 2, "cs")],
        expiresAt);

    [Fact]
    public void AFormTokenNamesItsSubjectUntilItExpires()
    {
        var token = Signer.Issue(new ConsentFormToken("cust-1042", Now.AddMinutes(30)));

        var before = Signer.ReadForm(token, Now.AddMinutes(29));
        var after = Signer.ReadForm(token, Now.AddMinutes(30));

        Assert.True(before.IsValid);
        Assert.Equal("cust-1042", before.Value!.Subject);
        Assert.Equal(TokenCheck.Expired, after.Check);
        Assert.False(after.IsValid);
        Assert.Equal("cust-1042", after.Value!.Subject);
    }

    [Fact]
    public void AnAlteredFormTokenIsInvalid()
    {
        var token = Signer.Issue(new ConsentFormToken("cust-1042", Now.AddMinutes(30)));
        var body = token.Split('.')[0];
        var otherSubject = Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"sub\":\"cust-9999\",\"exp\":" + Now.AddDays(9).ToUnixTimeSeconds() + "}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm(otherSubject + "." + token.Split('.')[1], Now).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm(body + "." + "AAAA" + token.Split('.')[1][4..], Now).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm(body, Now).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm(token + ".x", Now).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm("not a token", Now).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm(null, Now).Check);
    }

    [Fact]
    public void ATokenSignedWithAnotherSecretIsInvalid()
    {
        var other = new ConsentTokenSigner("another-deployment-secret-0123456789");

        var token = other.Issue(new ConsentFormToken("cust-1042", Now.AddMinutes(30)));

        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm(token, Now).Check);
    }

    [Fact]
    public void AConfirmationTokenCarriesTheAddressTextsAndExpiry()
    {
        var token = Signer.Issue(Confirmation(Now.AddDays(7)));

        var reading = Signer.ReadConfirmation(token, Now.AddDays(6));

        Assert.True(reading.IsValid);
        Assert.Equal("send-1", reading.Value!.SendId);
        Assert.Equal("jana@example.cz", reading.Value.Email);
        Assert.Equal(Confirmation(Now.AddDays(7)).Texts, reading.Value.Texts);
        Assert.Equal(TokenCheck.Expired, Signer.ReadConfirmation(token, Now.AddDays(7).AddSeconds(1)).Check);
    }

    [Fact]
    public void OneKindOfTokenCannotStandInForTheOther()
    {
        var form = Signer.Issue(new ConsentFormToken("cust-1042", Now.AddMinutes(30)));
        var confirmation = Signer.Issue(Confirmation(Now.AddDays(7)));

        Assert.Equal(TokenCheck.Invalid, Signer.ReadConfirmation(form, Now).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm(confirmation, Now).Check);
    }

    [Fact]
    public void AShortSecretIsRefused() =>
        Assert.Throws<ArgumentException>(() => new ConsentTokenSigner("too-short"));

    [Fact]
    public void AnUnsubscribeTokenNamesItsSubjectPurposeCampaignAndMessageAndNeverExpires()
    {
        var link = new UnsubscribeLink("k-7f3a", "marketing", "spring-sale", "c1-r42@engagement360.local");

        var reading = Signer.ReadUnsubscribe(Signer.Issue(link));

        Assert.True(reading.IsValid);
        Assert.Equal(link, reading.Value);
    }

    [Fact]
    public void AnAlteredUnsubscribeTokenIsInvalid()
    {
        var token = Signer.Issue(new UnsubscribeLink("k-7f3a", "marketing", "spring-sale", "m-1"));
        var otherSubject = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"sub":"k-other","p":"marketing","ch":"email","c":"spring-sale","m":"m-1"}"""))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal(TokenCheck.Invalid, Signer.ReadUnsubscribe(otherSubject + "." + token.Split('.')[1]).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadUnsubscribe(token[..^2] + (token[^2] == 'A' ? "BA" : "AA")).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadUnsubscribe(token.Split('.')[0]).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadUnsubscribe(null).Check);
        Assert.Equal(TokenCheck.Invalid, new ConsentTokenSigner("another-deployment-secret-0123456789").ReadUnsubscribe(token).Check);
    }

    [Fact]
    public void NoOtherKindOfTokenPassesAsAnUnsubscribeTokenNorTheOtherWayRound()
    {
        var form = Signer.Issue(new ConsentFormToken("k-7f3a", Now.AddMinutes(30)));
        var confirmation = Signer.Issue(Confirmation(Now.AddDays(7)));
        var unsubscribe = Signer.Issue(new UnsubscribeLink("k-7f3a", "marketing", "spring-sale", "m-1"));

        Assert.Equal(TokenCheck.Invalid, Signer.ReadUnsubscribe(form).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadUnsubscribe(confirmation).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadForm(unsubscribe, Now).Check);
        Assert.Equal(TokenCheck.Invalid, Signer.ReadConfirmation(unsubscribe, Now).Check);
    }
}
