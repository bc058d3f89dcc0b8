using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Engagement.Core.Sources;

/// <summary>A configured sender of events (website, app, ad-server feed) with its write key's hash.</summary>
/// <param name="Name">The source's name.</param>
/// <param name="KeyHash">SHA-256 of its write key, hex.</param>
/// <param name="CreatedAt">When it was added.</param>
public sealed record TrackingSource(string Name, string KeyHash, DateTimeOffset CreatedAt);

/// <summary>Write keys: made at random, stored only as hashes.</summary>
public static partial class WriteKeys
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new random write key (190 bits).</summary>
    public static string Generate() => "wk_" + RandomNumberGenerator.GetString(Alphabet, 32);

    /// <summary>The stored form of a key. Keys are random and long, so a plain SHA-256 is enough.</summary>
    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Whether a supplied key is acceptable as a custom key (long enough to resist guessing, printable).</summary>
    public static bool IsAcceptableCustomKey(string key) => key.Length is >= 16 and <= 200 && key.All(c => c > ' ' && c < 127 && c != ':');

    /// <summary>Whether a source name is valid: 2–40 of a–z, 0–9 and dashes, starting with a letter.</summary>
    public static bool IsValidSourceName(string name) => SourceNamePattern().IsMatch(name);

    [GeneratedRegex("^[a-z][a-z0-9-]{1,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex SourceNamePattern();
}
