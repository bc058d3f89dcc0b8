using System.Globalization;

namespace Engagement.Ml;

/// <summary>
/// Writes the next-best-offer list for the CRM and the call centre: CSV with ';' as delimiter, a header
/// <c>user_id;family;propensity;lift;evidence</c>, '\n' line ends, UTF-8 without a byte-order mark.
/// </summary>
/// <remarks>
/// Fields are quoted as RFC 4180 says (with ';' in place of ','): a field containing ';', '"' or a line break is
/// enclosed in quotes and its quotes doubled. Evidence items are joined with " | ". The list is opened in
/// spreadsheets, and evidence comes from page titles that anyone can write, so a text field starting with
/// '=', '+', '-', '@', tab or carriage return is prefixed with an apostrophe to keep it from running as a formula.
/// </remarks>
public static class NextBestOfferWriter
{
    /// <summary>The header line.</summary>
    public const string Header = "user_id;family;propensity;lift;evidence";

    /// <summary>Writes the list.</summary>
    /// <param name="stream">Where to write; left open.</param>
    /// <param name="offers">The offers; enumerated once, lazily.</param>
    /// <param name="cancellationToken">Checked every few thousand rows.</param>
    public static ListWriteResult Write(Stream stream, IEnumerable<NextBestOffer> offers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offers);
        using var text = new ListText(stream);
        var writer = text.Writer;
        writer.WriteLine(Header);
        long written = 0, withoutId = 0, seen = 0;
        foreach (var offer in offers)
        {
            if (++seen % ListText.CheckEvery == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (string.IsNullOrWhiteSpace(offer.UserId))
            {
                withoutId++;
                continue;
            }

            writer.Write(Field(offer.UserId));
            writer.Write(';');
            writer.Write(Field(offer.Family));
            writer.Write(';');
            writer.Write(offer.Propensity.ToString("F4", CultureInfo.InvariantCulture));
            writer.Write(';');
            writer.Write(offer.Lift.ToString("F2", CultureInfo.InvariantCulture));
            writer.Write(';');
            writer.WriteLine(Field(string.Join(" | ", offer.Evidence)));
            written++;
        }

        return text.Finish(written, withoutId, skippedUnsafeId: 0);
    }

    /// <summary>A text field, defused against formula injection and quoted when needed.</summary>
    internal static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(";\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
