using System.Globalization;

namespace Engagement.Ml;

/// <summary>Writes bid lists (<c>user_id;bid</c>, <c>domain;bid</c>) in a platform's <see cref="BidListFormat"/>.</summary>
/// <remarks>
/// Lines end with '\n', text is UTF-8 without a byte-order mark, bids use '.' as decimal point. Targeting platforms
/// read these lists naively (split at the delimiter), so an id that contains the delimiter, a quote or a line break
/// is left out and counted rather than quoted.
/// </remarks>
public static class BidListWriter
{
    /// <summary>Writes a user bid list; people without the format's id kind are skipped and counted.</summary>
    /// <param name="stream">Where to write; left open.</param>
    /// <param name="bids">The bids; enumerated once, lazily.</param>
    /// <param name="format">The platform's format.</param>
    /// <param name="cancellationToken">Checked every few thousand rows.</param>
    public static ListWriteResult WriteUsers(Stream stream, IEnumerable<UserBid> bids, BidListFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bids);
        ArgumentNullException.ThrowIfNull(format);
        return Write(stream, bids, format, format.IdColumn, bid => format.IdKind switch
        {
            BidIdKind.UserId => bid.UserId,
            BidIdKind.AnonymousId => bid.AnonymousId,
            _ => bid.ProfileKey,
        }, bid => bid.Bid, cancellationToken);
    }

    /// <summary>Writes a domain bid list.</summary>
    /// <param name="stream">Where to write; left open.</param>
    /// <param name="bids">The bids; enumerated once, lazily.</param>
    /// <param name="format">The platform's format (its id kind does not apply to domains).</param>
    /// <param name="cancellationToken">Checked every few thousand rows.</param>
    public static ListWriteResult WriteDomains(Stream stream, IEnumerable<DomainBid> bids, BidListFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bids);
        ArgumentNullException.ThrowIfNull(format);
        return Write(stream, bids, format, "domain", bid => bid.Domain, bid => bid.Bid, cancellationToken);
    }

    private static ListWriteResult Write<T>(
        Stream stream, IEnumerable<T> rows, BidListFormat format, string idColumn, Func<T, string?> id, Func<T, double> bid, CancellationToken cancellationToken)
    {
        format.Validate();
        using var text = new ListText(stream);
        var writer = text.Writer;
        if (format.Header)
        {
            writer.Write(idColumn);
            writer.Write(format.Delimiter);
            writer.WriteLine("bid");
        }

        var number = "F" + format.DecimalPlaces.ToString(CultureInfo.InvariantCulture);
        long written = 0, withoutId = 0, unsafeId = 0, seen = 0;
        foreach (var row in rows)
        {
            if (++seen % ListText.CheckEvery == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var value = id(row);
            if (string.IsNullOrWhiteSpace(value))
            {
                withoutId++;
                continue;
            }

            if (value.AsSpan().IndexOfAny([format.Delimiter, '"', '\r', '\n']) >= 0)
            {
                unsafeId++;
                continue;
            }

            writer.Write(value);
            writer.Write(format.Delimiter);
            writer.WriteLine(bid(row).ToString(number, CultureInfo.InvariantCulture));
            written++;
        }

        return text.Finish(written, withoutId, unsafeId);
    }
}
