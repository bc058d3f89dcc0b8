using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Infrastructure.Http;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Sms;

/// <summary>What an SMS was for.</summary>
public enum SmsKind
{
    /// <summary>Asks for consent; an ANO/NE reply answers it.</summary>
    ConsentRequest,
    /// <summary>Any other message (marketing, service), sent for a purpose the contact gate allowed.</summary>
    Message,
}

/// <summary>Where an SMS stands.</summary>
public enum SmsSentStatus
{
    /// <summary>Recorded and not yet accepted by the service (being sent, or to be retried with the same id).</summary>
    Pending,
    /// <summary>Accepted by the service.</summary>
    Sent,
    /// <summary>Refused by the service for this recipient (e.g. an invalid number): sending again will not help.</summary>
    Failed,
}

/// <summary>A purpose a consent request SMS asked about, with the exact text it showed.</summary>
/// <param name="Purpose">The purpose.</param>
/// <param name="Channel">The channel the purpose is exercised over (that of the text).</param>
/// <param name="Text">The catalogue text shown.</param>
public sealed record AskedPurpose(string Purpose, ContactChannel Channel, ConsentTextReference Text);

/// <summary>One SMS sent (or being sent) to a subject: to which number, what, why, and what the service said.</summary>
/// <param name="SubjectKey">The subject's pseudonymous key.</param>
/// <param name="RequestId">The repeatability request id (a GUID derived from the idempotency key).</param>
/// <param name="IdempotencyKey">The caller's key: the same key never sends twice.</param>
/// <param name="Kind">Consent request or message.</param>
/// <param name="Purpose">The purpose the gate was asked about (<c>consent-request</c> for consent requests).</param>
/// <param name="Asked">For consent requests: the purposes asked about and the texts shown.</param>
/// <param name="To">The number (E.164).</param>
/// <param name="Message">The text sent.</param>
/// <param name="FirstSent">When the send was first attempted (sent as repeatabilityFirstSent on every attempt).</param>
/// <param name="Status">Where it stands.</param>
/// <param name="MessageId">The service's message id once accepted.</param>
/// <param name="SentAt">When the service accepted it.</param>
/// <param name="Error">The last error, if any.</param>
/// <param name="Attempts">HTTP attempts made.</param>
public sealed record SmsSentRecord(
    string SubjectKey,
    string RequestId,
    string IdempotencyKey,
    SmsKind Kind,
    string Purpose,
    IReadOnlyList<AskedPurpose> Asked,
    string To,
    string Message,
    DateTimeOffset FirstSent,
    SmsSentStatus Status,
    string? MessageId,
    DateTimeOffset? SentAt,
    string? Error,
    int Attempts);

/// <summary>What a reply SMS did.</summary>
public enum SmsReplyOutcome
{
    /// <summary>Recorded consent for what the consent request asked.</summary>
    Granted,
    /// <summary>Recorded a refusal of what the consent request asked.</summary>
    Denied,
    /// <summary>Withdrew SMS marketing and suppressed SMS.</summary>
    Stopped,
    /// <summary>An ANO/NE with no consent request to answer (none sent, or older than Sms:ReplyWindow): ignored.</summary>
    NoOpenRequest,
    /// <summary>Text that is no answer: ignored.</summary>
    UnknownText,
    /// <summary>From a number no contact has: ignored.</summary>
    UnknownNumber,
}

/// <summary>One SMS received, and what it did for one subject (or for nobody).</summary>
/// <param name="MessageId">The service's id of the SMS.</param>
/// <param name="SubjectKey">The subject it was attributed to; null when none.</param>
/// <param name="From">The sender's number (E.164).</param>
/// <param name="To">Our number it was sent to.</param>
/// <param name="Message">Its text.</param>
/// <param name="ReceivedAt">When the service received it.</param>
/// <param name="Intent">How it was read.</param>
/// <param name="Outcome">What it did.</param>
/// <param name="Reason">Why, for a person.</param>
/// <param name="AnsweredRequestId">The consent request it answered, if any.</param>
/// <param name="Purposes">The purposes it decided, if any.</param>
/// <param name="RecordedAt">When it was handled.</param>
public sealed record SmsReplyRecord(
    string MessageId,
    string? SubjectKey,
    string From,
    string To,
    string Message,
    DateTimeOffset ReceivedAt,
    SmsReplyIntent Intent,
    SmsReplyOutcome Outcome,
    string Reason,
    string? AnsweredRequestId,
    IReadOnlyList<string> Purposes,
    DateTimeOffset RecordedAt);

