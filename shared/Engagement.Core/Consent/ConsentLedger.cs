using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Engagement.Core.Consent;

/// <summary>A subject's latest decision for a purpose over a channel.</summary>
/// <param name="Purpose">The purpose.</param>
/// <param name="Channel">The channel.</param>
/// <param name="Decision">The latest decision.</param>
/// <param name="Basis">Its lawful basis.</param>
/// <param name="Since">When it was decided.</param>
/// <param name="Sequence">The record that says so.</param>
public sealed record ConsentStatus(string Purpose, ContactChannel Channel, ConsentDecision Decision, LegalBasis Basis, DateTimeOffset Since, long Sequence);

/// <summary>
/// The rules of the consent ledger: what a record must carry, how records are numbered and chained, how a chain is
/// checked, and what a subject's current status is. Pure: storage appends what <see cref="Append"/> returns.
/// </summary>
public static class ConsentLedger
{
    /// <summary>The purposes every deployment knows; more can be configured.</summary>
    public static readonly IReadOnlyList<string> StandardPurposes = ["marketing", "profiling", "ad-personalisation", "third-party-sharing"];

    /// <summary>What is wrong with a request, if anything (empty when it may be recorded).</summary>
    /// <param name="request">The request.</param>
    /// <param name="purposes">The purposes this deployment knows.</param>
    public static IReadOnlyList<string> Validate(ConsentRequest request, IReadOnlyCollection<string> purposes)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(purposes);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(request.SubjectKey))
        {
            errors.Add("subject is required");
        }

        if (!purposes.Contains(request.Purpose))
        {
            errors.Add($"purpose '{request.Purpose}' is not one of: {string.Join(", ", purposes)}");
        }

        if (string.IsNullOrWhiteSpace(request.SourceSystem))
        {
            errors.Add("sourceSystem is required");
        }

        if (request.Basis == LegalBasis.Consent && request.Decision == ConsentDecision.Granted && request.Text is null)
        {
            errors.Add("a consent must name the text shown (textId, version, language, sha256)");
        }

        if (request.Text is { } text && (string.IsNullOrWhiteSpace(text.TextId) || text.Version < 1 || string.IsNullOrWhiteSpace(text.Language)
            || text.Sha256.Length != 64 || !text.Sha256.All(Uri.IsHexDigit)))
        {
            errors.Add("text needs a textId, a version ≥ 1, a language and the 64-hex-digit SHA-256 of the text shown");
        }

        var evidence = request.Evidence ?? new ConsentEvidence();
        var missing = request.CapturedVia switch
        {
            CaptureChannel.PortalPopup or CaptureChannel.InjectionPage or CaptureChannel.WebForm or CaptureChannel.EmailLink
                when string.IsNullOrWhiteSpace(evidence.IpAddress) || string.IsNullOrWhiteSpace(evidence.UserAgent) => "ipAddress and userAgent",
            CaptureChannel.ReplySms when string.IsNullOrWhiteSpace(evidence.SmsMessageId) => "smsMessageId",
            CaptureChannel.Ivr when string.IsNullOrWhiteSpace(evidence.CallId) => "callId",
            CaptureChannel.CallCentre when string.IsNullOrWhiteSpace(evidence.AgentId) || string.IsNullOrWhiteSpace(evidence.CallId) => "agentId and callId",
            CaptureChannel.Store when string.IsNullOrWhiteSpace(evidence.AgentId) || string.IsNullOrWhiteSpace(evidence.StoreId) => "agentId and storeId",
            _ => null,
        };
        if (missing is not null)
        {
            errors.Add($"a decision captured via {request.CapturedVia} needs evidence: {missing}");
        }

        return errors;
    }

    /// <summary>The record that appends <paramref name="request"/> to a subject's ledger whose last record is <paramref name="last"/>.</summary>
    public static ConsentRecord Append(ConsentRecord? last, ConsentRequest request, DateTimeOffset recordedAt)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (last is not null && last.Request.SubjectKey != request.SubjectKey)
        {
            throw new ArgumentException("The previous record belongs to another subject.", nameof(last));
        }

        var sequence = (last?.Sequence ?? 0) + 1;
        var previousHash = last?.Hash ?? string.Empty;
        return new ConsentRecord(sequence, request, recordedAt, previousHash, HashOf(sequence, request, recordedAt, previousHash));
    }

    /// <summary>
    /// Checks a subject's ledger: numbered 1, 2, … without gaps, each record's hash matching its content and naming its
    /// predecessor's. Returns the sequence of the first record that fails, or null when the whole chain holds.
    /// </summary>
    public static long? FirstBroken(IEnumerable<ConsentRecord> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var expected = 1L;
        var previousHash = string.Empty;
        foreach (var record in history.OrderBy(r => r.Sequence))
        {
            if (record.Sequence != expected || record.PreviousHash != previousHash
                || record.Hash != HashOf(record.Sequence, record.Request, record.RecordedAt, record.PreviousHash))
            {
                return expected;
            }

            previousHash = record.Hash;
            expected++;
        }

        return null;
    }

    /// <summary>The current status per purpose and channel: the latest decision (by decision time, then sequence).</summary>
    public static IReadOnlyList<ConsentStatus> Status(IEnumerable<ConsentRecord> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history
            .GroupBy(r => (r.Request.Purpose, r.Request.Channel))
            .Select(g => g.OrderBy(r => r.Request.DecidedAt).ThenBy(r => r.Sequence).Last())
            .Select(r => new ConsentStatus(r.Request.Purpose, r.Request.Channel, r.Request.Decision, r.Request.Basis, r.Request.DecidedAt, r.Sequence))
            .OrderBy(s => s.Purpose, StringComparer.Ordinal)
            .ThenBy(s => s.Channel)
            .ToList();
    }

    /// <summary>SHA-256 (hex) of the text exactly as shown (its UTF-8 bytes), for <see cref="ConsentTextReference.Sha256"/>.</summary>
    public static string TextHash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    private static string HashOf(long sequence, ConsentRequest request, DateTimeOffset recordedAt, string previousHash)
    {
        // A fixed layout of every field, so the same content always gives the same hash whatever serializer settings.
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteNumberValue(sequence);
            json.WriteStringValue(request.SubjectKey);
            json.WriteStringValue(request.Purpose);
            json.WriteStringValue(request.Channel.ToString());
            json.WriteStringValue(request.Decision.ToString());
            json.WriteStringValue(request.Basis.ToString());
            json.WriteStringValue(request.CapturedVia.ToString());
            json.WriteStringValue(Instant(request.DecidedAt));
            json.WriteStringValue(request.Text?.TextId);
            json.WriteNumberValue(request.Text?.Version ?? 0);
            json.WriteStringValue(request.Text?.Language);
            json.WriteStringValue(request.Text?.Sha256);
            var evidence = request.Evidence ?? new ConsentEvidence();
            foreach (var value in (ReadOnlySpan<string?>)[evidence.IpAddress, evidence.UserAgent, evidence.SmsMessageId, evidence.CallId, evidence.AgentId, evidence.StoreId])
            {
                json.WriteStringValue(value);
            }

            json.WriteStringValue(request.SourceSystem);
            json.WriteStringValue(Instant(recordedAt));
            json.WriteStringValue(previousHash);
            json.WriteEndArray();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
