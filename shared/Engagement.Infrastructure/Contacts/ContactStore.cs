using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Consent;
using Engagement.Core.Contacts;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Contacts;

/// <summary>What the contacts store holds about one subject, as deciding a contact needs it (no contact points).</summary>
/// <param name="Provenance">Where the contact came from; null when no contact record is held.</param>
/// <param name="Suppressions">Suppressions not lifted.</param>
public sealed record ContactFacts(ContactProvenance? Provenance, IReadOnlyList<Suppression> Suppressions)
{
    /// <summary>A subject the store holds nothing about.</summary>
    public static ContactFacts None { get; } = new(null, []);
}

/// <summary>
/// Contact points, provenance and suppressions per subject (table <c>contacts</c>, one partition per subject), and an
/// index from each phone number and e-mail address to its subjects (table <c>contactindex</c>) keyed by a keyed hash,
/// so an inbound SMS finds its subject while no number or address is ever a key. The contact row is the only place a
/// contact's e-mail and phone are stored. Writes are conditional on the row's ETag and retried on conflict, and a
/// write that changes nothing changes nothing, so retries and re-imports are harmless.
/// </summary>
public sealed class ContactStore(EngagementStorage storage, Pseudonymizer pseudonymizer, TimeProvider clock)
{
    private const string ContactRow = "contact";
    private const string SuppressionPrefix = "suppression-";
    private const string LiftedPrefix = "lifted-";
    private const int MaxAttempts = 10;

    /// <summary>
    /// Stores a subject's contact points and provenance (replacing what was there). With <paramref name="ifMatch"/>,
    /// writes only over that version (<c>*</c>: only over an existing contact). The provenance keeps its original
    /// <c>since</c> while its kind and detail stay the same.
    /// </summary>
    public async Task<ContactWriteResult> PutAsync(string subjectKey, ContactPoints points, ContactSource source, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(source);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync(subjectKey, ContactRow, cancellationToken);
            if (ifMatch is not null && (existing is null || (ifMatch != "*" && existing.ETag.ToString() != ifMatch)))
            {
                return new ContactWriteResult(ContactWriteOutcome.VersionMismatch, existing is null ? null : await ReadAsync(subjectKey, cancellationToken));
            }

            var old = existing is null ? null : PointsOf(existing);
            var oldSource = existing is null ? null : SourceOf(existing);
            var kept = oldSource is not null && oldSource.Provenance == source.Provenance && oldSource.Detail == source.Detail ? oldSource : source;
            if (old is not null && old == points && kept == oldSource)
            {
                return new ContactWriteResult(ContactWriteOutcome.Unchanged, await ReadAsync(subjectKey, cancellationToken));
            }

            // Index first: a crash before the contact row leaves an index entry that lookups ignore (they check the row).
            foreach (var key in IndexKeys(points))
            {
                await storage.ContactIndex.UpsertEntityAsync(new TableEntity(key, subjectKey), TableUpdateMode.Replace, cancellationToken);
            }

            var now = clock.GetUtcNow();
            var entity = new TableEntity(subjectKey, ContactRow)
            {
                ["Email"] = points.Email?.Value,
                ["Phone"] = points.Phone?.Value,
                ["Language"] = points.Language,
                ["Segments"] = points.Segments,
                ["Provenance"] = kept.Provenance.ToString(),
                ["ProvenanceDetail"] = kept.Detail,
                ["ProvenanceSince"] = kept.Since,
                ["CreatedAt"] = existing?.GetDateTimeOffset("CreatedAt") ?? now,
                ["UpdatedAt"] = now,
            };
            try
            {
                if (existing is null)
                {
                    await storage.Contacts.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await storage.Contacts.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken);
                }
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another writer got there first: decide again on what it wrote.
                continue;
            }

