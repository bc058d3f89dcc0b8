using Engagement.Core.Consent;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Engagement.Core.Campaigns;

/// <summary>The message a tracking link or pixel was sent in: which campaign, variant and recipient, and when.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Variant">The variant the recipient got.</param>
/// <param name="MessageId">The message (one per recipient and send).</param>
/// <param name="SubjectKey">The pseudonymous key of the recipient (a link names no customer id or address).</param>
/// <param name="SentAt">When the message was delivered to the mail system.</param>
public sealed record TrackedMessage(string CampaignId, string Variant, string MessageId, string SubjectKey, DateTimeOffset SentAt);

/// <summary>What a click link says: the message and the one address it redirects to.</summary>
/// <param name="Message">The message the link was in.</param>
/// <param name="Url">The absolute http(s) address the click goes to.</param>
public sealed record TrackedClick(TrackedMessage Message, Uri Url);

/// <summary>
/// Signs and reads campaign tracking tokens: the open pixel's and each click link's. A token is <c>base64url(JSON)</c>
/// "." <c>base64url(HMAC-SHA256)</c>, the MAC taken over the kind and the payload, so an open token never passes as a
/// click token, no byte of the target address can change unnoticed (no open redirect), and a token cannot be guessed
/// from another (no enumeration). The secret is the deployment's <c>Campaigns:TrackingSecret</c>.
/// </summary>
public sealed class TrackingTokenSigner
{
    /// <summary>The shortest secret accepted, characters.</summary>
    public const int MinSecretLength = 32;

    private const string OpenKind = "engagement360/campaign-open/v1";
    private const string ClickKind = "engagement360/campaign-click/v1";
    private const int MaxFieldLength = 256;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly KindSignedTokens _tokens;

    /// <summary>A signer with the deployment's secret (at least <see cref="MinSecretLength"/> characters).</summary>
    public TrackingTokenSigner(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < MinSecretLength)
        {
            throw new ArgumentException($"The campaign tracking secret must have at least {MinSecretLength} characters.", nameof(secret));
        }

        _tokens = new KindSignedTokens(Encoding.UTF8.GetBytes(secret));
    }

    /// <summary>Whether <paramref name="url"/> may be the target of a click link: absolute http or https.</summary>
    public static bool IsTrackable(Uri? url) => url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    /// <summary>The token of a message's open pixel.</summary>
    public string IssueOpen(TrackedMessage message)
    {
        Check(message);
        return Sign(OpenKind, JsonSerializer.SerializeToUtf8Bytes(Payload.Of(message, null), Json));
    }

    /// <summary>The token of a click link to <paramref name="click"/>'s address.</summary>
    public string IssueClick(TrackedClick click)
    {
        ArgumentNullException.ThrowIfNull(click);
        Check(click.Message);
        if (!IsTrackable(click.Url))
        {
            throw new ArgumentException("A click link goes only to an absolute http or https address.", nameof(click));
        }

        return Sign(ClickKind, JsonSerializer.SerializeToUtf8Bytes(Payload.Of(click.Message, click.Url.AbsoluteUri), Json));
    }

    /// <summary>The message of an open token; null when the token is not one this deployment signed as an open token.</summary>
    public TrackedMessage? ReadOpen(string? token)
    {
        var payload = Read(OpenKind, token);
        return payload is { U: null } ? payload.ToMessage() : null;
    }

    /// <summary>The click of a click token; null when the token is not one this deployment signed as a click token.</summary>
    public TrackedClick? ReadClick(string? token)
    {
        var payload = Read(ClickKind, token);
        return payload is { U: { } url } && Uri.TryCreate(url, UriKind.Absolute, out var target) && IsTrackable(target)
            ? new TrackedClick(payload.ToMessage(), target)
            : null;
    }

    private static void Check(TrackedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var field in new[] { message.CampaignId, message.Variant, message.MessageId, message.SubjectKey })
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(field, nameof(message));
            if (field.Length > MaxFieldLength)
            {
                throw new ArgumentException($"Campaign, variant, message and subject key are at most {MaxFieldLength} characters.", nameof(message));
            }
        }
    }

    private Payload? Read(string kind, string? token)
    {
        if (_tokens.Verify(kind, token) is not { } body)
        {
            return null;
        }

        try
        {
            var payload = JsonSerializer.Deserialize<Payload>(body, Json);
            return payload is not null && !string.IsNullOrWhiteSpace(payload.C) && !string.IsNullOrWhiteSpace(payload.V)
                && !string.IsNullOrWhiteSpace(payload.M) && !string.IsNullOrWhiteSpace(payload.S) ? payload : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string Sign(string kind, byte[] payload) => _tokens.Sign(kind, payload);

    // Short names keep links short: e-mail clients wrap long lines.
    private sealed record Payload(string C, string V, string M, string S, long T, string? U)
    {
        public static Payload Of(TrackedMessage message, string? url) =>
            new(message.CampaignId, message.Variant, message.MessageId, message.SubjectKey, message.SentAt.ToUnixTimeMilliseconds(), url);

        public TrackedMessage ToMessage() => new(C, V, M, S, DateTimeOffset.FromUnixTimeMilliseconds(T));
    }
}
