using System.Globalization;
using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Consent;

/// <summary>Which purposes a deployment records consent for, the texts it asks with, and how the web and e-mail channels capture decisions.</summary>
public sealed class ConsentOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Consent";

    /// <summary>The purposes; empty: marketing, profiling, ad-personalisation, third-party-sharing.</summary>
    public List<string> Purposes { get; set; } = [];

    /// <summary>A JSON file of consent texts (see <see cref="ConsentTextCatalog.Parse"/>) replacing the shipped Czech and English ones.</summary>
    public string? TextsFile { get; set; }

    /// <summary>
    /// The secret that signs subject tokens and double opt-in links (HMAC-SHA256), at least 32 characters; in Key Vault
    /// in Azure. Changing it invalidates every token and link issued before.
    /// </summary>
    public string FormSecret { get; set; } = string.Empty;

    /// <summary>How long a subject token handed to the consent form is accepted.</summary>
    public TimeSpan FormTokenValidity { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a double opt-in link is accepted.</summary>
    public TimeSpan ConfirmLinkValidity { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Origins of pages (portals, websites) that may call the consent form's endpoints; empty: those of <c>Tracking:AllowedOrigins</c>.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// How many proxies in front of the app append to <c>X-Forwarded-For</c>; the browser's address recorded as evidence
    /// is the one the outermost of them saw. 0: the connection's own address (the header is ignored, as anyone can send it).
    /// </summary>
    public int TrustedProxyCount { get; set; }

    /// <summary>The name the consent pages and e-mails speak in (the company's or the product's).</summary>
    public string ProductName { get; set; } = "Engagement 360";

    /// <summary>Where people reach the consent pages (scheme and host, e.g. <c>https://consent.example.com</c>); empty: the host the request came to.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The purposes in effect.</summary>
    public IReadOnlyList<string> EffectivePurposes() => Purposes.Count > 0 ? Purposes : ConsentLedger.StandardPurposes;

    /// <summary>The consent texts in effect: <see cref="TextsFile"/>, or the shipped ones.</summary>
    public ConsentTextCatalog LoadTexts() =>
        string.IsNullOrWhiteSpace(TextsFile) ? ConsentTextCatalog.Default : ConsentTextCatalog.Parse(File.ReadAllText(TextsFile));
}

/// <summary>Checks the consent settings at start, so a bad secret or texts file stops the app rather than the first visitor.</summary>
internal sealed class ConsentOptionsValidator : IValidateOptions<ConsentOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsentOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(options.FormSecret) || options.FormSecret.Length < ConsentTokenSigner.MinSecretLength)
        {
            errors.Add($"Consent:FormSecret is required: at least {ConsentTokenSigner.MinSecretLength} characters (it signs consent form tokens and double opt-in links).");
        }

        if (options.FormTokenValidity <= TimeSpan.Zero || options.ConfirmLinkValidity <= TimeSpan.Zero)
        {
            errors.Add("Consent:FormTokenValidity and Consent:ConfirmLinkValidity must be positive.");
        }

        if (options.TrustedProxyCount is < 0 or > 10)
        {
            errors.Add("Consent:TrustedProxyCount must be 0–10.");
        }

        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            && (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("https" or "http")))
        {
            errors.Add("Consent:PublicBaseUrl must be an absolute http(s) URL.");
        }

        if (string.IsNullOrWhiteSpace(options.ProductName))
        {
            errors.Add("Consent:ProductName must not be empty.");
        }

        try
        {
            options.LoadTexts();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or JsonException or ArgumentException or NotSupportedException)
        {
            errors.Add($"Consent:TextsFile could not be loaded: {ex.Message}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>A recorded decision as the API answers it.</summary>
/// <param name="Subject">The subject's id as given.</param>
/// <param name="Record">The record.</param>
/// <param name="Repeated">Whether the request id had been recorded before.</param>
public sealed record ConsentRecorded(string Subject, ConsentRecord Record, bool Repeated);

/// <summary>A subject's consents as the API answers them.</summary>
/// <param name="Subject">The subject's id as given.</param>
/// <param name="Status">Current status per purpose and channel.</param>
/// <param name="History">Every record, oldest first.</param>
/// <param name="ChainIntact">Whether every record's hash chain holds.</param>
/// <param name="FirstBroken">The first record that breaks the chain, if any.</param>
public sealed record ConsentReport(string Subject, IReadOnlyList<ConsentStatus> Status, IReadOnlyList<ConsentRecord> History, bool ChainIntact, long? FirstBroken);

/// <summary>
/// <c>POST /api/consents</c> and <c>GET /api/consents/{subject}</c> for both hosts: decisions from the call centre,
/// stores, IVR and imports (with the evidence each needs), and a subject's status with its full, verified history.
/// The subject is a user id (CRM id); the ledger keeps only its pseudonymous key.
/// </summary>
public sealed class ConsentHttp(ConsentStore store, Pseudonymizer pseudonymizer, IOptions<ConsentOptions> options)
{
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>Records the decision in a request body.</summary>
    public async Task<ReplyShape> RecordAsync(Stream body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return Invalid($"The body is {buffer.Length:N0} bytes; at most {MaxBodyBytes:N0}.");
        }

        ConsentInput? input;
        try
        {
            input = JsonSerializer.Deserialize(buffer.ToArray(), ApiJson.TypeInfo<ConsentInput>());
        }
        catch (JsonException ex)
        {
            return Invalid($"The body is not a consent decision: {ex.Message.Split('.')[0]}.");
        }

        if (input is null || string.IsNullOrWhiteSpace(input.Subject))
        {
            return Invalid("subject (the customer's user id) is required.");
        }

        var missing = new List<string>();
        if (input.Decision is null) missing.Add("decision (granted, denied, withdrawn)");
        if (input.Basis is null) missing.Add("basis (consent, legitimateInterest, contract)");
        if (input.CapturedVia is null) missing.Add("capturedVia (callCentre, store, ivr, import, …)");
        if (input.DecidedAt is null) missing.Add("decidedAt");
        if (missing.Count > 0)
        {
            return Invalid("Missing: " + string.Join(", ", missing) + ".", missing);
        }

        var request = new ConsentRequest(
            pseudonymizer.KeyOf(IdentityRef.User(input.Subject)).Value,
            input.Purpose ?? string.Empty,
            input.Channel ?? ContactChannel.Any,
            input.Decision!.Value,
            input.Basis!.Value,
            input.CapturedVia!.Value,
            input.DecidedAt!.Value,
            input.Text,
            input.Evidence ?? new ConsentEvidence(),
            input.SourceSystem ?? string.Empty);
        var errors = ConsentLedger.Validate(request, options.Value.EffectivePurposes().ToList());
        if (errors.Count > 0)
        {
            return Invalid(string.Join("; ", errors) + ".", errors);
        }

        var result = await store.AppendAsync(request, input.RequestId, cancellationToken);
        return ReplyShape.Json(result.Repeated ? 200 : 201, new ConsentRecorded(input.Subject, result.Record, result.Repeated), ApiJson.TypeInfo<ConsentRecorded>());
    }

    /// <summary>A subject's status and history; 404 when nothing is recorded.</summary>
    public async Task<ReplyShape> ReadAsync(string subject, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            return Invalid("A subject id is required.");
        }

        var view = await store.ReadAsync(pseudonymizer.KeyOf(IdentityRef.User(subject)).Value, cancellationToken);
        return view is null
            ? ReplyShape.Problem(new ApiProblem("No consents recorded", 404, $"Nothing is recorded for \"{subject}\"."))
            : ReplyShape.Json(200, new ConsentReport(subject, view.Status, view.History, view.FirstBroken is null, view.FirstBroken), ApiJson.TypeInfo<ConsentReport>());
    }

    private static ReplyShape Invalid(string detail, IReadOnlyList<string>? errors = null) =>
        ReplyShape.Problem(new ApiProblem("Invalid consent decision", 400, detail, errors));

    /// <summary>The request body.</summary>
    private sealed record ConsentInput(
        string? Subject,
        string? Purpose,
        ContactChannel? Channel,
        ConsentDecision? Decision,
        LegalBasis? Basis,
        CaptureChannel? CapturedVia,
        DateTimeOffset? DecidedAt,
        ConsentTextReference? Text,
        ConsentEvidence? Evidence,
        string? SourceSystem,
        string? RequestId);
}
