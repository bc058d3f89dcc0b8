using System.Security.Cryptography;
using System.Text;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Consent;

/// <summary>
/// Unsubscribing from campaign e-mails, for both hosts. <c>POST /unsubscribe?t=</c> with
/// <c>List-Unsubscribe=One-Click</c> (RFC 8058, sent by mail clients) withdraws the link's purpose over e-mail and
/// suppresses e-mail at once; <c>GET /unsubscribe?t=</c> shows the preferences page and <c>HEAD</c> answers, both
/// changing nothing, because security scanners and pre-fetchers follow links; the page's form POST records the choices.
/// Every withdrawal goes to the consent ledger via <see cref="CaptureChannel.EmailLink"/> under a request id derived
/// from the token, so a repeated click records nothing twice.
/// </summary>
public sealed class UnsubscribeHttp(
    ConsentStore store,
    ContactStore contacts,
    ConsentTextCatalog catalog,
    ConsentTokenSigner signer,
    Campaigns.EmailDeliveryEvents deliveries,
    IOptions<ConsentOptions> options,
    TimeProvider clock)
{
    private const string SourceSystem = "email";

    /// <summary><c>GET /unsubscribe?t=</c>: the e-mail purposes with their statuses and the choices; records nothing.</summary>
    public async Task<ReplyShape> PageAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = request.Query["t"].ToString();
        var check = Check(request, token, null);
        if (check.Refusal is not null)
        {
            return check.Refusal;
        }

        var link = check.Link!;
        var ledger = await store.ReadAsync(link.Subject, cancellationToken);
        var consentWording = ConsentWording.For(check.Language);
        var purposes = EmailPurposes(link, ledger, check.Language)
            .Select(p => (p.Purpose, p.Title, StatusText(consentWording, p.Status), Ticked: p.Purpose == link.Purpose))
            .ToList();
        return ConsentPages.Unsubscribe(UnsubscribeWording.For(check.Language), options.Value.ProductName, token, purposes);
    }

    /// <summary><c>HEAD /unsubscribe?t=</c>: the status a GET would have, without a body and without reading or changing anything stored.</summary>
    public ReplyShape Head(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var check = Check(request, request.Query["t"].ToString(), null);
        return new ReplyShape(check.Refusal?.Status ?? 200, "text/html; charset=utf-8", ReadOnlyMemory<byte>.Empty, [KeyValuePair.Create("Cache-Control", "no-store")]);
    }

    /// <summary>
    /// <c>POST /unsubscribe</c>: a one-click unsubscribe (body <c>List-Unsubscribe=One-Click</c>, token in the query)
    /// withdraws the link's purpose over e-mail and suppresses e-mail; the page's form (token in the body) withdraws
    /// every listed purpose and suppresses e-mail (<c>action=all</c>), or withdraws the ticked purposes (<c>action=save</c>).
    /// </summary>
    public async Task<ReplyShape> SubmitAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var form = request.HasFormContentType ? await request.ReadFormAsync(cancellationToken) : null;
        var token = request.Query["t"].ToString() is { Length: > 0 } inQuery ? inQuery : form?["t"].ToString();
        var check = Check(request, token, form?["lang"].ToString());
        if (check.Refusal is not null)
        {
            return check.Refusal;
        }

        var link = check.Link!;
        var wording = UnsubscribeWording.For(check.Language);
        var product = options.Value.ProductName;
        var evidence = ConsentBrowser.Evidence(request, options.Value.TrustedProxyCount);
        var requestKey = "unsubscribe:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token!)))[..32];
        var ledger = await store.ReadAsync(link.Subject, cancellationToken);
        if (form is not null && form["List-Unsubscribe"].ToString() == "One-Click")
        {
            await WithdrawAsync(link, [link.Purpose], ledger, evidence, requestKey, cancellationToken);
            await SuppressAsync(link, cancellationToken);
            await CountAsync(link, cancellationToken);
            return ConsentPages.Message(200, check.Language, product, wording.DoneTitle, wording.DoneSome);
        }

        var listed = EmailPurposes(link, ledger, check.Language).Select(p => p.Purpose).ToList();
        switch (form?["action"].ToString())
        {
            case "all":
                await WithdrawAsync(link, listed, ledger, evidence, requestKey, cancellationToken);
                await SuppressAsync(link, cancellationToken);
                await CountAsync(link, cancellationToken);
                return ConsentPages.Message(200, check.Language, product, wording.DoneTitle, wording.DoneAll);
            case "save":
                var ticked = form["purpose"].OfType<string>().Where(listed.Contains).Distinct(StringComparer.Ordinal).ToList();
                if (ticked.Count == 0)
                {
                    return ConsentPages.Message(200, check.Language, product, wording.Title, wording.NothingTicked);
                }

                await WithdrawAsync(link, ticked, ledger, evidence, requestKey, cancellationToken);
                await CountAsync(link, cancellationToken);
                return ConsentPages.Message(200, check.Language, product, wording.DoneTitle, wording.DoneSome);
            default:
                return ReplyShape.Problem(new ApiProblem("Not an unsubscribe request", 400,
                    "Send the form body List-Unsubscribe=One-Click (RFC 8058) with the link's t parameter, or submit the unsubscribe page's form (action=all or action=save)."));
        }
    }

    /// <summary>Whether a link may be acted on: signed by this deployment, for a purpose it still has.</summary>
    private LinkCheck Check(HttpRequest request, string? token, string? requestedLanguage)
    {
        var language = ConsentLanguage.Choose(requestedLanguage, request.Headers.AcceptLanguage.ToString(), catalog.Languages);
        var wording = UnsubscribeWording.For(language);
        var product = options.Value.ProductName;
        var reading = signer.ReadUnsubscribe(token);
        if (!reading.IsValid)
        {
            return new(ConsentPages.Message(400, language, product, wording.Title, wording.LinkInvalid), language);
        }

        return options.Value.EffectivePurposes().Contains(reading.Value!.Purpose)
            ? new(null, language, reading.Value)
            : new(ConsentPages.Message(410, language, product, wording.Title, wording.LinkGone), language);
    }

    /// <summary>
    /// The purposes the page offers: the link's own, every purpose with an e-mail consent text, and every purpose the
    /// ledger holds a decision for over e-mail, in the deployment's order.
    /// </summary>
    private List<(string Purpose, string Title, ConsentStatus? Status)> EmailPurposes(UnsubscribeLink link, ConsentLedgerView? ledger, string language)
    {
        var statuses = ledger?.Status ?? [];
        return options.Value.EffectivePurposes()
            .Where(p => p == link.Purpose
                || catalog.CurrentFor(p, ContactChannel.Email, language) is not null
                || statuses.Any(s => s.Purpose == p && s.Channel == ContactChannel.Email))
            .Select(p => (
                p,
                (catalog.CurrentFor(p, ContactChannel.Email, language) ?? catalog.CurrentFor(p, ContactChannel.Any, language))?.Title ?? p,
                statuses.FirstOrDefault(s => s.Purpose == p && s.Channel == ContactChannel.Email)
                    ?? statuses.FirstOrDefault(s => s.Purpose == p && s.Channel == ContactChannel.Any)))
            .ToList();
    }

    private static string StatusText(ConsentWording wording, ConsentStatus? status) => status switch
    {
        null => wording.StatusNone,
        { Decision: ConsentDecision.Granted } => wording.Fill(wording.StatusGranted, string.Empty, status.Since),
        { Decision: ConsentDecision.Denied } => wording.Fill(wording.StatusDenied, string.Empty, status.Since),
        _ => wording.Fill(wording.StatusWithdrawn, string.Empty, status.Since),
    };

    /// <summary>
    /// Records a withdrawal over e-mail for each purpose not already withdrawn or declined there; the request id
    /// (token and purpose) makes a repeated click, or two at once, record nothing twice.
    /// </summary>
    private async Task WithdrawAsync(UnsubscribeLink link, IReadOnlyList<string> purposes, ConsentLedgerView? ledger, ConsentEvidence evidence, string requestKey, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var purpose in purposes)
        {
            var current = ledger?.Status.FirstOrDefault(s => s.Purpose == purpose && s.Channel == ContactChannel.Email);
            if (current is { Decision: ConsentDecision.Withdrawn or ConsentDecision.Denied })
            {
                continue;
            }

            // An objection to marketing under legitimate interest is withdrawn on that basis; anything else was consent.
            var basis = current?.Basis ?? LegalBasis.Consent;
            var withdrawal = new ConsentRequest(link.Subject, purpose, ContactChannel.Email, ConsentDecision.Withdrawn, basis, CaptureChannel.EmailLink, now,
                null, evidence, SourceSystem);
            await store.AppendAsync(withdrawal, requestKey + ":" + purpose, cancellationToken);
        }
    }

    private Task<SuppressionResult> SuppressAsync(UnsubscribeLink link, CancellationToken cancellationToken) =>
        contacts.SuppressAsync(link.Subject,
            new ContactSuppression(ContactChannel.Email, SuppressionReason.Unsubscribed, clock.GetUtcNow(), Note: $"unsubscribe link of campaign {link.CampaignId}, message {link.MessageId}"),
            cancellationToken);

    /// <summary>Counts the unsubscribe for the campaign report: one per message, whichever way and however often it was used.</summary>
    private Task CountAsync(UnsubscribeLink link, CancellationToken cancellationToken) =>
        deliveries.RecordUnsubscribeAsync(link.CampaignId, link.MessageId, link.Subject, clock.GetUtcNow(), cancellationToken);

    private sealed record LinkCheck(ReplyShape? Refusal, string Language, UnsubscribeLink? Link = null);
}
