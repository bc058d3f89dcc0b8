using Azure;
using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Contacts;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Sms;
using Engagement.Infrastructure.Storage;
using Engagement.Infrastructure.Streaming;
using Microsoft.Extensions.Logging;

namespace Engagement.Infrastructure.Subjects;

/// <summary>Everything held about a subject (GDPR Art. 15 and 20).</summary>
/// <param name="Subject">The id asked for.</param>
/// <param name="ExportedAt">When.</param>
/// <param name="Profile">The 360° profile with its insights; null when only consents, consent requests or contact data (a contact known only from the CRM) are held.</param>
/// <param name="Events">Every stored event of every identity of the subject.</param>
/// <param name="Consents">The consent ledger.</param>
/// <param name="ConsentRequests">E-mail consent requests (double opt-in): address, texts, whether sent and confirmed.</param>
public sealed record SubjectExport(string Subject, DateTimeOffset ExportedAt, Profile360? Profile, IReadOnlyList<EngagementEvent> Events, IReadOnlyList<ConsentRecord> Consents,
    IReadOnlyList<EmailConsentRequest> ConsentRequests)
{
    /// <summary>Contact points, provenance and suppressions (standing and lifted).</summary>
    public ContactView? Contact { get; init; }

    /// <summary>Every SMS sent to the subject: number, text, purposes and outcome.</summary>
    public IReadOnlyList<SmsSentRecord> SmsSent { get; init; } = [];

    /// <summary>Every SMS received from the subject's numbers, and what each did.</summary>
    public IReadOnlyList<SmsReplyRecord> SmsReplies { get; init; } = [];

    /// <summary>What consent drives recorded: consent forms shown, and when and how the subject was asked.</summary>
    public IReadOnlyList<string> ConsentDrives { get; init; } = [];

    /// <summary>Campaign e-mails the subject opened and links followed (with what was taken for a scanner).</summary>
    public IReadOnlyList<Campaigns.CampaignEngagementRecord> CampaignEngagement { get; init; } = [];

    /// <summary>Delivery reports of campaign e-mails to the subject (with the relay's explanations), their spam complaints and unsubscribes.</summary>
    public IReadOnlyList<Campaigns.CampaignDeliveryRecord> CampaignDeliveries { get; init; } = [];

    /// <summary>Campaign e-mails sent to the subject, failed, or withheld from them, and why.</summary>
    public IReadOnlyList<Campaigns.SendRecord> CampaignSends { get; init; } = [];

    /// <summary>Campaign e-mails of the last days counted against the subject's frequency cap.</summary>
    public IReadOnlyList<Campaigns.FrequencySend> CampaignFrequency { get; init; } = [];

    /// <summary>Campaign audiences and send plans the subject is in, with the address each was to go to.</summary>
    public IReadOnlyList<string> CampaignRuns { get; init; } = [];

    /// <summary>Runs of triggered e-mails for the subject (abandoned cart, welcome, birthday, intent) and how each ended.</summary>
    public IReadOnlyList<Triggers.TriggerRunRecordView> TriggerRuns { get; init; } = [];
}

