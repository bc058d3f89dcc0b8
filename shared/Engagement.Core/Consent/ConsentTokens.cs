using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engagement.Core.Consent;

/// <summary>What reading a signed token found.</summary>
public enum TokenCheck
{
    /// <summary>Signed by this deployment and not yet expired.</summary>
    Valid,
    /// <summary>Signed by this deployment, but its time is over.</summary>
    Expired,
    /// <summary>Missing, malformed, altered, signed with another secret, or of another kind.</summary>
    Invalid,
}

/// <summary>A token as read: the check and, when it is valid or expired, what it says.</summary>
/// <typeparam name="T">What the token carries.</typeparam>
/// <param name="Check">Whether it can be trusted.</param>
/// <param name="Value">Its content (set for valid and expired tokens, so an expired link can still name what it was for).</param>
public sealed record TokenReading<T>(TokenCheck Check, T? Value)
    where T : class
{
    /// <summary>Whether the token may be acted on.</summary>
    public bool IsValid => Check == TokenCheck.Valid && Value is not null;
}

/// <summary>Who a consent form is for: the portal's logged-in user, until when.</summary>
/// <param name="Subject">The user id (CRM id) the form records decisions for.</param>
/// <param name="ExpiresAt">When the token stops being accepted.</param>
public sealed record ConsentFormToken(string Subject, DateTimeOffset ExpiresAt);

/// <summary>What a double opt-in link confirms.</summary>
/// <param name="SendId">The e-mail consent request the link was sent with.</param>
/// <param name="Subject">The pseudonymous key of the subject the consent is recorded for (a link names no customer id).</param>
/// <param name="Email">The address the link was sent to.</param>
/// <param name="Texts">The texts the e-mail showed (id, version, language; the catalogue holds their hashes), each naming its purpose.</param>
/// <param name="ExpiresAt">When the link stops being accepted.</param>
public sealed record EmailConfirmation(string SendId, string Subject, string Email, IReadOnlyList<RequestedText> Texts, DateTimeOffset ExpiresAt);

/// <summary>One text a double opt-in link confirms.</summary>
/// <param name="Purpose">The purpose it asks about.</param>
/// <param name="TextId">The text's id.</param>
/// <param name="Version">Its version.</param>
/// <param name="Language">Its language.</param>
public sealed record RequestedText(string Purpose, string TextId, int Version, string Language);

/// <summary>What an unsubscribe link in a campaign e-mail withdraws: a purpose over e-mail, for one subject.</summary>
/// <param name="Subject">The pseudonymous key of the subject (a link names no customer id or address).</param>
/// <param name="Purpose">The purpose the e-mail was sent for, e.g. <c>marketing</c>.</param>
/// <param name="CampaignId">The campaign that sent the e-mail.</param>
/// <param name="MessageId">The e-mail's Message-ID (or the send's id), so the withdrawal names the message it came from.</param>
public sealed record UnsubscribeLink(string Subject, string Purpose, string CampaignId, string MessageId);

/// <summary>
/// Signs and reads the tokens of the consent channels: the subject token a portal hands to the consent form, and the
/// confirmation token of a double opt-in link. A token is <c>base64url(JSON)</c> "." <c>base64url(HMAC-SHA256)</c>,
/// the MAC taken over the token's kind and its payload, so neither kind can stand in for the other and no byte can
/// change unnoticed. Time comes in as an argument; the secret is the deployment's <c>Consent:FormSecret</c>.
/// </summary>
public sealed class ConsentTokenSigner
{
    /// <summary>The shortest secret accepted, characters.</summary>
    public const int MinSecretLength = 32;

    private const string FormKind = "engagement360/consent-form/v1";
    private const string ConfirmationKind = "engagement360/email-confirmation/v1";
    private const string UnsubscribeKind = "engagement360/unsubscribe/v1";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly KindSignedTokens _tokens;

    /// <summary>A signer with the deployment's secret (at least <see cref="MinSecretLength"/> characters).</summary>
    public ConsentTokenSigner(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < MinSecretLength)
        {
            throw new ArgumentException($"The consent form secret must have at least {MinSecretLength} characters.", nameof(secret));
        }

