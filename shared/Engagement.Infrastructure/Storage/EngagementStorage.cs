using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Storage;

/// <summary>The tables, containers and queues of one deployment.</summary>
public sealed class EngagementStorage(TableServiceClient tables, BlobServiceClient blobs, QueueServiceClient queues, IOptions<IngestionOptions> ingestion, IOptions<Workflows.WorkflowOptions> workflows, IOptions<Triggers.TriggerOptions> triggers)
{
    /// <summary>Events, and per identity its activity row. PartitionKey = pseudonymous identity key.</summary>
    public TableClient Events { get; } = tables.GetTableClient("events");

    /// <summary>
    /// Profiles (PartitionKey = profile key, RowKey <c>profile</c>) and identity → profile links (PartitionKey =
    /// identity key, RowKey <c>link</c>): a new profile and its own identity's link go in one transaction.
    /// </summary>
    public TableClient Profiles { get; } = tables.GetTableClient("profiles");

    /// <summary>The consent ledger: PartitionKey = subject key, RowKey = inverted sequence (newest first). Append-only.</summary>
    public TableClient Consents { get; } = tables.GetTableClient("consents");

    /// <summary>
    /// Contacts: PartitionKey = subject key; the row <c>contact</c> holds the contact points (the only place e-mail and
    /// phone of a contact are stored) and provenance; <c>suppression-{channel}</c> rows hold active suppressions and
    /// <c>lifted-{channel}-{ticks}</c> rows the lifted ones.
    /// </summary>
    public TableClient Contacts { get; } = tables.GetTableClient("contacts");

    /// <summary>Contact point index: PartitionKey = keyed hash of a phone number or e-mail address, RowKey = subject key. No personal data.</summary>
    public TableClient ContactIndex { get; } = tables.GetTableClient("contactindex");

    /// <summary>SMS sent: PartitionKey = subject key, RowKey = the send's repeatability id; the number, text, purposes and outcome.</summary>
    public TableClient SmsSent { get; } = tables.GetTableClient("smssent");

    /// <summary>SMS received: PartitionKey = subject key (or <c>number-{hash}</c> when no subject matched), RowKey = the SMS id.</summary>
    public TableClient SmsReplies { get; } = tables.GetTableClient("smsreplies");

    /// <summary>
    /// E-mail consent requests (double opt-in): PartitionKey = subject key, RowKey = send id; the address, the texts
    /// asked about, whether the e-mail went out and whether it was confirmed. Personal data: exported and erased with the subject.
    /// </summary>
    public TableClient ConsentRequests { get; } = tables.GetTableClient("consentrequests");

    /// <summary>Erasures: that a subject was erased, when, and what was removed; no personal data.</summary>
    public TableClient Erasures { get; } = tables.GetTableClient("erasures");

    /// <summary>Workflow instances of the self-hosted runtime: PartitionKey = instance id; the state row and the history of decisions.</summary>
    public TableClient Workflows { get; } = tables.GetTableClient("workflows");

    /// <summary>Consent drives' form allocations, asks, wave choices and form displays.</summary>
    public TableClient ConsentDrives { get; } = tables.GetTableClient("consentdrives");

    /// <summary>Segment definitions: PartitionKey = segment id; the <c>current</c> row and one row per version. No personal data.</summary>
    public TableClient Segments { get; } = tables.GetTableClient("segments");

    /// <summary>
    /// Campaign templates: PartitionKey = template id, RowKey = inverted version (newest first); name and the four
    /// Liquid parts. No personal data.
    /// </summary>
    public TableClient Templates { get; } = tables.GetTableClient("templates");

    /// <summary>
    /// Campaign opens and clicks: PartitionKey = campaign id, RowKey = kind, message id and request id; variant,
    /// pseudonymous subject key, time, user-agent hash, target address of clicks, and whether (and why) a scanner was
    /// suspected. Exported and erased with the subject.
    /// </summary>
    public TableClient CampaignEvents { get; } = tables.GetTableClient("campaignevents");

    /// <summary>
    /// Campaign sends: PartitionKey = campaign id, RowKey = step "|" pseudonymous subject key; variant, Message-ID,
    /// status (claimed, sent, failed, excluded), when, and why it failed or was left out. Exported and erased with the subject.
    /// </summary>
    public TableClient CampaignSends { get; } = tables.GetTableClient("campaignsends");

    /// <summary>Campaigns: PartitionKey <c>campaign</c>, RowKey = campaign id; name, segment, creation time, definition and final report. No personal data.</summary>
    public TableClient Campaigns { get; } = tables.GetTableClient("campaigns");

