using System.Globalization;

namespace Engagement.Core.Contacts;

/// <summary>A phone number in E.164 form (<c>+420777123456</c>): the only form stored, indexed and sent to.</summary>
/// <param name="Value">"+" and 8–15 digits, the first not 0.</param>
public readonly record struct PhoneNumber(string Value)
{
    /// <summary>National number lengths of the countries we know, for a stricter check than E.164's 8–15 digits.</summary>
    private static readonly Dictionary<string, int> NationalLengths = new(StringComparer.Ordinal)
    {
        ["420"] = 9, // Czechia
        ["421"] = 9, // Slovakia
    };

    /// <summary>
    /// Reads a number as people write it: <c>+420 777 123 456</c>, <c>00420777123456</c>, or a national number
    /// (<c>777 123 456</c>, <c>0905 123 456</c>) that gets <paramref name="defaultCountryCode"/> (a leading trunk 0 is
    /// dropped; Czech numbers have none). Spaces, dashes, dots, slashes and brackets are ignored.
    /// </summary>
    /// <param name="text">The number as given.</param>
    /// <param name="defaultCountryCode">The country calling code of national numbers, e.g. <c>420</c> (a leading + is allowed).</param>
    /// <param name="number">The number, when it could be read.</param>
    /// <param name="error">Why it could not, for a person.</param>
    public static bool TryParse(string? text, string defaultCountryCode, out PhoneNumber number, out string? error)
    {
        ArgumentNullException.ThrowIfNull(defaultCountryCode);
        number = default;
        var country = defaultCountryCode.Trim().TrimStart('+');
        if (country.Length is < 1 or > 3 || !country.All(char.IsAsciiDigit) || country[0] == '0')
        {
            throw new ArgumentException($"'{defaultCountryCode}' is not a country calling code (1–3 digits).", nameof(defaultCountryCode));
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the phone number is empty";
            return false;
        }

        var compact = new string(text.Where(c => !IsSeparator(c)).ToArray());
        string digits;
        if (compact.StartsWith('+'))
        {
            digits = compact[1..];
        }
        else if (compact.StartsWith("00", StringComparison.Ordinal))
        {
            digits = compact[2..];
        }
        else
        {
            digits = country + (compact.StartsWith('0') ? compact[1..] : compact);
        }

        return Check(text, digits, out number, out error);
    }

    /// <summary>
    /// Reads a number as a carrier reports it (an SMS's sender in a Communication Services event): always international,
    /// with or without the leading +.
    /// </summary>
    public static bool TryParseInternational(string? text, out PhoneNumber number, out string? error)
    {
        number = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the phone number is empty";
            return false;
        }

        var compact = new string(text.Where(c => !IsSeparator(c)).ToArray());
        return Check(text, compact.StartsWith('+') ? compact[1..] : compact, out number, out error);
    }

    /// <summary>The number with all but its first and last three digits hidden (<c>+420777•••456</c>), for logs and answers.</summary>
    public string Masked => Value.Length <= 6 ? Value : string.Concat(Value.AsSpan(0, Value.Length - 6), "•••", Value.AsSpan(Value.Length - 3));

    /// <inheritdoc />
    public override string ToString() => Value;

    private static bool Check(string original, string digits, out PhoneNumber number, out string? error)
    {
        number = default;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            error = $"'{original}' is not a phone number: only digits, spaces, '+', '-', '.', '/' and brackets are allowed";
            return false;
        }

        if (digits[0] == '0' || digits.Length is < 8 or > 15)
        {
            error = $"'{original}' is not a phone number: E.164 numbers have 8–15 digits and a country code";
            return false;
        }

        foreach (var (code, length) in NationalLengths)
        {
            if (digits.StartsWith(code, StringComparison.Ordinal) && digits.Length != code.Length + length)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"'{original}' is not a phone number: numbers with country code +{code} have {length} digits after it");
                return false;
            }
        }

        error = null;
        number = new PhoneNumber("+" + digits);
        return true;
    }

    private static bool IsSeparator(char c) => char.IsWhiteSpace(c) || c is '-' or '.' or '/' or '(' or ')' or '\u00a0';
}