/// <summary>What an erasure removed (counts only: the record of an erasure holds no personal data).</summary>
/// <param name="Found">Whether anything was held about the subject.</param>
/// <param name="Identities">Identity keys erased.</param>
/// <param name="EventRows">Event and activity rows deleted.</param>
/// <param name="Links">Identity links deleted.</param>
/// <param name="Profiles">Profile rows deleted (including profiles merged into the subject's).</param>
/// <param name="ConsentRecords">Consent records deleted.</param>
/// <param name="DeadLetters">Dead letters naming the subject deleted.</param>
/// <param name="StreamEvents">The subject's events removed from claim-check payloads still waiting on the stream.</param>
/// <param name="ConsentRequests">E-mail consent requests deleted (their links stop working).</param>
/// <param name="ContactRows">Contact rows deleted (contact points, suppressions, lifted suppressions).</param>
/// <param name="IndexRows">Contact index entries deleted.</param>
/// <param name="SmsRecords">Records of SMS sent and received deleted.</param>
/// <param name="DriveRecords">Consent drives' records of the subject (form displays, asks, wave choices, list lines) deleted.</param>
/// <param name="CampaignEvents">Campaign opens, clicks, delivery reports, complaints and unsubscribes of the subject deleted.</param>
/// <param name="CampaignSends">Records of campaign e-mails sent to the subject (or withheld) deleted.</param>
/// <param name="CampaignFrequency">Frequency-cap counts of campaign e-mails sent to the subject deleted.</param>
/// <param name="CampaignRuns">Campaign audience and send-plan rows naming the subject deleted.</param>
/// <param name="TriggerRuns">Rows of triggered e-mail runs for the subject deleted, with the rows of their workflow instances.</param>
public sealed record ErasureReport(bool Found, int Identities, long EventRows, int Links, int Profiles, int ConsentRecords, int DeadLetters, int StreamEvents = 0, int ConsentRequests = 0, int ContactRows = 0, int IndexRows = 0, int SmsRecords = 0, int DriveRecords = 0, int CampaignEvents = 0, int CampaignSends = 0, int CampaignFrequency = 0, int CampaignRuns = 0, int TriggerRuns = 0);

