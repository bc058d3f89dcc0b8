using System.Globalization;
using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Consent;

/// <summary>A consent text as the API answers it.</summary>
/// <param name="TextId">Its id.</param>
/// <param name="Version">Its version.</param>
/// <param name="Language">Its language.</param>
/// <param name="Purpose">The purpose it asks about.</param>
/// <param name="Channel">The channel.</param>
/// <param name="Title">Its title.</param>
/// <param name="Body">Its wording.</param>
/// <param name="Sha256">The hash a record of it carries.</param>
public sealed record ConsentTextView(string TextId, int Version, string Language, string Purpose, ContactChannel Channel, string Title, string Body, string Sha256)
{
    /// <summary>The view of a text.</summary>
    public static ConsentTextView Of(ConsentText text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(text.TextId, text.Version, text.Language, text.Purpose, text.Channel, text.Title, text.Body, text.Reference.Sha256);
    }
}

/// <summary>The body of <c>GET /consent/texts</c>.</summary>
/// <param name="Language">The language chosen.</param>
/// <param name="Texts">The current text of every purpose the deployment asks about.</param>
public sealed record ConsentTextsReply(string Language, IReadOnlyList<ConsentTextView> Texts);

/// <summary>The body of <c>POST /api/consent-forms/tokens</c>.</summary>
/// <param name="Subject">The user id.</param>
/// <param name="Token">The subject token to hand to the consent form.</param>
/// <param name="ExpiresAt">Until when it is accepted.</param>
public sealed record ConsentFormTokenIssued(string Subject, string Token, DateTimeOffset ExpiresAt);

/// <summary>One purpose on the consent form: the text to show and the subject's current decision.</summary>
/// <param name="TextId">The text's id.</param>
/// <param name="Version">Its version.</param>
/// <param name="Language">Its language.</param>
/// <param name="Sha256">Its hash (sent back with the decision).</param>
/// <param name="Purpose">The purpose.</param>
/// <param name="Channel">The channel.</param>
/// <param name="Title">The title.</param>
/// <param name="Body">The wording.</param>
/// <param name="Decision">The current decision; null when none was made.</param>
/// <param name="Since">When it was made.</param>
/// <param name="StatusText">The current decision in words.</param>
public sealed record ConsentFormItem(string TextId, int Version, string Language, string Sha256, string Purpose, ContactChannel Channel, string Title, string Body,
    ConsentDecision? Decision, DateTimeOffset? Since, string StatusText);

/// <summary>The words the form script shows around the texts.</summary>
/// <param name="Title">Heading.</param>
/// <param name="Intro">Sentence under it.</param>
/// <param name="AcceptAll">Button granting all.</param>
/// <param name="DeclineAll">Button granting none.</param>
/// <param name="Save">Button saving the ticks.</param>
/// <param name="Close">Label of the close button.</param>
/// <param name="WithdrawHint">How to withdraw.</param>
/// <param name="Saved">After saving.</param>
/// <param name="Failed">When saving failed.</param>
/// <param name="FormExpired">When the token expired.</param>
public sealed record ConsentFormWords(string Title, string Intro, string AcceptAll, string DeclineAll, string Save, string Close, string WithdrawHint, string Saved, string Failed, string FormExpired);

/// <summary>The body of <c>GET /consent/status</c> and of <c>POST /consent/decisions</c>.</summary>
/// <param name="Language">The language.</param>
/// <param name="ProductName">Who asks.</param>
/// <param name="Wording">The form's words.</param>
/// <param name="Items">One per purpose and channel asked about.</param>
/// <param name="NeedsDecision">Whether any purpose is undecided (a portal shows the pop-up then).</param>
/// <param name="Recorded">After a submission: records added.</param>
/// <param name="Repeated">After a submission: whether it had been recorded before (a retry).</param>
public sealed record ConsentFormStatus(string Language, string ProductName, ConsentFormWords Wording, IReadOnlyList<ConsentFormItem> Items, bool NeedsDecision,
    int? Recorded = null, bool? Repeated = null);