    /// <summary>
    /// Campaign runs: each campaign's audience snapshot (PartitionKey = campaign id, RowKey <c>r|</c> subject key: cell,
    /// variant, address, name, time zone) and each step's plan (PartitionKey = campaign id "|" step, RowKey = slot "|"
    /// position: subject key, variant, address, name), with marker rows holding finished answers. Exported and erased with the subject.
    /// </summary>
    public TableClient CampaignRuns { get; } = tables.GetTableClient("campaignruns");

    /// <summary>
    /// Campaign e-mails per contact per day, for frequency caps across campaigns: PartitionKey = UTC day (yyyyMMdd),
    /// RowKey = pseudonymous subject key "|" campaign id "|" step; when it went out. Rows older than the longest cap
    /// window are deleted. Exported and erased with the subject.
    /// </summary>
    public TableClient CampaignFrequency { get; } = tables.GetTableClient("campaignfrequency");

    /// <summary>Triggered e-mail definitions: PartitionKey = trigger id, RowKey <c>definition</c>. No personal data.</summary>
    public TableClient Triggers { get; } = tables.GetTableClient("triggers");

    /// <summary>
    /// Runs of triggered e-mails: PartitionKey = trigger id; <c>current|{subject key}</c> (the person's current run) and
    /// <c>run|{step}|{subject key}</c> (each run and how it ended). Exported and erased with the subject.
    /// </summary>
    public TableClient TriggerRuns { get; } = tables.GetTableClient("triggerruns");

    /// <summary>Tracking sources and their key hashes.</summary>
    public TableClient Sources { get; } = tables.GetTableClient("sources");

    /// <summary>Dead letters: events and stream messages that could not be accepted or stored, with the reason.</summary>
    public BlobContainerClient DeadLetters { get; } = blobs.GetBlobContainerClient("deadletter");

    /// <summary>Claim checks: stream payloads too large for a queue message or an event.</summary>
    public BlobContainerClient StreamPayloads { get; } = blobs.GetBlobContainerClient("stream");

    /// <summary>Models: <c>{goal}/{version}/model.zip</c>, metrics, reports, and each goal's champion pointer.</summary>
    public BlobContainerClient Models { get; } = blobs.GetBlobContainerClient("models");

    /// <summary>Bid lists: <c>{platform}/{yyyy-MM-dd}/users.csv|domains.csv|manifest.json</c>.</summary>
    public BlobContainerClient BidLists { get; } = blobs.GetBlobContainerClient("bidlists");

    /// <summary>Next-best-offer lists: <c>{yyyy-MM-dd}.csv</c> with <c>{yyyy-MM-dd}.manifest.json</c>.</summary>
    public BlobContainerClient NextBestOffers { get; } = blobs.GetBlobContainerClient("nbo");

    /// <summary>Consent drives' call-centre and store lists: <c>{drive}/{command}.csv</c>.</summary>
    public BlobContainerClient ConsentLists { get; } = blobs.GetBlobContainerClient("consentlists");

    /// <summary>The self-hosted event stream.</summary>
    public QueueClient StreamQueue { get; } = queues.GetQueueClient(ingestion.Value.QueueName);

    /// <summary>The self-hosted workflow runtime's commands and wake-ups.</summary>
    public QueueClient WorkflowQueue { get; } = queues.GetQueueClient(workflows.Value.QueueName);

    /// <summary>Trigger signals from ingestion, the birthday scan and score publishing (<c>Triggers:SignalQueueName</c>).</summary>
    public QueueClient TriggerSignals { get; } = queues.GetQueueClient(triggers.Value.SignalQueueName);

    /// <summary>The table service, for health checks.</summary>
    public TableServiceClient TableService => tables;

    /// <summary>Creates whatever does not exist yet. Safe to call at every start.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var table in new[] { Events, Profiles, Sources, Consents, ConsentRequests, Erasures, Workflows, ConsentDrives, Contacts, ContactIndex, SmsSent, SmsReplies, Segments, Templates, CampaignEvents, CampaignSends, CampaignFrequency, Campaigns, CampaignRuns, Triggers, TriggerRuns })
        {
            await CreateTableAsync(table, cancellationToken);
        }

        await DeadLetters.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await StreamPayloads.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        foreach (var container in new[] { Models, BidLists, NextBestOffers, ConsentLists })
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        await StreamQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await WorkflowQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await TriggerSignals.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    private static async Task CreateTableAsync(TableClient table, CancellationToken cancellationToken)
    {
        try
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Created by another instance at the same moment.
        }
    }
}
