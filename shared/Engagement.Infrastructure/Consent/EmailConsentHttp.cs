using System.Security.Cryptography;
using System.Text;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Email;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Engagement.Infrastructure.Consent;

/// <summary>What sending a consent request e-mail did.</summary>
public enum EmailRequestStatus
{
    /// <summary>Sent now.</summary>
    Sent,
    /// <summary>Sent before under the same request id: nothing sent now.</summary>
    AlreadySent,
    /// <summary>Another call is sending it right now.</summary>
    InProgress,
    /// <summary>The request id was used for a different request.</summary>
    Conflict,
    /// <summary>The relay did not take it (or e-mail is not configured); a retry with the same id may.</summary>
    NotSent,
    /// <summary>The contact gate said no: e-mail is suppressed for the subject (unsubscribed, bounced, complained, by hand).</summary>
    Refused,
}

/// <summary>The outcome of <see cref="EmailConsentHttp.SendRequestAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Request">The stored request, when there is one.</param>
/// <param name="Error">Why it was not sent.</param>
public sealed record EmailRequestOutcome(EmailRequestStatus Status, EmailConsentRequest? Request, string? Error = null);

/// <summary>The body of <c>POST /api/consent-requests/email</c>.</summary>
/// <param name="Subject">The user id.</param>
/// <param name="SendId">The request's id (derived from the subject and request id).</param>
/// <param name="MessageId">The e-mail's Message-ID.</param>
/// <param name="State">Where the request stands.</param>
/// <param name="Sent">Whether this call sent the e-mail.</param>
/// <param name="Repeated">Whether the request id had been used before (nothing was sent again).</param>
/// <param name="ExpiresAt">Until when the link is accepted.</param>
/// <param name="Texts">The texts the e-mail asks about.</param>
public sealed record EmailConsentRequested(string Subject, string SendId, string MessageId, ConsentRequestState State, bool Sent, bool Repeated, DateTimeOffset? ExpiresAt, IReadOnlyList<RequestedText> Texts);

