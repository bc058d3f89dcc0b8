using System.Security.Cryptography;
using System.Text;

namespace Engagement.Infrastructure.Http;

/// <summary>The check of the <c>X-Admin-Key</c> header that guards management endpoints in both hosts.</summary>
public static class AdminKey
{
    /// <summary>The header management calls send the key in.</summary>
    public const string HeaderName = "X-Admin-Key";

    /// <summary>
    /// Whether <paramref name="presented"/> is the configured key. Compares SHA-256 digests in fixed time, so neither
    /// the position of the first wrong character nor the key's length shows in the answer time.
    /// </summary>
    public static bool Matches(string? presented, AdminOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(presented) || string.IsNullOrEmpty(options.Key))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(options.Key)));
    }

    /// <summary>The answer to a management call without the right key.</summary>
    public static ReplyShape Rejection { get; } = ReplyShape.Problem(
        new ApiProblem("Unauthorized", 401, $"Send the admin key (setting Admin:Key) in the {HeaderName} header."));
}
