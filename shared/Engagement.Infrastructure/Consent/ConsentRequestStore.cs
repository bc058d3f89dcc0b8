using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Consent;

/// <summary>Where an e-mail consent request stands.</summary>
public enum ConsentRequestState
{
    /// <summary>Taken on; the e-mail may be on its way.</summary>
    Pending,
    /// <summary>The relay took the e-mail; waiting for the link to be confirmed.</summary>
    Sent,
    /// <summary>The link was confirmed and the consents recorded.</summary>
    Confirmed,
}

/// <summary>An e-mail consent request (double opt-in) as stored.</summary>
/// <param name="SendId">Its id: derived from the subject and the caller's request id, so a retried call finds it.</param>
/// <param name="RequestId">The caller's request id.</param>
/// <param name="Email">The address asked.</param>
/// <param name="Language">The language of the e-mail.</param>
/// <param name="Texts">The texts the e-mail shows.</param>
/// <param name="State">Where it stands.</param>
/// <param name="CreatedAt">When it was taken on.</param>
/// <param name="MessageId">The e-mail's Message-ID.</param>
/// <param name="SentAt">When the relay took the e-mail.</param>
/// <param name="ExpiresAt">When its link stops being accepted.</param>
/// <param name="ConfirmedAt">When the link was confirmed.</param>
public sealed record EmailConsentRequest(
    string SendId,
    string RequestId,
    string Email,
    string Language,
    IReadOnlyList<RequestedText> Texts,
    ConsentRequestState State,
    DateTimeOffset CreatedAt,
    string MessageId,
    DateTimeOffset? SentAt = null,
    DateTimeOffset? ExpiresAt = null,
    DateTimeOffset? ConfirmedAt = null);

/// <summary>What claiming a request for sending found.</summary>
public enum ClaimOutcome
{
    /// <summary>This caller sends the e-mail now.</summary>
    Claimed,
    /// <summary>The e-mail went out before: send nothing.</summary>
    AlreadySent,
    /// <summary>Another call is sending it right now.</summary>
    InProgress,
    /// <summary>The request id was used before for a different request.</summary>
    Conflict,
}

/// <summary>The outcome of <see cref="ConsentRequestStore.ClaimAsync"/>, with the request as stored.</summary>
/// <param name="Outcome">What was found.</param>
/// <param name="Request">The stored request.</param>
public sealed record ConsentRequestClaim(ClaimOutcome Outcome, EmailConsentRequest Request);

/// <summary>
/// E-mail consent requests in Table storage, one partition per subject, one row per send id. The row is the send
/// record that makes the e-mail idempotent: a call claims it before sending and marks it sent after, so a retried call
/// finds it and sends nothing; a claim left behind by a crashed sender is taken over after <see cref="ClaimLease"/>.
/// </summary>
public sealed class ConsentRequestStore(EngagementStorage storage)
{
    /// <summary>How long a claim keeps other callers from sending the same request.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(2);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Claims a request for sending: adds it when new; otherwise reports whether it was sent, is being sent, or was a
    /// different request under the same id (by <paramref name="fingerprint"/>), taking over a stale claim.
    /// </summary>
    public async Task<ConsentRequestClaim> ClaimAsync(string subjectKey, EmailConsentRequest request, string fingerprint, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var entity = ToEntity(subjectKey, request);
        entity["Fingerprint"] = fingerprint;
        entity["ClaimedAt"] = now;
        try
        {
            await storage.ConsentRequests.AddEntityAsync(entity, cancellationToken);
            return new(ClaimOutcome.Claimed, request);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Stored before: a retry, a concurrent call, or a reused id.
        }

        var existing = await FindEntityAsync(subjectKey, request.SendId, cancellationToken);
        if (existing is null)
        {
            // Erased between the add and the read: claim afresh.
            return await ClaimAsync(subjectKey, request, fingerprint, now, cancellationToken);
        }

        var stored = FromEntity(existing);
        if (existing.GetString("Fingerprint") != fingerprint)
        {
            return new(ClaimOutcome.Conflict, stored);
        }

        if (stored.State != ConsentRequestState.Pending)
        {
            return new(ClaimOutcome.AlreadySent, stored);
        }

        if (existing.GetDateTimeOffset("ClaimedAt") is { } claimedAt && claimedAt + ClaimLease > now)
        {
            return new(ClaimOutcome.InProgress, stored);
        }

        try
        {
            await storage.ConsentRequests.UpdateEntityAsync(new TableEntity(subjectKey, request.SendId) { ["ClaimedAt"] = now }, existing.ETag, TableUpdateMode.Merge, cancellationToken);
            return new(ClaimOutcome.Claimed, stored);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return new(ClaimOutcome.InProgress, stored);
        }
    }

