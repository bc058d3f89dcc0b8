namespace Engagement.Core.Consent;

/// <summary>What a subject decided about a purpose.</summary>
public enum ConsentDecision
{
    /// <summary>Agreed.</summary>
    Granted,
    /// <summary>Said no when asked.</summary>
    Denied,
    /// <summary>Took back an earlier agreement.</summary>
    Withdrawn,
}

/// <summary>The lawful basis a record rests on (GDPR Art. 6).</summary>
public enum LegalBasis
{
    /// <summary>The subject's consent.</summary>
    Consent,
    /// <summary>The controller's legitimate interest (e.g. marketing similar products to existing customers).</summary>
    LegitimateInterest,
    /// <summary>Needed for a contract with the subject.</summary>
    Contract,
}

/// <summary>Where a decision was captured.</summary>
public enum CaptureChannel
{
    /// <summary>The pop-up shown in the customer portal after login.</summary>
    PortalPopup,
    /// <summary>The full-page consent page shown before the portal.</summary>
    InjectionPage,
    /// <summary>A confirmation link in an e-mail (double opt-in).</summary>
    EmailLink,
    /// <summary>A reply to an SMS.</summary>
    ReplySms,
    /// <summary>An interactive voice response call.</summary>
    Ivr,
    /// <summary>A call-centre agent.</summary>
    CallCentre,
    /// <summary>A store employee.</summary>
    Store,
    /// <summary>A web form.</summary>
    WebForm,
    /// <summary>An import from another system.</summary>
    Import,
}

/// <summary>The channel a purpose is exercised over (e-mail marketing, SMS marketing, …); <see cref="Any"/> where the purpose has none.</summary>
public enum ContactChannel
{
    /// <summary>The purpose is not tied to a channel (profiling, ad personalisation, sharing).</summary>
    Any,
    /// <summary>E-mail.</summary>
    Email,
    /// <summary>SMS.</summary>
    Sms,
    /// <summary>Phone calls.</summary>
    Phone,
    /// <summary>Post.</summary>
    Post,
}

/// <summary>The exact text a subject was shown, by id, version, language and content hash.</summary>
/// <param name="TextId">The consent text's id, e.g. <c>marketing-email</c>.</param>
/// <param name="Version">Its version.</param>
/// <param name="Language">Its language (<c>cs</c>, <c>en</c>).</param>
/// <param name="Sha256">SHA-256 of the text as shown, hex: proof of exactly what was said.</param>
public sealed record ConsentTextReference(string TextId, int Version, string Language, string Sha256);

/// <summary>What proves the decision was made where and by whom the record says.</summary>
/// <param name="IpAddress">The browser's address (web channels).</param>
/// <param name="UserAgent">The browser's user agent (web channels).</param>
/// <param name="SmsMessageId">The id of the reply SMS.</param>
/// <param name="CallId">The id of the call (IVR, call centre).</param>
/// <param name="AgentId">The call-centre agent or store employee.</param>
/// <param name="StoreId">The store.</param>
public sealed record ConsentEvidence(
    string? IpAddress = null,
    string? UserAgent = null,
    string? SmsMessageId = null,
    string? CallId = null,
    string? AgentId = null,
    string? StoreId = null);

/// <summary>A decision to be recorded.</summary>
/// <param name="SubjectKey">The subject's pseudonymous key.</param>
/// <param name="Purpose">The purpose, e.g. <c>marketing</c> or <c>ad-personalisation</c>.</param>
/// <param name="Channel">The channel the purpose is exercised over.</param>
/// <param name="Decision">What was decided.</param>
/// <param name="Basis">The lawful basis.</param>
/// <param name="CapturedVia">Where it was captured.</param>
/// <param name="DecidedAt">When the subject decided.</param>
/// <param name="Text">The text shown (required for consent).</param>
/// <param name="Evidence">The proof.</param>
/// <param name="SourceSystem">The system that reported it (portal, CRM, IVR, …).</param>
public sealed record ConsentRequest(
    string SubjectKey,
    string Purpose,
    ContactChannel Channel,
    ConsentDecision Decision,
    LegalBasis Basis,
    CaptureChannel CapturedVia,
    DateTimeOffset DecidedAt,
    ConsentTextReference? Text,
    ConsentEvidence Evidence,
    string SourceSystem);

/// <summary>
/// One entry of a subject's consent ledger: never changed or deleted (only erasure removes a subject's ledger),
/// numbered in order and chained by hash to the entry before it, so any change to history is detectable.
/// </summary>
/// <param name="Sequence">1 for the subject's first record, then one more each.</param>
/// <param name="Request">What was recorded.</param>
/// <param name="RecordedAt">When the ledger recorded it.</param>
/// <param name="PreviousHash">The hash of the subject's previous record; empty for the first.</param>
/// <param name="Hash">SHA-256 over this record's content and <paramref name="PreviousHash"/>, hex.</param>
public sealed record ConsentRecord(long Sequence, ConsentRequest Request, DateTimeOffset RecordedAt, string PreviousHash, string Hash);
