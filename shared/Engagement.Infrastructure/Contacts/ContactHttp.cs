using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Contacts;

/// <summary>A subject's contact as the API answers it.</summary>
/// <param name="Subject">The subject's id as given.</param>
/// <param name="Email">E-mail address.</param>
/// <param name="Phone">Phone number (E.164).</param>
/// <param name="Source">Where the contact came from.</param>
/// <param name="UpdatedAt">When the contact points were last written.</param>
/// <param name="Suppressions">Suppressions standing.</param>
/// <param name="Lifted">Suppressions lifted, newest first.</param>
public sealed record ContactView(string Subject, string? Email, string? Phone, ContactSource? Source, DateTimeOffset? UpdatedAt,
    IReadOnlyList<ContactSuppression> Suppressions, IReadOnlyList<ContactSuppression> Lifted)
{
    /// <summary>The view of a stored contact.</summary>
    public static ContactView Of(string subject, ContactCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return new(subject, card.Email?.Value, card.Phone?.Value, card.Source, card.UpdatedAt, card.Suppressions, card.Lifted);
    }
}

/// <summary>A suppression as the API answers it.</summary>
/// <param name="Subject">The subject's id as given.</param>
/// <param name="Added">False when the channel was already suppressed (nothing was added), or for a lifting.</param>
/// <param name="Suppression">The suppression.</param>
public sealed record SuppressionView(string Subject, bool Added, ContactSuppression Suppression);

/// <summary>
/// The contacts API for both hosts: <c>PUT/GET /api/contacts/{subject}</c> (contact points and provenance),
/// <c>POST /api/contacts/{subject}/suppressions</c> and <c>DELETE /api/contacts/{subject}/suppressions/{channel}</c>.
/// The subject is a user id; the store keeps only its pseudonymous key.
/// </summary>
public sealed class ContactHttp(ContactStore store, Pseudonymizer pseudonymizer, IOptions<ContactOptions> options, TimeProvider clock)
{
    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>Stores contact points and provenance; <paramref name="ifMatch"/> (the <c>If-Match</c> header) makes it conditional.</summary>
    public async Task<ReplyShape> PutAsync(string subject, Stream body, string? ifMatch, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return Invalid("A subject id is required.");
        }

        var (input, problem) = await ReadAsync<ContactInput>(body, "a contact", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new List<string>();
        var entry = ContactEntry.Read(input?.Email, input?.Phone, input?.Provenance, input?.ProvenanceDetail, input?.ProvenanceSince, options.Value.DefaultCountryCode, clock.GetUtcNow(), errors,
            input?.Language, input?.Segments);
        if (entry is null)
        {
            return Invalid(string.Join("; ", errors) + ".", errors);
        }

        var result = await store.PutAsync(KeyOf(subject), entry.Value.Points, entry.Value.Source, string.IsNullOrWhiteSpace(ifMatch) ? null : ifMatch.Trim(), cancellationToken);
        return result.Outcome switch
        {
            ContactWriteOutcome.VersionMismatch => ReplyShape.Problem(new ApiProblem("Contact changed", 412,
                result.Card is null ? $"No contact is held for \"{subject}\" to match If-Match." : $"The contact of \"{subject}\" is no longer at the version given in If-Match: read it again.")),
            _ => Answer(result.Outcome == ContactWriteOutcome.Created ? 201 : 200, subject, result.Card!),
        };
    }

    /// <summary>A subject's contact with its suppressions; 404 when nothing is held.</summary>
    public async Task<ReplyShape> GetAsync(string subject, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return Invalid("A subject id is required.");
        }

