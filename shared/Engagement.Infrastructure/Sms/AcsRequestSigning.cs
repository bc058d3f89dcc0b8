using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Engagement.Infrastructure.Sms;

/// <summary>
/// Communication Services' HMAC-SHA256 request signing with an access key: <c>x-ms-date</c> (RFC 1123),
/// <c>x-ms-content-sha256</c> (base64 SHA-256 of the body) and <c>Authorization: HMAC-SHA256
/// SignedHeaders=x-ms-date;host;x-ms-content-sha256&amp;Signature=…</c>, the signature being the base64 HMAC of
/// <c>VERB\npath?query\ndate;host;contentHash</c>. The service recomputes both hashes, so the date and body hash
/// headers must be sent exactly as signed.
/// </summary>
internal static class AcsRequestSigning
{
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    /// <summary>Adds the three headers to a request whose body is <paramref name="body"/>.</summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, byte[] accessKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var date = now.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
        var contentHash = Convert.ToBase64String(SHA256.HashData(body));
        // Host as the service sees it: the authority, with the port when it is not the scheme's default.
        var stringToSign = $"{request.Method.Method.ToUpperInvariant()}\n{uri.PathAndQuery}\n{date};{uri.Authority};{contentHash}";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(accessKey, Encoding.UTF8.GetBytes(stringToSign)));
        request.Headers.Remove("x-ms-date");
        request.Headers.Remove("x-ms-content-sha256");
        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", contentHash);
        request.Headers.TryAddWithoutValidation("Authorization", $"HMAC-SHA256 SignedHeaders={SignedHeaders}&Signature={signature}");
    }
}
