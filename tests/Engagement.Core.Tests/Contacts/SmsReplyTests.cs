using Engagement.Core.Consent;
using Engagement.Core.Contacts;

namespace Engagement.Core.Tests.Contacts;

public sealed class SmsReplyTests
{
    [Theory]
    [InlineData("ANO", SmsReplyIntent.Yes)]
    [InlineData("ano", SmsReplyIntent.Yes)]
    [InlineData(" Ano. ", SmsReplyIntent.Yes)]
    [InlineData("YES!", SmsReplyIntent.Yes)]
    [InlineData("y", SmsReplyIntent.Yes)]
    [InlineData("A N O", SmsReplyIntent.Yes)]
    [InlineData("NE", SmsReplyIntent.No)]
    [InlineData("Ne.", SmsReplyIntent.No)]
    [InlineData("no", SmsReplyIntent.No)]
    [InlineData("N", SmsReplyIntent.No)]
    [InlineData("STOP", SmsReplyIntent.Stop)]
    [InlineData("stop sms", SmsReplyIntent.Stop)]
    [InlineData("STOPSMS", SmsReplyIntent.Stop)]
    [InlineData("Odhlásit", SmsReplyIntent.Stop)]
    [InlineData("ODHLÁSIT!", SmsReplyIntent.Stop)]
    [InlineData("odhlasit", SmsReplyIntent.Stop)]
    public void AnswerWordsAreReadWhateverTheirCaseSpacingDiacriticsAndPunctuation(string message, SmsReplyIntent intent)
    {
        Assert.Equal(intent, SmsReply.Parse(message));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("ano, ale jen e-mailem")]
    [InlineData("kdo jste?")]
    [InlineData("nevím")]
    [InlineData("STOPKA")]
    public void AnythingElseIsUnknown(string? message)
    {
        Assert.Equal(SmsReplyIntent.Unknown, SmsReply.Parse(message));
    }

    [Fact]
    public void AConsentRequestShowsTheCatalogueTextExactlyAndHowToAnswerInItsLanguage()
    {
        var text = ConsentTextCatalog.Default.CurrentFor("marketing", ContactChannel.Sms, "cs")!;

        var sms = ConsentRequestSms.Compose([text]);

        Assert.StartsWith(text.Shown + "\n\n", sms, StringComparison.Ordinal);
        Assert.EndsWith("Odpovězte ANO pro souhlas, nebo NE. STOP = odhlášení z SMS.", sms, StringComparison.Ordinal);
        Assert.Equal(SmsReplyIntent.Yes, SmsReply.Parse("ANO"));
    }

    [Theory]
    [InlineData("cs", "ANO", "NE", "STOP")]
    [InlineData("en", "YES", "NO", "STOP")]
    [InlineData("de", "YES", "NO", "STOP")]
    public void TheAnswerWordsOfEveryLanguageAreOnesTheReplyReaderKnows(string language, string yes, string no, string stop)
    {
        var howToAnswer = ConsentRequestSms.HowToAnswer(language);

        Assert.All([yes, no, stop], word => Assert.Contains(word, howToAnswer, StringComparison.Ordinal));
        Assert.Equal(SmsReplyIntent.Yes, SmsReply.Parse(yes));
        Assert.Equal(SmsReplyIntent.No, SmsReply.Parse(no));
        Assert.Equal(SmsReplyIntent.Stop, SmsReply.Parse(stop));
    }
}
