using System.Text;

namespace Engagement.Core.Contacts;

/// <summary>What a reply SMS says, as far as consent goes.</summary>
public enum SmsReplyIntent
{
    /// <summary>Not a word we act on: recorded and ignored.</summary>
    Unknown,
    /// <summary>ANO / YES / Y: agrees to what the latest consent request asked.</summary>
    Yes,
    /// <summary>NE / NO / N: declines what the latest consent request asked.</summary>
    No,
    /// <summary>STOP / STOPSMS / ODHLASIT: no more SMS (withdraws SMS marketing and suppresses the number).</summary>
    Stop,
}

/// <summary>Reads reply SMS. Case, spaces, diacritics and punctuation around the word do not matter ("Ano.", " ne ", "Odhlásit!").</summary>
public static class SmsReply
{
    private static readonly Dictionary<string, SmsReplyIntent> Words = new(StringComparer.Ordinal)
    {
        ["ANO"] = SmsReplyIntent.Yes,
        ["YES"] = SmsReplyIntent.Yes,
        ["Y"] = SmsReplyIntent.Yes,
        ["NE"] = SmsReplyIntent.No,
        ["NO"] = SmsReplyIntent.No,
        ["N"] = SmsReplyIntent.No,
        ["STOP"] = SmsReplyIntent.Stop,
        ["STOPSMS"] = SmsReplyIntent.Stop,
        ["ODHLASIT"] = SmsReplyIntent.Stop,
    };

    /// <summary>The intent of a reply's text. Only a reply that is exactly one of the words counts: "ano, ale…" is not a yes.</summary>
    public static SmsReplyIntent Parse(string? message) =>
        Words.GetValueOrDefault(Normalize(message), SmsReplyIntent.Unknown);

    /// <summary>The text reduced to what is compared: upper case, no diacritics, no white space, no punctuation at either end.</summary>
    public static string Normalize(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return string.Empty;
        }

        // The one diacritics folding of the domain (it works under invariant globalization too).
        var builder = new StringBuilder(message.Length);
        foreach (var c in Tracking.UrlTokens.RemoveDiacritics(message))
        {
            if (!char.IsWhiteSpace(c))
            {
                builder.Append(char.ToUpperInvariant(c));
            }
        }

        var text = builder.ToString();
        var start = 0;
        var end = text.Length;
        while (start < end && (char.IsPunctuation(text[start]) || char.IsSymbol(text[start])))
        {
            start++;
        }

        while (end > start && (char.IsPunctuation(text[end - 1]) || char.IsSymbol(text[end - 1])))
        {
            end--;
        }

        return text[start..end];
    }
}
