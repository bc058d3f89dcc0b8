using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Engagement.Core.Consent;

/// <summary>
/// The one token format behind links the product hands out (consent forms, confirmation links, unsubscribe and tracking
/// links): <c>base64url(payload) "." base64url(HMAC-SHA256(secret, kind "\n" body))</c>. The signature covers the kind,
/// so a token of one kind never passes for another.
/// </summary>
internal sealed class KindSignedTokens(byte[] secret)
{
    private const int MaxTokenLength = 8192;

    /// <summary>A token carrying <paramref name="payload"/> for <paramref name="kind"/>.</summary>
    public string Sign(string kind, byte[] payload)
    {
        var body = Base64Url.EncodeToString(payload);
        return body + "." + Base64Url.EncodeToString(Mac(kind, body));
    }

    /// <summary>The payload of a well-formed token of <paramref name="kind"/> with a valid signature; null otherwise.</summary>
    public byte[]? Verify(string kind, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return null;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1 || token.IndexOf('.', dot + 1) >= 0)
        {
            return null;
        }

        var body = token[..dot];
        try
        {
            var mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
            return CryptographicOperations.FixedTimeEquals(mac, Mac(kind, body)) ? Base64Url.DecodeFromChars(body) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private byte[] Mac(string kind, string body) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(kind + "\n" + body));
}
