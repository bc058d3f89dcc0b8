namespace Engagement.Core.Contacts;

/// <summary>An e-mail address as stored: trimmed, the domain in lower case.</summary>
/// <param name="Value">The address.</param>
public readonly record struct EmailAddress(string Value)
{
    /// <summary>The form the index keys it by: the whole address in lower case (mailboxes are case-insensitive in practice).</summary>
    public string IndexForm => Value.ToLowerInvariant();

    /// <summary>Reads an address; refuses what cannot be one (no @, spaces, no dot in the domain, over 254 characters).</summary>
    public static bool TryParse(string? text, out EmailAddress address, out string? error)
    {
        address = default;
        var trimmed = text?.Trim() ?? string.Empty;
        var at = trimmed.LastIndexOf('@');
        if (trimmed.Length == 0)
        {
            error = "the e-mail address is empty";
            return false;
        }

        if (trimmed.Length > 254 || at <= 0 || at > 64 || at == trimmed.Length - 1 || trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            error = $"'{trimmed}' is not an e-mail address";
            return false;
        }

        var domain = trimmed[(at + 1)..];
        if (!domain.Contains('.', StringComparison.Ordinal) || domain.Split('.').Any(label => label.Length == 0) || domain.Contains('@', StringComparison.Ordinal))
        {
            error = $"'{trimmed}' is not an e-mail address: the domain '{domain}' is not a host name";
            return false;
        }

        error = null;
        address = new EmailAddress(trimmed[..(at + 1)] + domain.ToLowerInvariant());
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Value;
}