        return await store.ReadAsync(KeyOf(subject), cancellationToken) is { } card
            ? Answer(200, subject, card)
            : ReplyShape.Problem(new ApiProblem("No contact", 404, $"No contact is held for \"{subject}\"."));
    }

    /// <summary>Suppresses a channel for a subject: 201, or 200 when it already was.</summary>
    public async Task<ReplyShape> SuppressAsync(string subject, Stream body, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return Invalid("A subject id is required.");
        }

        var (input, problem) = await ReadAsync<SuppressionInput>(body, "a suppression", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var missing = new List<string>();
        if (input?.Channel is null) missing.Add("channel (email, sms, phone, post, any)");
        if (input?.Reason is null) missing.Add("reason (unsubscribed, bounced, complained, stopReply, manual)");
        if (missing.Count > 0)
        {
            return Invalid("Missing: " + string.Join(", ", missing) + ".", missing);
        }

        var now = clock.GetUtcNow();
        if (input!.Until is { } until && until <= now)
        {
            return Invalid("until must lie in the future.");
        }

        var result = await store.SuppressAsync(KeyOf(subject), new ContactSuppression(input.Channel!.Value, input.Reason!.Value, now, input.Until, input.Note), cancellationToken);
        return ReplyShape.Json(result.Added ? 201 : 200, new SuppressionView(subject, result.Added, result.Suppression), ApiJson.TypeInfo<SuppressionView>());
    }

    /// <summary>Lifts the suppression of a channel (kept as lifted); 404 when the channel was not suppressed.</summary>
    public async Task<ReplyShape> LiftAsync(string subject, string channel, string? note, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return Invalid("A subject id is required.");
        }

        if (!Enum.TryParse<ContactChannel>(channel, ignoreCase: true, out var parsed) || int.TryParse(channel, out _))
        {
            return Invalid($"'{channel}' is not a channel (email, sms, phone, post, any).");
        }

        return await store.LiftAsync(KeyOf(subject), parsed, string.IsNullOrWhiteSpace(note) ? null : note, cancellationToken) is { } lifted
            ? ReplyShape.Json(200, new SuppressionView(subject, false, lifted), ApiJson.TypeInfo<SuppressionView>())
            : ReplyShape.Problem(new ApiProblem("Not suppressed", 404, $"\"{subject}\" is not suppressed on {parsed.ToString().ToLowerInvariant()}."));
    }

    private string KeyOf(string subject) => pseudonymizer.KeyOf(IdentityRef.User(subject)).Value;

    private static ReplyShape Answer(int status, string subject, ContactCard card)
    {
        var reply = ReplyShape.Json(status, ContactView.Of(subject, card), ApiJson.TypeInfo<ContactView>());
        return card.ETag is { } etag ? reply.WithHeaders([KeyValuePair.Create("ETag", etag)]) : reply;
    }

    private static async Task<(T? Input, ReplyShape? Problem)> ReadAsync<T>(Stream body, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return (default, Invalid($"The body is {buffer.Length:N0} bytes; at most {MaxBodyBytes:N0}."));
        }

        try
        {
            return (JsonSerializer.Deserialize(buffer.ToArray(), ApiJson.TypeInfo<T>()), null);
        }
        catch (JsonException ex)
        {
            return (default, Invalid($"The body is not {what}: {ex.Message.Split('.')[0]}."));
        }
    }

    private static ReplyShape Invalid(string detail, IReadOnlyList<string>? errors = null) =>
        ReplyShape.Problem(new ApiProblem("Invalid contact", 400, detail, errors));

    /// <summary>The body of PUT.</summary>
    private sealed record ContactInput(string? Email, string? Phone, ContactProvenance? Provenance, string? ProvenanceDetail, DateTimeOffset? ProvenanceSince, string? Language, List<string>? Segments);

    /// <summary>The body of POST suppressions.</summary>
    private sealed record SuppressionInput(ContactChannel? Channel, SuppressionReason? Reason, DateTimeOffset? Until, string? Note);
}

/// <summary>Contact points and provenance as given by a person or a file, checked and normalised (the API and the import share it).</summary>
internal static class ContactEntry
{
    public static (ContactPoints Points, ContactSource Source)? Read(
        string? email, string? phone, ContactProvenance? provenance, string? detail, DateTimeOffset? since, string defaultCountryCode, DateTimeOffset now, List<string> errors,
        string? language = null, IEnumerable<string>? segments = null)
    {
        if (language is not null && (language.Length is < 2 or > 8 || !language.All(char.IsAsciiLetter)))
        {
            errors.Add($"language '{language}' is not a language code (cs, en)");
        }

        var tags = segments?.ToList() ?? [];
        if (tags.Any(t => t is null || t.Length > 64 || t.Contains(',', StringComparison.Ordinal)))
        {
            errors.Add("segments are tags of at most 64 characters without commas");
        }

        EmailAddress? address = null;
        PhoneNumber? number = null;
        if (!string.IsNullOrWhiteSpace(email))
        {
            if (EmailAddress.TryParse(email, out var parsed, out var error))
            {
                address = parsed;
            }
            else
            {
                errors.Add(error!);
            }
        }

        if (!string.IsNullOrWhiteSpace(phone))
        {
            if (PhoneNumber.TryParse(phone, defaultCountryCode, out var parsed, out var error))
            {
                number = parsed;
            }
            else
            {
                errors.Add(error!);
            }
        }

        if (string.IsNullOrWhiteSpace(email) && string.IsNullOrWhiteSpace(phone))
        {
            errors.Add("give an email, a phone, or both");
        }

        if (since is { } given && given > now.AddMinutes(5))
        {
            errors.Add("provenanceSince lies in the future");
        }

        return errors.Count > 0
            ? null
            : (new ContactPoints(address, number, language?.ToLowerInvariant(), ContactPoints.SegmentsOf(tags)), new ContactSource(provenance ?? ContactProvenance.Unknown, string.IsNullOrWhiteSpace(detail) ? null : detail.Trim(), since ?? now));
    }
}
