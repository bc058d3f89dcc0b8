namespace Engagement.Infrastructure.Sms;

/// <summary>A Communication Services connection string: the resource's endpoint and its access key (base64).</summary>
/// <param name="Endpoint">The resource endpoint, e.g. <c>https://contoso.communication.azure.com/</c>.</param>
/// <param name="AccessKey">The decoded access key, the HMAC key requests are signed with.</param>
internal sealed record AcsConnectionString(Uri Endpoint, byte[] AccessKey)
{
    /// <summary>Reads <c>endpoint=https://…/;accesskey=…</c> (parts in any order, names in any case).</summary>
    public static bool TryParse(string? text, out AcsConnectionString? connection, out string? error)
    {
        connection = null;
        var parts = (text ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("endpoint", out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            error = "needs endpoint=https://<resource>.communication.azure.com/";
            return false;
        }

        if (!parts.TryGetValue("accesskey", out var key) || key.Length == 0)
        {
            error = "needs accesskey=<base64 key>";
            return false;
        }

        try
        {
            connection = new AcsConnectionString(uri, Convert.FromBase64String(key));
        }
        catch (FormatException)
        {
            error = "the accesskey is not base64";
            return false;
        }

        error = null;
        return true;
    }
}
