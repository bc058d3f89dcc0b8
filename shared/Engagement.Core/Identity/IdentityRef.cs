using System.Security.Cryptography;
using System.Text;

namespace Engagement.Core.Identity;

/// <summary>Whether an id was given by the business (user id) or by a device or cookie (anonymous id).</summary>
public enum IdentityKind
{
    /// <summary>A known user's id (CRM id, login).</summary>
    User,
    /// <summary>A cookie or device id.</summary>
    Anonymous,
}

/// <summary>An id as a sender gave it.</summary>
/// <param name="Kind">User or anonymous.</param>
/// <param name="Value">The id itself.</param>
public readonly record struct IdentityRef(IdentityKind Kind, string Value)
{
    /// <summary>A known user's id.</summary>
    public static IdentityRef User(string value) => new(IdentityKind.User, value);

    /// <summary>A cookie or device id.</summary>
    public static IdentityRef Anonymous(string value) => new(IdentityKind.Anonymous, value);

    /// <inheritdoc />
    public override string ToString() => (Kind == IdentityKind.User ? "user:" : "anon:") + Value;
}

/// <summary>The pseudonymous storage key of an identity: what event rows carry instead of the id itself.</summary>
/// <param name="Value">32 lower-case hex characters.</param>
public readonly record struct IdentityKey(string Value)
{
    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>
/// Derives pseudonymous keys with a keyed hash, so stored rows do not reveal ids and keys cannot be
/// recomputed without the secret.
/// </summary>
public sealed class Pseudonymizer
{
    private readonly byte[] _secret;

    /// <summary>Creates a pseudonymizer with the deployment's secret.</summary>
    public Pseudonymizer(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        _secret = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The key of an identity.</summary>
    public IdentityKey KeyOf(IdentityRef identity) => KeyOfText(identity.ToString());

    /// <summary>The index key of a phone number: finds its subject without storing the number as a key.</summary>
    public IdentityKey KeyOf(Contacts.PhoneNumber phone) => KeyOfText("phone:" + phone.Value);

    /// <summary>The index key of an e-mail address (case-insensitive): finds its subject without storing the address as a key.</summary>
    public IdentityKey KeyOf(Contacts.EmailAddress email) => KeyOfText("email:" + email.IndexForm);

    private IdentityKey KeyOfText(string text)
    {
        var bytes = Encoding.UTF8.GetByteCount(text) <= 512 ? stackalloc byte[512] : new byte[Encoding.UTF8.GetByteCount(text)];
        var length = Encoding.UTF8.GetBytes(text, bytes);
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_secret, bytes[..length], hash);
        return new IdentityKey(Convert.ToHexStringLower(hash[..16]));
    }
}