            if (old is not null)
            {
                foreach (var stale in IndexKeys(old).Except(IndexKeys(points), StringComparer.Ordinal))
                {
                    await DeleteIfExistsAsync(storage.ContactIndex, stale, subjectKey, cancellationToken);
                }
            }

            return new ContactWriteResult(existing is null ? ContactWriteOutcome.Created : ContactWriteOutcome.Updated, await ReadAsync(subjectKey, cancellationToken));
        }
    }

    /// <summary>Everything held about a subject; null when nothing is (no contact row, no suppression, nothing lifted).</summary>
    public async Task<ContactCard?> ReadAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var entity in storage.Contacts.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}"), cancellationToken: cancellationToken))
        {
            rows.Add(entity);
        }

        return CardOf(subjectKey, rows);
    }

    /// <summary>
    /// What is held about each of the given subjects (those with nothing held are absent): the subjects inside
    /// <paramref name="dense"/> with one range query, the others a few per query. For jobs that work through an
    /// audience a key range at a time.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ContactCard>> CardsOfAsync(IReadOnlyCollection<string> subjectKeys, PartitionRange? dense, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectKeys);
        var rows = await PartitionReads.ReadAsync(storage.Contacts, subjectKeys, dense, rowFilter: null, cancellationToken);
        var cards = new Dictionary<string, ContactCard>(StringComparer.Ordinal);
        foreach (var (key, partition) in rows)
        {
            if (CardOf(key, partition) is { } card)
            {
                cards[key] = card;
            }
        }

        return cards;
    }

    /// <summary>Every subject held, in subject-key order, in one pass over the table (for jobs over a whole audience).</summary>
    public async IAsyncEnumerable<ContactCard> AllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var rows = new List<TableEntity>();
        await foreach (var entity in storage.Contacts.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            if (rows.Count > 0 && rows[0].PartitionKey != entity.PartitionKey)
            {
                if (CardOf(rows[0].PartitionKey, rows) is { } card)
                {
                    yield return card;
                }

                rows.Clear();
            }

            rows.Add(entity);
        }

        if (rows.Count > 0 && CardOf(rows[0].PartitionKey, rows) is { } last)
        {
            yield return last;
        }
    }

    private static ContactCard? CardOf(string subjectKey, List<TableEntity> rows)
    {
        TableEntity? contact = null;
        var active = new List<ContactSuppression>();
        var lifted = new List<ContactSuppression>();
        foreach (var entity in rows)
        {
            if (entity.RowKey == ContactRow)
            {
                contact = entity;
            }
            else if (entity.RowKey.StartsWith(SuppressionPrefix, StringComparison.Ordinal))
            {
                active.Add(SuppressionOf(entity));
            }
            else if (entity.RowKey.StartsWith(LiftedPrefix, StringComparison.Ordinal))
            {
                lifted.Add(SuppressionOf(entity));
            }
        }

        if (contact is null && active.Count == 0 && lifted.Count == 0)
        {
            return null;
        }

        var points = contact is null ? new ContactPoints(null, null) : PointsOf(contact);
        return new ContactCard(
            subjectKey,
            points.Email,
            points.Phone,
            contact is null ? null : SourceOf(contact),
            contact?.GetDateTimeOffset("UpdatedAt"),
            active.OrderBy(s => s.Channel).ToList(),
            lifted.OrderByDescending(s => s.LiftedAt).ToList(),
            contact?.ETag.ToString(),
            points.Language,
            points.SegmentList);
    }

    /// <summary>Suppresses a channel. When it already is (and the suppression has not expired), nothing is added.</summary>
    public async Task<SuppressionResult> SuppressAsync(string subjectKey, ContactSuppression suppression, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        ArgumentNullException.ThrowIfNull(suppression);
        var rowKey = SuppressionPrefix + suppression.Channel;
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync(subjectKey, rowKey, cancellationToken);
            var now = clock.GetUtcNow();
            try
            {
                if (existing is null)
                {
                    await storage.Contacts.AddEntityAsync(ToEntity(subjectKey, rowKey, suppression with { LiftedAt = null, LiftNote = null }), cancellationToken);
                }
                else
                {
                    var standing = SuppressionOf(existing);
                    if (standing.Until is null || standing.Until > now)
                    {
                        return new SuppressionResult(false, standing);
                    }

                    // The standing one has expired: keep it as lifted, and put the new one in its place, in one transaction.
                    var expired = standing with { LiftedAt = standing.Until, LiftNote = "expired" };
                    await storage.Contacts.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.Add, ToEntity(subjectKey, LiftedRowKey(expired), expired)),
                        new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(subjectKey, rowKey, suppression with { LiftedAt = null, LiftNote = null }), existing.ETag),
                    ], cancellationToken);
                }

                return new SuppressionResult(true, suppression with { LiftedAt = null, LiftNote = null });
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Someone suppressed or lifted the channel at the same moment: decide again.
            }
        }
    }

    /// <summary>Lifts the suppression of a channel, keeping it as a lifted record; null when the channel was not suppressed.</summary>
    public async Task<ContactSuppression?> LiftAsync(string subjectKey, ContactChannel channel, string? note, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        var rowKey = SuppressionPrefix + channel;
        for (var attempt = 1; ; attempt++)
        {
            if (await GetAsync(subjectKey, rowKey, cancellationToken) is not { } existing)
            {
                return null;
            }

            var lifted = SuppressionOf(existing) with { LiftedAt = clock.GetUtcNow(), LiftNote = note };
            try
            {
                await storage.Contacts.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, ToEntity(subjectKey, LiftedRowKey(lifted), lifted)),
                    new TableTransactionAction(TableTransactionActionType.Delete, existing, existing.ETag),
                ], cancellationToken);
                return lifted;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412 && attempt < MaxAttempts)
            {
                // Lifted or replaced at the same moment: look again.
            }
        }
    }

    /// <summary>What deciding a contact needs about one subject.</summary>
    public async Task<ContactFacts> FactsOfAsync(string subjectKey, CancellationToken cancellationToken = default) =>
        await ReadAsync(subjectKey, cancellationToken) is { } card
            ? new ContactFacts(card.Source?.Provenance, card.Suppressions.Select(s => s.ToPolicy()).ToList())
            : ContactFacts.None;

    /// <summary>
    /// What deciding a contact needs about every subject held, in one pass over the table (reading no contact points),
    /// for jobs that decide for a whole audience.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, ContactFacts>> AllFactsAsync(CancellationToken cancellationToken = default)
    {
        var provenance = new Dictionary<string, ContactProvenance>(StringComparer.Ordinal);
        var suppressions = new Dictionary<string, List<Suppression>>(StringComparer.Ordinal);
        await foreach (var entity in storage.Contacts.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"RowKey eq {ContactRow} or (RowKey ge {SuppressionPrefix} and RowKey lt {SuppressionPrefix + "~"})"),
            select: ["PartitionKey", "RowKey", "Provenance", "Channel", "Reason", "Since", "Until"],
            cancellationToken: cancellationToken))
        {
            if (entity.RowKey == ContactRow)
            {
                provenance[entity.PartitionKey] = ProvenanceOf(entity);
            }
            else
            {
                if (!suppressions.TryGetValue(entity.PartitionKey, out var list))
                {
                    suppressions[entity.PartitionKey] = list = [];
                }

                list.Add(SuppressionOf(entity).ToPolicy());
            }
        }

        return provenance.Keys.Union(suppressions.Keys, StringComparer.Ordinal).ToDictionary(
            key => key,
            key => new ContactFacts(provenance.TryGetValue(key, out var p) ? p : null, suppressions.TryGetValue(key, out var s) ? s : []),
            StringComparer.Ordinal);
    }

    /// <summary>The subjects whose contact row holds this phone number now (usually one; a shared family phone gives several).</summary>
    public async Task<IReadOnlyList<string>> SubjectsWithPhoneAsync(PhoneNumber phone, CancellationToken cancellationToken = default)
    {
        var subjects = new List<string>();
        await foreach (var entry in storage.ContactIndex.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {PhoneKey(phone)}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            // The index may briefly name a subject whose number changed (a write that stopped halfway): the row decides.
            if (await GetAsync(entry.RowKey, ContactRow, cancellationToken) is { } contact && contact.GetString("Phone") == phone.Value)
            {
                subjects.Add(entry.RowKey);
            }
        }

        return subjects;
    }

    /// <summary>The index partition of a phone number (a keyed hash: no number is stored as a key).</summary>
    public string PhoneKey(PhoneNumber phone) => "phone-" + pseudonymizer.KeyOf(phone).Value;

    /// <summary>Deletes everything held about a subject, index entries included; returns (contact rows, index rows) deleted.</summary>
    public async Task<(int ContactRows, int IndexRows)> EraseAsync(string subjectKey, CancellationToken cancellationToken = default)
    {
        var rows = await storage.Contacts.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subjectKey}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        // Every index entry naming the subject, including any left by a write that stopped halfway.
        var index = await storage.ContactIndex.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {subjectKey}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        await TableRows.DeleteAsync(storage.ContactIndex, index, cancellationToken);
        await TableRows.DeleteAsync(storage.Contacts, rows, cancellationToken);
        return (rows.Count, index.Count);
    }

    private IEnumerable<string> IndexKeys(ContactPoints points)
    {
        if (points.Phone is { } phone)
        {
            yield return PhoneKey(phone);
        }

        if (points.Email is { } email)
        {
            yield return "email-" + pseudonymizer.KeyOf(email).Value;
        }
    }

    private async Task<TableEntity?> GetAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var response = await storage.Contacts.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private static async Task DeleteIfExistsAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already gone.
        }
    }

    private static ContactPoints PointsOf(TableEntity contact) => new(
        contact.GetString("Email") is { } email ? new EmailAddress(email) : null,
        contact.GetString("Phone") is { } phone ? new PhoneNumber(phone) : null,
        contact.GetString("Language"),
        contact.GetString("Segments"));

    private static ContactSource SourceOf(TableEntity contact) => new(
        ProvenanceOf(contact), contact.GetString("ProvenanceDetail"), contact.GetDateTimeOffset("ProvenanceSince") ?? DateTimeOffset.MinValue);

    private static ContactProvenance ProvenanceOf(TableEntity contact) =>
        Enum.TryParse<ContactProvenance>(contact.GetString("Provenance"), out var provenance) ? provenance : ContactProvenance.Unknown;

    private static string LiftedRowKey(ContactSuppression lifted) =>
        LiftedPrefix + lifted.Channel + "-" + (DateTime.MaxValue.Ticks - lifted.LiftedAt!.Value.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    private static TableEntity ToEntity(string subjectKey, string rowKey, ContactSuppression suppression) => new(subjectKey, rowKey)
    {
        ["Channel"] = suppression.Channel.ToString(),
        ["Reason"] = suppression.Reason.ToString(),
        ["Since"] = suppression.Since,
        ["Until"] = suppression.Until,
        ["Note"] = suppression.Note,
        ["LiftedAt"] = suppression.LiftedAt,
        ["LiftNote"] = suppression.LiftNote,
    };

    private static ContactSuppression SuppressionOf(TableEntity entity) => new(
        Enum.Parse<ContactChannel>(entity.GetString("Channel")),
        Enum.TryParse<SuppressionReason>(entity.GetString("Reason"), out var reason) ? reason : SuppressionReason.Manual,
        entity.GetDateTimeOffset("Since") ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("Until"),
        entity.GetString("Note"),
        entity.GetDateTimeOffset("LiftedAt"),
        entity.GetString("LiftNote"));
}