    /// <summary>Lets a claim go after a failed send, so a retry may send at once.</summary>
    public Task ReleaseAsync(string subjectKey, string sendId, CancellationToken cancellationToken = default) =>
        MergeAsync(new TableEntity(subjectKey, sendId) { ["ClaimedAt"] = DateTimeOffset.UnixEpoch }, cancellationToken);

    /// <summary>Records that the relay took the e-mail.</summary>
    public Task MarkSentAsync(string subjectKey, string sendId, DateTimeOffset sentAt, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        MergeAsync(new TableEntity(subjectKey, sendId)
        {
            ["State"] = nameof(ConsentRequestState.Sent),
            ["SentAt"] = sentAt,
            ["ExpiresAt"] = expiresAt,
        }, cancellationToken);

    /// <summary>Records that the link was confirmed.</summary>
    public Task MarkConfirmedAsync(string subjectKey, string sendId, DateTimeOffset confirmedAt, CancellationToken cancellationToken = default) =>
        MergeAsync(new TableEntity(subjectKey, sendId)
        {
            ["State"] = nameof(ConsentRequestState.Confirmed),
            ["ConfirmedAt"] = confirmedAt,
        }, cancellationToken);

    /// <summary>One request; null when there is none (never made, or erased).</summary>
    public async Task<EmailConsentRequest?> FindAsync(string subjectKey, string sendId, CancellationToken cancellationToken = default) =>
        await FindEntityAsync(subjectKey, sendId, cancellationToken) is { } entity ? FromEntity(entity) : null;

    /// <summary>Every request of a subject, oldest first.</summary>
    public async Task<IReadOnlyList<EmailConsentRequest>> ListAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var requests = new List<EmailConsentRequest>();
        await foreach (var entity in storage.ConsentRequests.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}"), cancellationToken: cancellationToken))
        {
            requests.Add(FromEntity(entity));
        }

        return requests.OrderBy(r => r.CreatedAt).ToList();
    }

    private async Task MergeAsync(TableEntity changes, CancellationToken cancellationToken)
    {
        try
        {
            await storage.ConsentRequests.UpdateEntityAsync(changes, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The subject was erased meanwhile: nothing is left to update, and nothing should be.
        }
    }

    private async Task<TableEntity?> FindEntityAsync(string subjectKey, string sendId, CancellationToken cancellationToken)
    {
        var response = await storage.ConsentRequests.GetEntityIfExistsAsync<TableEntity>(subjectKey, sendId, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private static TableEntity ToEntity(string subjectKey, EmailConsentRequest request) => new(subjectKey, request.SendId)
    {
        ["RequestId"] = request.RequestId,
        ["Email"] = request.Email,
        ["Language"] = request.Language,
        ["Texts"] = JsonSerializer.Serialize(request.Texts, Json),
        ["State"] = request.State.ToString(),
        ["CreatedAt"] = request.CreatedAt,
        ["MessageId"] = request.MessageId,
    };

    private static EmailConsentRequest FromEntity(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("RequestId") ?? string.Empty,
        entity.GetString("Email") ?? string.Empty,
        entity.GetString("Language") ?? ConsentTextCatalog.FallbackLanguage,
        JsonSerializer.Deserialize<List<RequestedText>>(entity.GetString("Texts") ?? "[]", Json) ?? [],
        Enum.TryParse<ConsentRequestState>(entity.GetString("State"), out var state) ? state : ConsentRequestState.Pending,
        entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        entity.GetString("MessageId") ?? string.Empty,
        entity.GetDateTimeOffset("SentAt"),
        entity.GetDateTimeOffset("ExpiresAt"),
        entity.GetDateTimeOffset("ConfirmedAt"));
}