/// <summary>
/// Double opt-in by e-mail, for both hosts: <c>POST /api/consent-requests/email</c> sends a consent request e-mail
/// once per request id (a send record claimed before and marked after sending, and a Message-ID derived from it);
/// <c>GET /consent/confirm?t=</c> shows what the link confirms and a button, recording nothing (mail scanners fetch
/// links); <c>POST /consent/confirm</c> records the consents, once, via <see cref="CaptureChannel.EmailLink"/>.
/// </summary>
public sealed class EmailConsentHttp(
    ConsentRequestStore requests,
    ConsentStore store,
    ConsentTextCatalog catalog,
    ConsentTokenSigner signer,
    Pseudonymizer pseudonymizer,
    EmailSender sender,
    Contacts.ContactGate gate,
    IOptions<ConsentOptions> options,
    TimeProvider clock)
{
    private const int MaxEmailLength = 254;

    /// <summary><c>POST /api/consent-requests/email</c> (admin): sends the consent request e-mail, or nothing when the request id was sent before.</summary>
    public async Task<ReplyShape> RequestAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (input, problem) = await ConsentFormHttp.ReadJsonAsync<EmailRequestInput>(request.Body, "an e-mail consent request", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(input!.Subject) || input.Subject.Length > 256)
        {
            errors.Add("subject (the customer's user id) is required");
        }

        var email = input.Email?.Trim() ?? string.Empty;
        if (email.Length is 0 or > MaxEmailLength || !MailboxAddress.TryParse(email, out var mailbox) || mailbox.Address != email || !email.Contains('@', StringComparison.Ordinal))
        {
            errors.Add("email must be one e-mail address");
        }

        if (!ConsentFormHttp.IsRequestId(input.RequestId))
        {
            errors.Add("requestId (1–100 letters, digits, '-', '_', '.', ':') is required: a retried call with the same id sends nothing again");
        }

        var language = ConsentLanguage.Choose(input.Language, null, catalog.Languages);
        var purposes = options.Value.EffectivePurposes();
        var texts = new List<ConsentText>();
        foreach (var purpose in (input.Purposes ?? []).Distinct(StringComparer.Ordinal))
        {
            var text = purposes.Contains(purpose)
                ? catalog.CurrentFor(purpose, ContactChannel.Email, language) ?? catalog.CurrentFor(purpose, ContactChannel.Any, language)
                : null;
            if (text is null)
            {
                errors.Add($"purpose '{purpose}' has no e-mail or general consent text (purposes: {string.Join(", ", purposes)})");
            }
            else
            {
                texts.Add(text);
            }
        }

        if (input.Purposes is not { Count: > 0 })
        {
            errors.Add("purposes (at least one, e.g. [\"marketing\"]) are required");
        }

        if (errors.Count > 0)
        {
            return ReplyShape.Problem(new ApiProblem("Invalid e-mail consent request", 400, string.Join("; ", errors) + ".", errors));
        }

        if (!sender.IsConfigured)
        {
            return ReplyShape.Problem(new ApiProblem("E-mail is not configured", 503, "Set Email:Smtp:Host and Email:From to send consent requests by e-mail."));
        }

        var outcome = await SendRequestAsync(SubjectKey(input.Subject!), email, texts, language, input.RequestId!, PublicBase(request), cancellationToken);
        return outcome.Status switch
        {
            EmailRequestStatus.AlreadySent => Requested(200, input.Subject!, outcome.Request!, sent: false, repeated: true),
            EmailRequestStatus.InProgress => ReplyShape.Problem(new ApiProblem("Being sent", 409, $"The e-mail of request \"{input.RequestId}\" is being sent right now; retry in a moment to see the outcome."), TimeSpan.FromSeconds(30)),
            EmailRequestStatus.Conflict => ReplyShape.Problem(new ApiProblem("Request id used before", 409, $"requestId \"{input.RequestId}\" was used for a different request (address, language or purposes) of this subject; use a new id.")),
            EmailRequestStatus.NotSent => ReplyShape.Problem(new ApiProblem("E-mail not sent", 503, outcome.Error + " Retry with the same requestId."), TimeSpan.FromSeconds(60)),
            EmailRequestStatus.Refused => ReplyShape.Problem(new ApiProblem("Not to be contacted by e-mail", 409, $"\"{input.Subject}\" may not be sent e-mail: {outcome.Error}.")),
            _ => Requested(201, input.Subject!, outcome.Request!, sent: true, repeated: false),
        };
    }

    /// <summary>
    /// Sends a consent request e-mail asking for <paramref name="texts"/>, once per (subject, <paramref name="requestId"/>):
    /// the e-mail consent API and consent drives' waves both send through here.
    /// </summary>
    /// <param name="subjectKey">The subject's pseudonymous key.</param>
    /// <param name="email">The address.</param>
    /// <param name="texts">The consent texts asked for (e-mail or general texts, in one language).</param>
    /// <param name="language">Their language.</param>
    /// <param name="requestId">Makes a repeat send nothing.</param>
    /// <param name="publicBase">Where people reach the confirmation page.</param>
    /// <param name="cancellationToken">Cancels.</param>
    public async Task<EmailRequestOutcome> SendRequestAsync(
        string subjectKey, string email, IReadOnlyList<ConsentText> texts, string language, string requestId, string publicBase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        // Asking needs no basis, only that e-mail is not suppressed for the subject: the one contact gate decides.
        var decision = await gate.MayAskForConsentAsync(subjectKey, ContactChannel.Email, cancellationToken);
        if (!decision.Allowed)
        {
            return new EmailRequestOutcome(EmailRequestStatus.Refused, null, decision.Reason);
        }

        if (!sender.IsConfigured)
        {
            return new EmailRequestOutcome(EmailRequestStatus.NotSent, null, "E-mail is not configured (Email:Smtp:Host, Email:From).");
        }

        var sendId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subjectKey + "\n" + requestId)))[..32];
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join("\n", [email.ToLowerInvariant(), language, .. texts.Select(t => t.Purpose + "/" + t.Channel).Order(StringComparer.Ordinal)]))));
        var now = clock.GetUtcNow();
        var requested = texts.Select(t => new RequestedText(t.Purpose, t.TextId, t.Version, t.Language)).ToList();
        var record = new EmailConsentRequest(sendId, requestId, email, language, requested, ConsentRequestState.Pending, now, $"consent-{sendId}@{sender.SenderDomain}");
        var claim = await requests.ClaimAsync(subjectKey, record, fingerprint, now, cancellationToken);
        switch (claim.Outcome)
        {
            case ClaimOutcome.AlreadySent:
                return new EmailRequestOutcome(EmailRequestStatus.AlreadySent, claim.Request);
            case ClaimOutcome.InProgress:
                return new EmailRequestOutcome(EmailRequestStatus.InProgress, claim.Request);
            case ClaimOutcome.Conflict:
                return new EmailRequestOutcome(EmailRequestStatus.Conflict, claim.Request);
        }

        // A stale claim taken over sends what was first asked for, as stored.
        var stored = claim.Request;
        var shown = stored.Texts.Select(t => catalog.Find(t.TextId, t.Version, t.Language)).OfType<ConsentText>().ToList();
        var expiresAt = now + options.Value.ConfirmLinkValidity;
        var token = signer.Issue(new EmailConfirmation(sendId, subjectKey, stored.Email, stored.Texts, expiresAt));
        var link = publicBase.TrimEnd('/') + "/consent/confirm?t=" + Uri.EscapeDataString(token);
        var message = ConsentEmail.Compose(ConsentWording.For(stored.Language), options.Value.ProductName, stored.Email, shown, link, expiresAt, stored.MessageId);
        try
        {
            await sender.SendAsync(message, cancellationToken);
        }
        catch (EmailNotSentException ex)
        {
            await requests.ReleaseAsync(subjectKey, sendId, CancellationToken.None);
            return new EmailRequestOutcome(EmailRequestStatus.NotSent, null, ex.Message);
        }

        await requests.MarkSentAsync(subjectKey, sendId, clock.GetUtcNow(), expiresAt, CancellationToken.None);
        return new EmailRequestOutcome(EmailRequestStatus.Sent, stored with { State = ConsentRequestState.Sent, ExpiresAt = expiresAt });
    }

    /// <summary><c>GET /consent/confirm?t=</c>: what the link confirms, and a button; records nothing.</summary>
    public async Task<ReplyShape> ConfirmPageAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = request.Query["t"].ToString();
        var check = await CheckAsync(request, token, cancellationToken);
        if (check.Refusal is not null)
        {
            return check.Refusal;
        }

        var wording = ConsentWording.For(check.Language);
        var product = options.Value.ProductName;
        return check.Request!.State == ConsentRequestState.Confirmed
            ? ConsentPages.Message(200, check.Language, product, wording.ConfirmedTitle, wording.AlreadyConfirmed, Shown(check.Texts!))
            : ConsentPages.Confirmation(wording, product, token, Shown(check.Texts!));
    }

    /// <summary><c>POST /consent/confirm</c>: records each consent of the link as granted via the e-mail link, once.</summary>
    public async Task<ReplyShape> ConfirmAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = request.HasFormContentType ? (await request.ReadFormAsync(cancellationToken))["t"].ToString() : request.Query["t"].ToString();
        var check = await CheckAsync(request, token, cancellationToken);
        if (check.Refusal is not null)
        {
            return check.Refusal;
        }

        var confirmation = check.Confirmation!;
        var subjectKey = confirmation.Subject;
        var evidence = ConsentBrowser.Evidence(request, options.Value.TrustedProxyCount);
        var now = clock.GetUtcNow();
        var recorded = 0;
        foreach (var text in check.Texts!)
        {
            var consent = new ConsentRequest(subjectKey, text.Purpose, text.Channel, ConsentDecision.Granted, LegalBasis.Consent, CaptureChannel.EmailLink, now,
                text.Reference, evidence, "email");
            var result = await store.AppendAsync(consent, $"email:{confirmation.SendId}:{text.TextId}", cancellationToken);
            recorded += result.Repeated ? 0 : 1;
        }

        if (check.Request!.State != ConsentRequestState.Confirmed)
        {
            await requests.MarkConfirmedAsync(subjectKey, confirmation.SendId, now, cancellationToken);
        }

        var wording = ConsentWording.For(check.Language);
        return ConsentPages.Message(200, check.Language, options.Value.ProductName, wording.ConfirmedTitle,
            recorded == 0 ? wording.AlreadyConfirmed : wording.ConfirmedText, Shown(check.Texts!));
    }

    /// <summary>Whether a link may be acted on: signed, unexpired, its request still held (not erased) for the same address, its texts still in the catalogue.</summary>
    private async Task<LinkCheck> CheckAsync(HttpRequest request, string? token, CancellationToken cancellationToken)
    {
        var product = options.Value.ProductName;
        var reading = signer.ReadConfirmation(token, clock.GetUtcNow());
        var language = reading.Value is { Texts.Count: > 0 } value && value.Texts[0].Language is var linked && catalog.Languages.Contains(linked)
            ? linked
            : ConsentLanguage.Choose(null, request.Headers.AcceptLanguage.ToString(), catalog.Languages);
        var wording = ConsentWording.For(language);
        if (reading.Check == TokenCheck.Invalid)
        {
            return new(ConsentPages.Message(400, language, product, wording.ConfirmTitle, wording.LinkInvalid), language);
        }

        if (reading.Check == TokenCheck.Expired)
        {
            return new(ConsentPages.Message(410, language, product, wording.ConfirmTitle, wording.LinkExpired), language);
        }

        var confirmation = reading.Value!;
        var stored = await requests.FindAsync(confirmation.Subject, confirmation.SendId, cancellationToken);
        if (stored is null || !string.Equals(stored.Email, confirmation.Email, StringComparison.OrdinalIgnoreCase))
        {
            return new(ConsentPages.Message(410, language, product, wording.ConfirmTitle, wording.LinkGone), language);
        }

        var texts = confirmation.Texts.Select(t => catalog.Find(t.TextId, t.Version, t.Language)).ToList();
        if (texts.Any(t => t is null) || texts.Any(t => !options.Value.EffectivePurposes().Contains(t!.Purpose)))
        {
            return new(ConsentPages.Message(410, language, product, wording.ConfirmTitle, wording.LinkGone), language);
        }

        return new(null, language, confirmation, stored, texts.OfType<ConsentText>().ToList());
    }

    private string PublicBase(HttpRequest request) =>
        !string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl)
            ? options.Value.PublicBaseUrl.TrimEnd('/')
            : $"{request.Scheme}://{request.Host.Value}";

    private string SubjectKey(string subject) => pseudonymizer.KeyOf(IdentityRef.User(subject)).Value;

    private static List<(string Title, string Body)> Shown(IEnumerable<ConsentText> texts) => texts.Select(t => (t.Title, t.Body)).ToList();

    private static ReplyShape Requested(int status, string subject, EmailConsentRequest request, bool sent, bool repeated) =>
        ReplyShape.Json(status, new EmailConsentRequested(subject, request.SendId, request.MessageId, request.State, sent, repeated, request.ExpiresAt, request.Texts),
            ApiJson.TypeInfo<EmailConsentRequested>());

    private sealed record LinkCheck(ReplyShape? Refusal, string Language, EmailConfirmation? Confirmation = null, EmailConsentRequest? Request = null, IReadOnlyList<ConsentText>? Texts = null);

    /// <summary>The body of an e-mail consent request.</summary>
    private sealed record EmailRequestInput(string? Subject, string? Email, List<string>? Purposes, string? Language, string? RequestId);
}