        _tokens = new KindSignedTokens(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>A subject token for the consent form.</summary>
    public string Issue(ConsentFormToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentException.ThrowIfNullOrWhiteSpace(token.Subject);
        return Sign(FormKind, JsonSerializer.SerializeToUtf8Bytes(new FormPayload(token.Subject, token.ExpiresAt.ToUnixTimeSeconds()), Json));
    }

    /// <summary>Reads a subject token at <paramref name="now"/>.</summary>
    public TokenReading<ConsentFormToken> ReadForm(string? token, DateTimeOffset now)
    {
        var payload = Verify(FormKind, token);
        var form = payload is null ? null : Deserialize<FormPayload>(payload);
        if (form is null || string.IsNullOrWhiteSpace(form.Sub))
        {
            return new(TokenCheck.Invalid, null);
        }

        var value = new ConsentFormToken(form.Sub, DateTimeOffset.FromUnixTimeSeconds(form.Exp));
        return new(now < value.ExpiresAt ? TokenCheck.Valid : TokenCheck.Expired, value);
    }

    /// <summary>The token of a double opt-in link.</summary>
    public string Issue(EmailConfirmation confirmation)
    {
        ArgumentNullException.ThrowIfNull(confirmation);
        var payload = new ConfirmationPayload(
            confirmation.SendId,
            confirmation.Subject,
            confirmation.Email,
            confirmation.Texts.Select(t => new[] { t.Purpose, t.TextId, t.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), t.Language }).ToList(),
            confirmation.ExpiresAt.ToUnixTimeSeconds());
        return Sign(ConfirmationKind, JsonSerializer.SerializeToUtf8Bytes(payload, Json));
    }

    /// <summary>Reads the token of a double opt-in link at <paramref name="now"/>.</summary>
    public TokenReading<EmailConfirmation> ReadConfirmation(string? token, DateTimeOffset now)
    {
        var bytes = Verify(ConfirmationKind, token);
        var payload = bytes is null ? null : Deserialize<ConfirmationPayload>(bytes);
        if (payload is null || string.IsNullOrWhiteSpace(payload.Id) || string.IsNullOrWhiteSpace(payload.Sub) || string.IsNullOrWhiteSpace(payload.Em)
            || payload.T is not { Count: > 0 } texts || texts.Any(t => t is not { Length: 4 } || !int.TryParse(t[2], System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            return new(TokenCheck.Invalid, null);
        }

        var value = new EmailConfirmation(
            payload.Id,
            payload.Sub,
            payload.Em,
            texts.Select(t => new RequestedText(t[0], t[1], int.Parse(t[2], System.Globalization.CultureInfo.InvariantCulture), t[3])).ToList(),
            DateTimeOffset.FromUnixTimeSeconds(payload.Exp));
        return new(now < value.ExpiresAt ? TokenCheck.Valid : TokenCheck.Expired, value);
    }

    /// <summary>The token of an unsubscribe link. It never expires: a person must be able to unsubscribe from an old e-mail.</summary>
    public string Issue(UnsubscribeLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentException.ThrowIfNullOrWhiteSpace(link.Subject);
        ArgumentException.ThrowIfNullOrWhiteSpace(link.Purpose);
        ArgumentException.ThrowIfNullOrWhiteSpace(link.CampaignId);
        ArgumentException.ThrowIfNullOrWhiteSpace(link.MessageId);
        return Sign(UnsubscribeKind, JsonSerializer.SerializeToUtf8Bytes(new UnsubscribePayload(link.Subject, link.Purpose, "email", link.CampaignId, link.MessageId), Json));
    }

    /// <summary>Reads the token of an unsubscribe link: <see cref="TokenCheck.Valid"/> or <see cref="TokenCheck.Invalid"/>, never expired.</summary>
    public TokenReading<UnsubscribeLink> ReadUnsubscribe(string? token)
    {
        var bytes = Verify(UnsubscribeKind, token);
        var payload = bytes is null ? null : Deserialize<UnsubscribePayload>(bytes);
        if (payload is null || string.IsNullOrWhiteSpace(payload.Sub) || string.IsNullOrWhiteSpace(payload.P) || payload.Ch != "email"
            || string.IsNullOrWhiteSpace(payload.C) || string.IsNullOrWhiteSpace(payload.M))
        {
            return new(TokenCheck.Invalid, null);
        }

        return new(TokenCheck.Valid, new UnsubscribeLink(payload.Sub, payload.P, payload.C, payload.M));
    }

    private string Sign(string kind, byte[] payload) => _tokens.Sign(kind, payload);

    private byte[]? Verify(string kind, string? token) => _tokens.Verify(kind, token);

    private static T? Deserialize<T>(byte[] payload)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(payload, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Short names keep links short: a confirmation link must survive e-mail clients that wrap long lines.
    private sealed record FormPayload(string Sub, long Exp);

    private sealed record ConfirmationPayload(string Id, string Sub, string Em, List<string[]> T, long Exp);

    private sealed record UnsubscribePayload(string Sub, string P, string Ch, string C, string M);
}
