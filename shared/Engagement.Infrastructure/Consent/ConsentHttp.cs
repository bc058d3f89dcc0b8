using System.Globalization;
using System.Text.Json;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Consent;

/// <summary>Which purposes a deployment records consent for.</summary>
public sealed class ConsentOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Consent";

    /// <summary>The purposes; empty: marketing, profiling, ad-personalisation, third-party-sharing.</summary>
    public List<string> Purposes { get; set; } = [];

    /// <summary>The purposes in effect.</summary>
    public IReadOnlyList<string> EffectivePurposes() => Purposes.Count > 0 ? Purposes : ConsentLedger.StandardPurposes;
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