/// <summary>
/// The record of SMS sent (table <c>smssent</c>, per subject, keyed by repeatability id: a retry finds its first
/// attempt) and received (table <c>smsreplies</c>, per subject, keyed by the SMS id: a redelivered event finds it was
/// handled). Needed to match replies to requests, and part of what a subject can export and have erased.
/// </summary>
public sealed class SmsHistory(EngagementStorage storage)
{
    private static readonly JsonSerializerOptions Json = ApiJson.Options;

    /// <summary>The repeatability id of a send: a GUID derived from the subject and the caller's idempotency key, so every retry carries the same one.</summary>
    public static string RequestIdOf(string subjectKey, string idempotencyKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"engagement-sms\n{subjectKey}\n{idempotencyKey}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8: a name-based GUID of our own scheme
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true).ToString("D");
    }

    /// <summary>A send as recorded, with its row version; null when none.</summary>
    internal async Task<(SmsSentRecord Record, ETag ETag)?> FindSentAsync(string subjectKey, string requestId, CancellationToken cancellationToken)
    {
        var response = await storage.SmsSent.GetEntityIfExistsAsync<TableEntity>(subjectKey, requestId, cancellationToken: cancellationToken);
        return response.HasValue ? (Read<SmsSentRecord>(response.Value!), response.Value!.ETag) : null;
    }

    /// <summary>Records a new send; false when one with the same id was recorded first (by a concurrent retry).</summary>
    internal async Task<bool> TryAddSentAsync(SmsSentRecord record, string toKey, CancellationToken cancellationToken)
    {
        try
        {
            await storage.SmsSent.AddEntityAsync(SentEntity(record, toKey), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Writes a send's new state.</summary>
    internal Task UpdateSentAsync(SmsSentRecord record, string toKey, CancellationToken cancellationToken) =>
        storage.SmsSent.UpsertEntityAsync(SentEntity(record, toKey), TableUpdateMode.Replace, cancellationToken);

    /// <summary>
    /// The latest consent request to a subject at a number (by index key) first sent before a time, if any. A request still
    /// recorded as pending counts too: its sender stopped between the service accepting it and the record saying so (the
    /// retry is deduplicated by the service), and a reply proves it arrived.
    /// </summary>
    public async Task<SmsSentRecord?> LatestConsentRequestAsync(string subjectKey, string toKey, DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        SmsSentRecord? latest = null;
        await foreach (var entity in storage.SmsSent.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey} and ToKey eq {toKey} and Kind eq {nameof(SmsKind.ConsentRequest)} and Status ne {nameof(SmsSentStatus.Failed)}"),
            cancellationToken: cancellationToken))
        {
            var record = Read<SmsSentRecord>(entity);
            if (record.FirstSent <= before && (latest is null || record.FirstSent > latest.FirstSent))
            {
                latest = record;
            }
        }

        return latest;
    }

    /// <summary>A reply as recorded for a partition (a subject key, or the unmatched number's partition); null when none.</summary>
    public async Task<SmsReplyRecord?> FindReplyAsync(string partitionKey, string messageId, CancellationToken cancellationToken = default)
    {
        var response = await storage.SmsReplies.GetEntityIfExistsAsync<TableEntity>(partitionKey, RowKeyOf(messageId), cancellationToken: cancellationToken);
        return response.HasValue ? Read<SmsReplyRecord>(response.Value!) : null;
    }

    /// <summary>Records a reply under a partition (idempotent: the SMS id is the row key).</summary>
    public Task RecordReplyAsync(string partitionKey, SmsReplyRecord reply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return storage.SmsReplies.UpsertEntityAsync(new TableEntity(partitionKey, RowKeyOf(reply.MessageId))
        {
            ["Outcome"] = reply.Outcome.ToString(),
            ["ReceivedAt"] = reply.ReceivedAt,
            ["Record"] = JsonSerializer.Serialize(reply, Json),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Every SMS sent to a subject, oldest first.</summary>
    public async Task<IReadOnlyList<SmsSentRecord>> SentToAsync(string subjectKey, CancellationToken cancellationToken = default) =>
        (await storage.SmsSent.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}"), cancellationToken: cancellationToken)
            .Select(Read<SmsSentRecord>).ToListAsync(cancellationToken)).OrderBy(r => r.FirstSent).ToList();

    /// <summary>Every reply recorded under the given partitions (a subject's key and its numbers' partitions), oldest first.</summary>
    public async Task<IReadOnlyList<SmsReplyRecord>> RepliesAsync(IEnumerable<string> partitionKeys, CancellationToken cancellationToken = default)
    {
        var replies = new List<SmsReplyRecord>();
        foreach (var partitionKey in partitionKeys.Distinct(StringComparer.Ordinal))
        {
            await foreach (var entity in storage.SmsReplies.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), cancellationToken: cancellationToken))
            {
                replies.Add(Read<SmsReplyRecord>(entity));
            }
        }

        return replies.OrderBy(r => r.ReceivedAt).ToList();
    }

    /// <summary>The partition of replies from a number no subject had: the number's keyed hash.</summary>
    public static string UnmatchedPartition(string numberKey) => "number-" + numberKey;

    /// <summary>Deletes what was sent to and received from a subject (and replies from its numbers that matched nobody); returns (sent, replies) deleted.</summary>
    public async Task<(int Sent, int Replies)> EraseAsync(string subjectKey, IEnumerable<string> numberKeys, CancellationToken cancellationToken = default)
    {
        var sent = await storage.SmsSent.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        var replies = new List<TableEntity>();
        foreach (var partition in numberKeys.Select(UnmatchedPartition).Prepend(subjectKey).Distinct(StringComparer.Ordinal))
        {
            replies.AddRange(await storage.SmsReplies.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ToListAsync(cancellationToken));
        }

        await TableRows.DeleteAsync(storage.SmsSent, sent, cancellationToken);
        await TableRows.DeleteAsync(storage.SmsReplies, replies, cancellationToken);
        return (sent.Count, replies.Count);
    }

    /// <summary>The number index keys of every number a subject was sent SMS at (for erasing replies from them).</summary>
    public async Task<IReadOnlyList<string>> NumberKeysOfAsync(string subjectKey, CancellationToken cancellationToken = default) =>
        (await storage.SmsSent.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}"), select: ["ToKey"], cancellationToken: cancellationToken)
            .Select(e => e.GetString("ToKey")).ToListAsync(cancellationToken)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    private static TableEntity SentEntity(SmsSentRecord record, string toKey) => new(record.SubjectKey, record.RequestId)
    {
        ["Kind"] = record.Kind.ToString(),
        ["Status"] = record.Status.ToString(),
        ["ToKey"] = toKey,
        ["FirstSent"] = record.FirstSent,
        ["Record"] = JsonSerializer.Serialize(record, Json),
    };

    private static T Read<T>(TableEntity entity) =>
        JsonSerializer.Deserialize<T>(entity.GetString("Record"), Json) ?? throw new InvalidDataException($"SMS row {entity.PartitionKey}/{entity.RowKey} holds no record.");

    /// <summary>A row key from an SMS id: characters a key may not hold become '_'.</summary>
    private static string RowKeyOf(string messageId)
    {
        var key = new string(messageId.Select(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c) ? '_' : c).ToArray());
        return key.Length <= 500 ? key : key[..500];
    }
}
