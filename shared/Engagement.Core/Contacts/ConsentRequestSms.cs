using Engagement.Core.Consent;

namespace Engagement.Core.Contacts;

/// <summary>
/// The wording of an SMS that asks for consent: the catalogue texts exactly as shown elsewhere (title and body, whose
/// hash the ledger records), then how to answer. The answer words are the ones <see cref="SmsReply"/> understands.
/// </summary>
public static class ConsentRequestSms
{
    /// <summary>How to answer, per language; English for any other.</summary>
    public static string HowToAnswer(string language) => language switch
    {
        "cs" => "Odpovězte ANO pro souhlas, nebo NE. STOP = odhlášení z SMS.",
        _ => "Reply YES to agree, or NO. STOP = no more SMS.",
    };

    /// <summary>The SMS text asking about <paramref name="texts"/> (at least one, all in one language).</summary>
    public static string Compose(IReadOnlyList<ConsentText> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("A consent request asks about at least one text.", nameof(texts));
        }

        return string.Join("\n\n", texts.Select(t => t.Shown)) + "\n\n" + HowToAnswer(texts[0].Language);
    }
}