/// <summary>
/// Subject rights: export everything held about a person, and erase it from every table and blob, leaving only a
/// record that an erasure happened (pseudonymous key, time, counts).
/// </summary>
public sealed partial class SubjectRights(
    EngagementStorage storage,
    ProfileStore profiles,
    ProfileQuery profileQuery,
    EventStore eventStore,
    IdentityResolver identityResolver,
    ConsentStore consents,
    ContactStore contacts,
    SmsHistory sms,
    ConsentRequestStore consentRequests,
    ConsentDrives.ConsentDriveStore drives,
    Campaigns.CampaignTracking campaignTracking,
    Campaigns.CampaignSendLedger campaignSends,
    Campaigns.CampaignFrequencyStore campaignFrequency,
    Campaigns.EmailDeliveryEvents campaignDeliveries,
    Campaigns.CampaignRunStore campaignRuns,
    Triggers.TriggerRunLog triggerRuns,
    DeadLetters.DeadLetterStore deadLetters,
    Pseudonymizer pseudonymizer,
    TimeProvider clock,
    ILogger<SubjectRights> logger)
{
    /// <summary>The export of a user id or anonymous id; null when nothing is held.</summary>
    public async Task<SubjectExport?> ExportAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var profile = await profileQuery.GetAsync(id, cancellationToken);
        var subjectKey = ConsentKey(id);
        var ledger = await consents.ReadAsync(subjectKey, cancellationToken);
        var requests = await consentRequests.ListAsync(subjectKey, cancellationToken);
        var contact = await contacts.ReadAsync(subjectKey, cancellationToken);
        var sent = await sms.SentToAsync(subjectKey, cancellationToken);
        var numberKeys = await NumberPartitionsAsync(subjectKey, contact, cancellationToken);
        var replies = await sms.RepliesAsync([subjectKey, .. numberKeys.Select(SmsHistory.UnmatchedPartition)], cancellationToken);
        var campaignEngagement = await campaignTracking.ExportAsync(subjectKey, cancellationToken);
        var sends = await campaignSends.ExportAsync(subjectKey, cancellationToken);
        var counted = await campaignFrequency.ExportAsync(subjectKey, cancellationToken);
        var deliveries = await campaignDeliveries.ExportAsync(subjectKey, cancellationToken);
        var runs = await campaignRuns.ExportAsync(subjectKey, cancellationToken);
        var triggered = await triggerRuns.ExportAsync(subjectKey, cancellationToken);
        if (profile is null && ledger is null && requests.Count == 0 && contact is null && sent.Count == 0 && replies.Count == 0 && campaignEngagement.Count == 0 && sends.Count == 0
            && counted.Count == 0 && deliveries.Count == 0 && runs.Count == 0 && triggered.Count == 0)
        {
            return null;
        }

        var events = new List<EngagementEvent>();
        if (profile is not null)
        {
            var (keys, _) = await IdentityKeysAsync(id, cancellationToken);
            foreach (var key in keys)
            {
                await foreach (var entity in storage.Events.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}"), cancellationToken: cancellationToken))
                {
                    if (EventRows.ToEvent(entity) is { } ev)
                    {
                        events.Add(ev);
                    }
                }
            }
        }

        return new SubjectExport(id, clock.GetUtcNow(), profile, events.OrderBy(e => e.Timestamp).ToList(), ledger?.History ?? [], requests)
        {
            Contact = contact is null ? null : ContactView.Of(id, contact),
            SmsSent = sent,
            SmsReplies = replies,
            ConsentDrives = await drives.ExportAsync(ConsentKey(id), cancellationToken),
            CampaignEngagement = campaignEngagement,
            CampaignDeliveries = deliveries,
            CampaignSends = sends,
            CampaignFrequency = counted,
            CampaignRuns = runs,
            TriggerRuns = triggered,
        };
    }

    /// <summary>Erases a user id or anonymous id and everything linked to it.</summary>
    public async Task<ErasureReport> EraseAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var (keys, profileKeys) = await IdentityKeysAsync(id, cancellationToken);
        long eventRows = 0;
        int links = 0, profileRows = 0, consentRecords = 0, deadLetters = 0, requests = 0;
        foreach (var key in keys)
        {
            eventRows += await DeletePartitionAsync(storage.Events, key, cancellationToken);
        }

        // Identity links and profiles share a table (a profile's key is one of its identities' keys).
        foreach (var key in keys.Union(profileKeys, StringComparer.Ordinal))
        {
            var (linkRows, profileRowsOfKey) = await DeleteProfilePartitionAsync(key, cancellationToken);
            links += linkRows;
            profileRows += profileRowsOfKey;
        }

        consentRecords += await DeletePartitionAsync(storage.Consents, ConsentKey(id), cancellationToken);
        requests += await DeletePartitionAsync(storage.ConsentRequests, ConsentKey(id), cancellationToken);
        deadLetters += await DeleteDeadLettersAsync(id, cancellationToken);
        var streamEvents = await EraseFromClaimChecksAsync(keys.ToHashSet(StringComparer.Ordinal), cancellationToken);
        // SMS first: the numbers whose unmatched replies go too are read from the contact and the SMS sent.
        var subjectKey = ConsentKey(id);
        var numberKeys = await NumberPartitionsAsync(subjectKey, await contacts.ReadAsync(subjectKey, cancellationToken), cancellationToken);
        var (smsSent, smsReplies) = await sms.EraseAsync(subjectKey, numberKeys, cancellationToken);
        var (contactRows, indexRows) = await contacts.EraseAsync(subjectKey, cancellationToken);
        var driveRecords = await drives.EraseAsync(subjectKey, cancellationToken) + await drives.EraseFromListsAsync(subjectKey, cancellationToken);
        var campaignEvents = await campaignTracking.EraseAsync(subjectKey, cancellationToken);
        var campaignSendRows = await campaignSends.EraseAsync(subjectKey, cancellationToken);
        var frequencyRows = await campaignFrequency.EraseAsync(subjectKey, cancellationToken);
        var runRows = await campaignRuns.EraseAsync(subjectKey, cancellationToken);
        var (triggerRunRows, runIds) = await triggerRuns.EraseAsync(subjectKey, cancellationToken);
        // A run's workflow instance names the subject by its key: it goes too (self-hosted runtime), so a waiting run
        // neither sends nor records anything about them again.
        foreach (var runId in runIds)
        {
            triggerRunRows += await DeletePartitionAsync(storage.Workflows, runId, cancellationToken);
        }
        // This process's write caches may still hold what was erased; other processes find out from the 404s.
        eventStore.ForgetCache();
        identityResolver.ForgetCache();
        profiles.ForgetCache();
        var found = eventRows + links + profileRows + consentRecords + deadLetters + streamEvents + requests + contactRows + indexRows + smsSent + smsReplies + driveRecords + campaignEvents + campaignSendRows + frequencyRows + runRows + triggerRunRows > 0;
        var report = new ErasureReport(found, keys.Count, eventRows, links, profileRows, consentRecords, deadLetters, streamEvents, requests, contactRows, indexRows, smsSent + smsReplies, driveRecords, campaignEvents, campaignSendRows, frequencyRows, runRows, triggerRunRows);
        if (found)
        {
            await storage.Erasures.AddEntityAsync(new TableEntity("erasure", $"{clock.GetUtcNow():yyyyMMddHHmmssfff}-{Guid.NewGuid():N}")
            {
                ["SubjectKey"] = pseudonymizer.KeyOf(IdentityRef.User(id)).Value,
                ["ErasedAt"] = clock.GetUtcNow(),
                ["Identities"] = keys.Count,
                ["EventRows"] = eventRows,
                ["Links"] = links,
                ["Profiles"] = profileRows,
                ["ConsentRecords"] = consentRecords,
                ["DeadLetters"] = deadLetters,
                ["StreamEvents"] = streamEvents,
                ["ConsentRequests"] = requests,
                ["ContactRows"] = contactRows,
                ["IndexRows"] = indexRows,
                ["SmsRecords"] = smsSent + smsReplies,
                ["DriveRecords"] = driveRecords,
                ["CampaignEvents"] = campaignEvents,
                ["CampaignSends"] = campaignSendRows,
                ["CampaignFrequency"] = frequencyRows,
                ["CampaignRuns"] = runRows,
                ["TriggerRuns"] = triggerRunRows,
            }, cancellationToken);
            LogErased(logger, keys.Count, eventRows, profileRows);
        }

        return report;
    }

    /// <summary>Every identity key and profile key of the subject: both readings of the id, and all a profile holds.</summary>
    private async Task<(List<string> Identities, List<string> Profiles)> IdentityKeysAsync(string id, CancellationToken cancellationToken)
    {
        var identities = new List<string>();
        var profileKeys = new List<string>();
        foreach (var identity in new[] { IdentityRef.User(id), IdentityRef.Anonymous(id) })
        {
            var key = pseudonymizer.KeyOf(identity);
            identities.Add(key.Value);
            if (await profiles.FindByIdentityAsync(key, cancellationToken) is { } profile)
            {
                profileKeys.Add(profile.ProfileKey);
                identities.AddRange(profile.IdentityKeys);
                // Profiles merged into this one forward to it and still hold their own row.
                await foreach (var merged in storage.Profiles.QueryAsync<TableEntity>(
                    TableClient.CreateQueryFilter($"MergedInto eq {profile.ProfileKey}"), select: ["PartitionKey"], cancellationToken: cancellationToken))
                {
                    profileKeys.Add(merged.PartitionKey);
                }
            }
        }

        return (identities.Distinct(StringComparer.Ordinal).ToList(), profileKeys.Distinct(StringComparer.Ordinal).ToList());
    }

    private async Task<(int Links, int Profiles)> DeleteProfilePartitionAsync(string partitionKey, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var entity in storage.Profiles.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(entity);
        }

        await TableRows.DeleteAsync(storage.Profiles, rows, cancellationToken);
        return (rows.Count(r => r.RowKey == ProfileStore.LinkRow), rows.Count(r => r.RowKey == ProfileStore.ProfileRow));
    }

    private static async Task<int> DeletePartitionAsync(TableClient table, string partitionKey, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(entity);
        }

        await TableRows.DeleteAsync(table, rows, cancellationToken);
        return rows.Count;
    }

    private async Task<int> DeleteDeadLettersAsync(string id, CancellationToken cancellationToken)
    {
        // Dead letters keep the original payload, which may name the subject: they go too.
        var deleted = 0;
        var needle = System.Text.Json.JsonSerializer.Serialize(id);
        // Trigger signals name the subject by the pseudonymous key only.
        var keyNeedle = System.Text.Json.JsonSerializer.Serialize(ConsentKey(id));
        var named = new List<string>();
        await foreach (var (name, letter) in deadLetters.ListAsync(cancellationToken))
        {
            if (letter.Payload.Contains(needle, StringComparison.Ordinal) || letter.Payload.Contains(keyNeedle, StringComparison.Ordinal))
            {
                named.Add(name);
            }
        }

        foreach (var name in named)
        {
            if ((await storage.DeadLetters.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value)
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>The number keys (their partitions of unmatched replies) of the subject's phone and of every number it was sent SMS at.</summary>
    private async Task<IReadOnlyList<string>> NumberPartitionsAsync(string subjectKey, ContactCard? contact, CancellationToken cancellationToken)
    {
        var keys = (await sms.NumberKeysOfAsync(subjectKey, cancellationToken)).ToList();
        if (contact?.Phone is { } phone)
        {
            keys.Add(contacts.PhoneKey(phone));
        }

        return keys.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Removes the subject's events from claim-check payloads still waiting on the stream: the other events of such a
    /// batch must still be stored, so the blob is rewritten without the subject's (or deleted when nothing else is
    /// left), conditionally on its ETag so a consumer settling it meanwhile is never overwritten.
    /// </summary>
    private async Task<int> EraseFromClaimChecksAsync(HashSet<string> keys, CancellationToken cancellationToken)
    {
        var removed = 0;
        await foreach (var item in storage.StreamPayloads.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var blob = storage.StreamPayloads.GetBlobClient(item.Name);
            for (var attempt = 0; attempt < 5; attempt++)
            {
                Azure.Storage.Blobs.Models.BlobDownloadResult content;
                IngestionBatch batch;
                try
                {
                    content = (await blob.DownloadContentAsync(cancellationToken)).Value;
                    batch = StreamCodec.DecodeBatchBlob(content.Content.ToStream());
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    break;
                }
                catch (InvalidDataException)
                {
                    break;
                }

                var kept = batch.Events.Where(e => !Names(e, keys)).ToList();
                if (kept.Count == batch.Events.Count)
                {
                    break;
                }

                var condition = new Azure.Storage.Blobs.Models.BlobRequestConditions { IfMatch = content.Details.ETag };
                try
                {
                    if (kept.Count == 0)
                    {
                        await blob.DeleteAsync(conditions: condition, cancellationToken: cancellationToken);
                    }
                    else
                    {
                        await blob.UploadAsync(new BinaryData(StreamCodec.EncodeBatch(batch with { Events = kept })), new Azure.Storage.Blobs.Models.BlobUploadOptions { Conditions = condition }, cancellationToken);
                    }

                    removed += batch.Events.Count - kept.Count;
                    break;
                }
                catch (RequestFailedException ex) when (ex.Status is 412 or 404)
                {
                    // Settled or changed meanwhile: look again.
                }
            }
        }

        return removed;
    }

    private bool Names(EngagementEvent e, HashSet<string> keys) =>
        (e.UserId is { } user && keys.Contains(pseudonymizer.KeyOf(IdentityRef.User(user)).Value))
        || (e.AnonymousId is { } anonymous && keys.Contains(pseudonymizer.KeyOf(IdentityRef.Anonymous(anonymous)).Value))
        || (e.PreviousId is { } previous && (keys.Contains(pseudonymizer.KeyOf(IdentityRef.User(previous)).Value) || keys.Contains(pseudonymizer.KeyOf(IdentityRef.Anonymous(previous)).Value)));

    private string ConsentKey(string id) => pseudonymizer.KeyOf(IdentityRef.User(id)).Value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased a subject: {Identities} identities, {EventRows} event rows, {Profiles} profiles")]
    private static partial void LogErased(ILogger logger, int identities, long eventRows, int profiles);
}
