namespace Engagement.Ml;

/// <summary>Which id of a person a targeting platform matches users on.</summary>
public enum BidIdKind
{
    /// <summary>The known user id (logged-in customers; CRM-matched audiences).</summary>
    UserId,

    /// <summary>The tracking cookie or device id.</summary>
    AnonymousId,

    /// <summary>Our pseudonymous profile key (platforms that were sent it before, e.g. through a tag).</summary>
    ProfileKey,
}

/// <summary>How one targeting platform wants its bid lists: one line per user or domain, <c>id;bid</c>.</summary>
public sealed record BidListFormat
{
    /// <summary>Separates the id from the bid.</summary>
    public char Delimiter { get; init; } = ';';

    /// <summary>Whether the first line names the columns (<c>user_id;bid</c>, <c>domain;bid</c>).</summary>
    public bool Header { get; init; } = true;

    /// <summary>Which id of a person the user list carries; people without it are left out.</summary>
    public BidIdKind IdKind { get; init; } = BidIdKind.UserId;

    /// <summary>Digits after the decimal point of a bid (always with a '.', whatever the culture).</summary>
    public int DecimalPlaces { get; init; } = 2;

    /// <summary>The header name of the id column of user lists.</summary>
    public string IdColumn => IdKind switch
    {
        BidIdKind.UserId => "user_id",
        BidIdKind.AnonymousId => "anonymous_id",
        BidIdKind.ProfileKey => "profile_key",
        _ => throw new InvalidOperationException($"Unknown id kind {IdKind}."),
    };

    /// <summary>Throws when the format cannot be written unambiguously.</summary>
    /// <exception cref="ArgumentException">The delimiter is a quote, a digit, '.', '-' or a line break, or the decimal places are not 0–6.</exception>
    public void Validate()
    {
        if (Delimiter is '"' or '\r' or '\n' or '.' or '-' || char.IsAsciiDigit(Delimiter))
        {
            throw new ArgumentException($"'{Delimiter}' cannot separate an id from a bid: it may occur in the bid itself or breaks lines.", nameof(Delimiter));
        }

        if (DecimalPlaces is < 0 or > 6)
        {
            throw new ArgumentException($"Bids are written with 0 to 6 decimal places, not {DecimalPlaces}.", nameof(DecimalPlaces));
        }

        if (!Enum.IsDefined(IdKind))
        {
            throw new ArgumentException($"Unknown id kind {IdKind}.", nameof(IdKind));
        }
    }
}