/// <summary>Whether a consent drive wants a form shown now (<c>GET /consent/prompt</c>).</summary>
/// <param name="Show">Whether to show one.</param>
/// <param name="Drive">The drive that asks.</param>
/// <param name="Variant">The variant to show.</param>
/// <param name="Placement">Where: the portal pop-up or the consent page.</param>
/// <param name="Form">The form's content, as <c>GET /consent/status</c> answers it.</param>
public sealed record ConsentPrompt(bool Show, string? Drive, string? Variant, Core.ConsentDrives.FormPlacement? Placement, ConsentFormStatus? Form);

/// <summary>
/// The consent form for websites and the customer portal, for both hosts: the current texts, the subject tokens a
/// portal's back end asks for, the form script, the subject's status, decisions from the pop-up, and the full-page
/// consent page with its plain-POST fallback. Every decision is one ledger record per purpose, naming the exact text
/// shown (checked against the catalogue, never taken on the client's word) with the browser's address and user agent.
/// </summary>
public sealed class ConsentFormHttp(
    ConsentStore store,
    ConsentTextCatalog catalog,
    ConsentTokenSigner signer,
    Pseudonymizer pseudonymizer,
    IOptions<ConsentOptions> options,
    IOptions<TrackingOptions> tracking,
    TimeProvider clock)
{
    private const int MaxBodyBytes = 64 * 1024;
    private const int MaxSubjectLength = 256;
    private static readonly Lazy<byte[]> FormScript = new(LoadScript);

    /// <summary><c>POST /api/consent-forms/tokens</c> (admin): a short-lived subject token for a logged-in user.</summary>
    public async Task<ReplyShape> IssueTokenAsync(Stream body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var (input, problem) = await ReadJsonAsync<TokenInput>(body, "a token request ({\"subject\":\"<user id>\"})", cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrWhiteSpace(input!.Subject) || input.Subject.Length > MaxSubjectLength)
        {
            return Invalid($"subject (the logged-in customer's user id, at most {MaxSubjectLength} characters) is required.");
        }

        var expiresAt = clock.GetUtcNow() + options.Value.FormTokenValidity;
        var token = signer.Issue(new ConsentFormToken(input.Subject, expiresAt));
        return ReplyShape.Json(201, new ConsentFormTokenIssued(input.Subject, token, expiresAt), ApiJson.TypeInfo<ConsentFormTokenIssued>());
    }

    /// <summary><c>GET /consent/texts?lang=</c>: the current texts of every purpose asked about (public, cacheable).</summary>
    public ReplyShape Texts(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = Header(request, "Origin");
        var allowed = AllowedOrigins();
        if (!ConsentBrowser.IsAllowed(origin, allowed))
        {
            return ConsentBrowser.OriginRejected(origin);
        }

        var language = LanguageOf(request, Query(request, "lang"));
        var texts = FormTexts(language).Select(ConsentTextView.Of).ToList();
        return ReplyShape.Json(200, new ConsentTextsReply(language, texts), ApiJson.TypeInfo<ConsentTextsReply>())
            .WithHeaders(ConsentBrowser.CorsHeaders(origin, allowed))
            .WithHeaders([KeyValuePair.Create("Cache-Control", "public, max-age=300"), KeyValuePair.Create("Vary", "Accept-Language")]);
    }

    /// <summary><c>GET /api/consent-texts/{textId}/{version}/{lang}</c> (admin): any version ever shown, to read what a record's text said.</summary>
    public ReplyShape Text(string textId, string version, string language)
    {
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            return Invalid($"\"{version}\" is not a text version (1, 2, …).");
        }

        return catalog.Find(textId, number, language) is { } text
            ? ReplyShape.Json(200, ConsentTextView.Of(text), ApiJson.TypeInfo<ConsentTextView>())
            : ReplyShape.Problem(new ApiProblem("Consent text not found", 404, $"There is no text \"{textId}\" version {number} in \"{language}\"."));
    }

    /// <summary><c>GET /consent/form.js</c>: the form script.</summary>
    public static ReplyShape Script() => new(200, "text/javascript; charset=utf-8", FormScript.Value,
        [KeyValuePair.Create("Cache-Control", "public, max-age=3600"), KeyValuePair.Create("X-Content-Type-Options", "nosniff")]);

    /// <summary>A CORS preflight of a consent form endpoint.</summary>
    public ReplyShape Preflight(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ConsentBrowser.Preflight(Header(request, "Origin"), AllowedOrigins());
    }

    /// <summary><c>GET /consent/status?token=&amp;lang=</c>: what the form shows the subject, with each purpose's current decision.</summary>
    public async Task<ReplyShape> StatusAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (subject, cors, refusal) = Authorize(request);
        if (refusal is not null)
        {
            return refusal;
        }

        var language = LanguageOf(request, Query(request, "lang"));
        var status = await StatusOfAsync(subject!, language, cancellationToken);
        return ReplyShape.Json(200, status, ApiJson.TypeInfo<ConsentFormStatus>()).WithHeaders(cors).WithHeaders([NoStore]);
    }

    /// <summary>A browser call's subject from its token in the query, with the CORS headers to answer it; or the refusal (origin not allowed, token invalid or expired).</summary>
    private (string? Subject, IReadOnlyList<KeyValuePair<string, string>> Cors, ReplyShape? Refusal) Authorize(HttpRequest request)
    {
        var origin = Header(request, "Origin");
        var allowed = AllowedOrigins();
        if (!ConsentBrowser.IsAllowed(origin, allowed))
        {
            return (null, [], ConsentBrowser.OriginRejected(origin));
        }

        var cors = ConsentBrowser.CorsHeaders(origin, allowed);
        var reading = signer.ReadForm(Query(request, "token"), clock.GetUtcNow());
        return reading.IsValid ? (reading.Value!.Subject, cors, null) : (null, cors, TokenRejected(reading.Check).WithHeaders(cors));
    }

    /// <summary>
    /// <c>GET /consent/prompt?token=&amp;lang=</c>: whether a running consent drive wants a form shown to the subject now,
    /// which variant and where, with the form's content; the offer counts as a display.
    /// </summary>
    public async Task<ReplyShape> PromptAsync(HttpRequest request, ConsentDrives.ConsentDriveForms drives, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(drives);
        var (subject, cors, refusal) = Authorize(request);
        if (refusal is not null)
        {
            return refusal;
        }

        var offer = await drives.OfferAsync(pseudonymizer.KeyOf(IdentityRef.User(subject!)).Value, cancellationToken);
        var reply = offer is null
            ? new ConsentPrompt(false, null, null, null, null)
            : new ConsentPrompt(true, offer.DriveId, offer.Variant, offer.Placement, await StatusOfAsync(subject!, LanguageOf(request, Query(request, "lang")), cancellationToken));
        return ReplyShape.Json(200, reply, ApiJson.TypeInfo<ConsentPrompt>()).WithHeaders(cors).WithHeaders([NoStore]);
    }

    /// <summary><c>POST /consent/decisions</c>: decisions from the pop-up or the enhanced consent page, one record per purpose.</summary>
    public async Task<ReplyShape> DecideAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var origin = Header(request, "Origin");
        var allowed = AllowedOrigins();
        if (!ConsentBrowser.IsAllowed(origin, allowed))
        {
            return ConsentBrowser.OriginRejected(origin);
        }

        var cors = ConsentBrowser.CorsHeaders(origin, allowed);
        var (input, problem) = await ReadJsonAsync<DecisionsInput>(request.Body, "consent decisions", cancellationToken);
        if (problem is not null)
        {
            return problem.WithHeaders(cors);
        }

        var reading = signer.ReadForm(input!.Token, clock.GetUtcNow());
        if (!reading.IsValid)
        {
            return TokenRejected(reading.Check).WithHeaders(cors);
        }

        CaptureChannel? via = input.Variant switch
        {
            "popup" => CaptureChannel.PortalPopup,
            "page" => CaptureChannel.InjectionPage,
            _ => null,
        };
        var references = (input.Decisions ?? []).Select(d => (Reference: new ConsentTextReference(d.TextId ?? string.Empty, d.Version, d.Language ?? string.Empty, d.Sha256 ?? string.Empty), d.Granted)).ToList();
        var (choices, errors) = Resolve(references);
        if (via is null)
        {
            errors.Insert(0, "variant must be \"popup\" (portal pop-up) or \"page\" (consent page)");
        }

        if (!IsRequestId(input.RequestId))
        {
            errors.Insert(0, "requestId (1–100 letters, digits, '-', '_', '.', ':'; one per submission, the same on a retry) is required");
        }

        if (errors.Count > 0)
        {
            return Invalid(string.Join("; ", errors) + ".", errors).WithHeaders(cors);
        }

        var subject = reading.Value!.Subject;
        var (recorded, repeated) = await RecordAsync(subject, choices, via!.Value, ConsentBrowser.Evidence(request, options.Value.TrustedProxyCount), input.RequestId!, cancellationToken);
        var language = LanguageOf(request, input.Language);
        var status = await StatusOfAsync(subject, language, cancellationToken) with { Recorded = recorded, Repeated = repeated };
        return ReplyShape.Json(repeated ? 200 : 201, status, ApiJson.TypeInfo<ConsentFormStatus>()).WithHeaders(cors).WithHeaders([NoStore]);
    }

    /// <summary><c>GET /consent/page?token=&amp;lang=&amp;return=</c>: the full-page consent form, plain HTML that works without script.</summary>
    public async Task<ReplyShape> PageAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var language = LanguageOf(request, Query(request, "lang"));
        var token = Query(request, "token");
        var reading = signer.ReadForm(token, clock.GetUtcNow());
        if (!reading.IsValid)
        {
            return TokenPage(reading.Check, language);
        }

        var status = await StatusOfAsync(reading.Value!.Subject, language, cancellationToken);
        var returnTo = ConsentBrowser.SafeReturn(Query(request, "return"), AllowedOrigins());
        return ConsentPages.Form(200, ConsentWording.For(language), options.Value.ProductName, token!, returnTo, Guid.NewGuid().ToString("N"), PageItems(status));
    }

    /// <summary><c>POST /consent/page</c>: the consent page's form posted without script; records, then goes on to the return address.</summary>
    public async Task<ReplyShape> PageSubmitAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasFormContentType)
        {
            return ReplyShape.Problem(new ApiProblem("Form expected", 415, "Post the consent page's form (application/x-www-form-urlencoded)."));
        }

        var form = await request.ReadFormAsync(cancellationToken);
        var language = LanguageOf(request, form["lang"].ToString());
        var wording = ConsentWording.For(language);
        var token = form["token"].ToString();
        var reading = signer.ReadForm(token, clock.GetUtcNow());
        if (!reading.IsValid)
        {
            return TokenPage(reading.Check, language);
        }

        var action = form["action"].ToString();
        var granted = form["granted"].Select(v => v ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        var references = new List<(ConsentTextReference Reference, bool Granted)>();
        var errors = new List<string>();
        foreach (var shown in form["shown"].Select(v => v ?? string.Empty))
        {
            if (ParseReference(shown) is { } reference)
            {
                references.Add((reference, action switch { "accept-all" => true, "decline-all" => false, _ => granted.Contains(shown) }));
            }
            else
            {
                errors.Add($"\"{shown}\" does not name a text");
            }
        }

        var (choices, resolveErrors) = Resolve(references);
        errors.AddRange(resolveErrors);
        var requestId = form["requestId"].ToString();
        if (!IsRequestId(requestId))
        {
            errors.Add("the form carries no request id");
        }

        if (errors.Count > 0)
        {
            return ConsentPages.Message(400, language, options.Value.ProductName, wording.Title, wording.Failed + " (" + string.Join("; ", errors) + ")");
        }

        var subject = reading.Value!.Subject;
        await RecordAsync(subject, choices, CaptureChannel.InjectionPage, ConsentBrowser.Evidence(request, options.Value.TrustedProxyCount), requestId, cancellationToken);
        if (ConsentBrowser.SafeReturn(form["return"].ToString(), AllowedOrigins()) is { } returnTo)
        {
            return ReplyShape.Empty(303).WithHeaders([KeyValuePair.Create("Location", returnTo), NoStore]);
        }

        var status = await StatusOfAsync(subject, language, cancellationToken);
        return ConsentPages.Form(200, wording, options.Value.ProductName, token, null, Guid.NewGuid().ToString("N"), PageItems(status), wording.Saved);
    }

    private static readonly KeyValuePair<string, string> NoStore = KeyValuePair.Create("Cache-Control", "no-store");

    private string[] AllowedOrigins() => ConsentBrowser.AllowedOrigins(options.Value, tracking.Value);

    private string LanguageOf(HttpRequest request, string? requested) =>
        ConsentLanguage.Choose(requested, Header(request, "Accept-Language"), catalog.Languages);

    /// <summary>The current text of every configured purpose and channel, in a language.</summary>
    private List<ConsentText> FormTexts(string language)
    {
        var purposes = options.Value.EffectivePurposes();
        return catalog.CurrentTexts(language).Where(t => purposes.Contains(t.Purpose)).ToList();
    }

    private async Task<ConsentFormStatus> StatusOfAsync(string subject, string language, CancellationToken cancellationToken)
    {
        var view = await store.ReadAsync(SubjectKey(subject), cancellationToken);
        var wording = ConsentWording.For(language);
        var product = options.Value.ProductName;
        var items = FormTexts(language).Select(text =>
        {
            var current = view?.Status.FirstOrDefault(s => s.Purpose == text.Purpose && s.Channel == text.Channel);
            var statusText = current?.Decision switch
            {
                ConsentDecision.Granted => wording.Fill(wording.StatusGranted, product, current.Since),
                ConsentDecision.Withdrawn => wording.Fill(wording.StatusWithdrawn, product, current.Since),
                ConsentDecision.Denied => wording.Fill(wording.StatusDenied, product, current.Since),
                _ => wording.StatusNone,
            };
            return new ConsentFormItem(text.TextId, text.Version, text.Language, text.Reference.Sha256, text.Purpose, text.Channel, text.Title, text.Body,
                current?.Decision, current?.Since, statusText);
        }).ToList();
        var words = new ConsentFormWords(wording.Title, wording.Fill(wording.Intro, product), wording.AcceptAll, wording.DeclineAll, wording.Save, wording.Close,
            wording.WithdrawHint, wording.Saved, wording.Failed, wording.FormExpired);
        return new ConsentFormStatus(language, product, words, items, items.Any(i => i.Decision is null));
    }

    private static List<PageItem> PageItems(ConsentFormStatus status) =>
        status.Items.Select(i => new PageItem($"{i.TextId}|{i.Version}|{i.Language}|{i.Sha256}", i.Title, i.Body, i.Decision == ConsentDecision.Granted, i.StatusText)).ToList();

    /// <summary>The texts behind the references a browser sent back: each must be one the catalogue holds, for a purpose asked about, once.</summary>
    private (List<(ConsentText Text, bool Granted)> Choices, List<string> Errors) Resolve(List<(ConsentTextReference Reference, bool Granted)> references)
    {
        var errors = new List<string>();
        var choices = new List<(ConsentText, bool)>();
        var purposes = options.Value.EffectivePurposes();
        if (references.Count == 0)
        {
            errors.Add("decisions must name at least one text shown");
        }

        foreach (var (reference, granted) in references.Take(100))
        {
            var text = catalog.Holds(reference) ? catalog.Find(reference.TextId, reference.Version, reference.Language) : null;
            if (text is null)
            {
                errors.Add($"text {reference.TextId} v{reference.Version} ({reference.Language}) with that hash is not one this deployment shows");
            }
            else if (!purposes.Contains(text.Purpose))
            {
                errors.Add($"purpose '{text.Purpose}' of text {text.TextId} is not one consent is recorded for");
            }
            else if (choices.Any(c => c.Item1.TextId == text.TextId))
            {
                errors.Add($"text {text.TextId} is decided twice");
            }
            else
            {
                choices.Add((text, granted));
            }
        }

        return (choices, errors);
    }

    /// <summary>
    /// One record per purpose: granted when ticked; otherwise withdrawn if it was granted, else denied. Each record's
    /// request id is the submission's plus the text id, so a repeated submission adds nothing.
    /// </summary>
    private async Task<(int Recorded, bool Repeated)> RecordAsync(string subject, IReadOnlyList<(ConsentText Text, bool Granted)> choices, CaptureChannel via,
        ConsentEvidence evidence, string requestId, CancellationToken cancellationToken)
    {
        var key = SubjectKey(subject);
        var view = await store.ReadAsync(key, cancellationToken);
        var now = clock.GetUtcNow();
        var recorded = 0;
        foreach (var (text, granted) in choices)
        {
            var current = view?.Status.FirstOrDefault(s => s.Purpose == text.Purpose && s.Channel == text.Channel)?.Decision;
            var decision = granted ? ConsentDecision.Granted : current == ConsentDecision.Granted ? ConsentDecision.Withdrawn : ConsentDecision.Denied;
            var consent = new ConsentRequest(key, text.Purpose, text.Channel, decision, LegalBasis.Consent, via, now, text.Reference, evidence,
                via == CaptureChannel.PortalPopup ? "portal" : "web");
            var result = await store.AppendAsync(consent, $"{requestId}:{text.TextId}", cancellationToken);
            if (!result.Repeated)
            {
                recorded++;
            }
        }

        return (recorded, recorded == 0);
    }

    private string SubjectKey(string subject) => pseudonymizer.KeyOf(IdentityRef.User(subject)).Value;

    private ReplyShape TokenPage(TokenCheck check, string language)
    {
        var wording = ConsentWording.For(language);
        return ConsentPages.Message(401, language, options.Value.ProductName, wording.Title, check == TokenCheck.Expired ? wording.FormExpired : wording.FormInvalid);
    }

    private static ReplyShape TokenRejected(TokenCheck check) => ReplyShape.Problem(check == TokenCheck.Expired
        ? new ApiProblem("Consent form expired", 401, "The subject token has expired; the portal must ask POST /api/consent-forms/tokens for a new one.")
        : new ApiProblem("Invalid subject token", 401, "The subject token is missing, malformed or altered; use the token from POST /api/consent-forms/tokens as it was issued."));

    internal static bool IsRequestId(string? requestId) =>
        !string.IsNullOrEmpty(requestId) && requestId.Length <= 100 && requestId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    private static ConsentTextReference? ParseReference(string value)
    {
        var parts = value.Split('|');
        return parts.Length == 4 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? new ConsentTextReference(parts[0], version, parts[2], parts[3])
            : null;
    }

    internal static async Task<(T? Value, ReplyShape? Problem)> ReadJsonAsync<T>(Stream body, string what, CancellationToken cancellationToken)
        where T : class
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return (null, Invalid($"The body is {buffer.Length:N0} bytes; at most {MaxBodyBytes:N0}."));
        }

        try
        {
            return JsonSerializer.Deserialize(buffer.ToArray(), ApiJson.TypeInfo<T>()) is { } value
                ? (value, null)
                : (null, Invalid($"The body is not {what}."));
        }
        catch (JsonException ex)
        {
            return (null, Invalid($"The body is not {what}: {ex.Message.Split('.')[0]}."));
        }
    }

    private static ReplyShape Invalid(string detail, IReadOnlyList<string>? errors = null) =>
        ReplyShape.Problem(new ApiProblem("Invalid consent form request", 400, detail, errors));

    private static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

    private static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

    private static byte[] LoadScript()
    {
        using var stream = typeof(ConsentFormHttp).Assembly.GetManifestResourceStream("Engagement.Infrastructure.Consent.consent-form.js")
            ?? throw new InvalidOperationException("The consent form script is not embedded in Engagement.Infrastructure.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>The body of a token request.</summary>
    private sealed record TokenInput(string? Subject);

    /// <summary>One decision as the form sends it.</summary>
    private sealed record DecisionInput(string? TextId, int Version, string? Language, string? Sha256, bool Granted);

    /// <summary>The body of a submission.</summary>
    private sealed record DecisionsInput(string? Token, string? Variant, string? Language, string? RequestId, List<DecisionInput>? Decisions);
}
