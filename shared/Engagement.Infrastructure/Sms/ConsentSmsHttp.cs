using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Sms;

/// <summary>A consent request SMS as the API answers it.</summary>
/// <param name="Subject">The subject's id as given.</param>
/// <param name="Status">What happened (<c>sent</c>).</param>
/// <param name="RequestId">The send's repeatability id.</param>
/// <param name="MessageId">The service's message id.</param>
/// <param name="Repeated">True when the same requestId had been sent before: nothing was sent now.</param>
/// <param name="Asked">The purposes asked about and the texts shown, which an ANO/NE reply will decide.</param>
public sealed record ConsentSmsSent(string Subject, string Status, string? RequestId, string? MessageId, bool Repeated, IReadOnlyList<AskedPurpose> Asked);

/// <summary>
/// <c>POST /api/consent-requests/sms</c> for both hosts: sends a subject a consent request SMS asking about purposes
/// with the catalogue's current texts in their language, and how to answer (ANO / NE, STOP). The number is the
/// subject's phone from the contacts store. The caller's <c>requestId</c> makes a retried call send nothing twice.
/// </summary>
public sealed class ConsentSmsHttp(SmsSender sender, SmsHistory history, ConsentTextCatalog catalog, Pseudonymizer pseudonymizer, IOptions<ConsentOptions> consentOptions)
{
    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>Sends the consent request in the body.</summary>
    public async Task<ReplyShape> SendAsync(Stream body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return Invalid($"The body is {buffer.Length:N0} bytes; at most {MaxBodyBytes:N0}.");
        }

        ConsentSmsInput? input;
        try
        {
            input = JsonSerializer.Deserialize(buffer.ToArray(), ApiJson.TypeInfo<ConsentSmsInput>());
        }
        catch (JsonException ex)
        {
            return Invalid($"The body is not a consent request: {ex.Message.Split('.')[0]}.");
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(input?.Subject))
        {
            errors.Add("subject (the customer's user id) is required");
        }

        if (string.IsNullOrWhiteSpace(input?.RequestId))
        {
            errors.Add("requestId is required: it makes a retried call send nothing twice");
        }

        var known = consentOptions.Value.EffectivePurposes();
        var purposes = input?.Purposes?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        if (purposes.Count == 0)
        {
            errors.Add($"purposes: name at least one of {string.Join(", ", known)}");
        }

        var language = string.IsNullOrWhiteSpace(input?.Language) ? ConsentTextCatalog.FallbackLanguage : input.Language.Trim().ToLowerInvariant();
        var texts = new List<ConsentText>();
        foreach (var purpose in purposes)
        {
            if (!known.Contains(purpose))
            {
                errors.Add($"purpose '{purpose}' is not one of: {string.Join(", ", known)}");
            }
            else if ((catalog.CurrentFor(purpose, ContactChannel.Sms, language) ?? catalog.CurrentFor(purpose, ContactChannel.Any, language)) is { } text)
            {
                texts.Add(text);
            }
            else
            {
                errors.Add($"no consent text asks about '{purpose}' by SMS (or without a channel)");
            }
        }

        if (errors.Count > 0)
        {
            return Invalid(string.Join("; ", errors) + ".", errors);
        }

        var asked = texts.Select(t => new AskedPurpose(t.Purpose, t.Channel, t.Reference)).ToList();
        var subjectKey = pseudonymizer.KeyOf(IdentityRef.User(input!.Subject!)).Value;
        var result = await sender.SendConsentRequestAsync(new SmsAddressee(subjectKey, "consent-request:" + input.RequestId), asked, ConsentRequestSms.Compose(texts), cancellationToken);
        if (result.Repeated && result.RequestId is not null && await history.FindSentAsync(subjectKey, result.RequestId, cancellationToken) is { } first)
        {
            // A repeated requestId answers what was asked then, which is what a reply will decide.
            asked = first.Record.Asked.ToList();
        }

        return result.Status switch
        {
            SmsSendStatus.Sent => ReplyShape.Json(result.Repeated ? 200 : 202,
                new ConsentSmsSent(input.Subject!, "sent", result.RequestId, result.MessageId, result.Repeated, asked), ApiJson.TypeInfo<ConsentSmsSent>()),
            SmsSendStatus.NoPhone => ReplyShape.Problem(new ApiProblem("No phone number", 404,
                $"No phone number is held for \"{input.Subject}\": store one with PUT /api/contacts/{{subject}}.")),
            SmsSendStatus.Refused => ReplyShape.Problem(new ApiProblem("Not to be contacted by SMS", 409, $"\"{input.Subject}\" may not be sent SMS: {result.Detail}.")),
            SmsSendStatus.NotConfigured => ReplyShape.Problem(new ApiProblem("SMS not configured", 503, result.Detail + ".")),
            SmsSendStatus.RetryLater => ReplyShape.Problem(new ApiProblem("SMS service unavailable", 503,
                $"{result.Detail}. Call again with the same requestId: it will not send twice."), result.RetryAfter ?? TimeSpan.FromSeconds(30)),
            _ => ReplyShape.Problem(new ApiProblem("SMS refused by the service", 502, result.Detail + ".")),
        };
    }

    private static ReplyShape Invalid(string detail, IReadOnlyList<string>? errors = null) =>
        ReplyShape.Problem(new ApiProblem("Invalid consent request", 400, detail, errors));

    /// <summary>The request body.</summary>
    private sealed record ConsentSmsInput(string? Subject, IReadOnlyList<string>? Purposes, string? Language, string? RequestId);
}
