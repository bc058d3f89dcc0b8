using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Engagement.Core.Identity;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Profiles;

/// <summary>
/// Profiles and the identity links that say which profile an identity belongs to, in one table: a profile row
/// (PartitionKey = profile key, RowKey <c>profile</c>) and a link row per identity (PartitionKey = identity key, RowKey
/// <c>link</c>). A profile's key is the key of the identity that started it, so a new profile and its own identity's
/// link share a partition and are written in one transaction.
/// </summary>
public sealed class ProfileStore(EngagementStorage storage, IOptions<IngestionOptions> options)
{
    private const string ProfileRowKey = "profile";
    private const string LinkRowKey = "link";
    private const int MaxForwards = 8;
    private const int MaxAttempts = 10;

    private readonly Ingestion.LruCache<string, (string? Json, ETag? ETag)> _written = new(options.Value.ActivityCacheSize);

    /// <summary>The profile an identity key belongs to (following merges), or null.</summary>
    public async Task<ProfileDocument?> FindByIdentityAsync(IdentityKey identity, CancellationToken cancellationToken = default)
    {
        return await LinkedProfileKeyAsync(identity, cancellationToken) is { } profileKey ? await GetAsync(profileKey, cancellationToken) : null;
    }

    /// <summary>A profile by key, following merge forwards; null when absent.</summary>
    public async Task<ProfileDocument?> GetAsync(string profileKey, CancellationToken cancellationToken = default)
    {
        for (var hop = 0; hop < MaxForwards; hop++)
        {
            var (profile, _) = await ReadAsync(profileKey, cancellationToken);
            if (profile?.MergedInto is not { } next)
            {
                return profile;
            }

            profileKey = next;
        }

        return null;
    }

    /// <summary>
    /// Reads, changes and writes a profile with optimistic concurrency, retrying on conflict. The change must be a
    /// merge that may safely run again; it creates the profile when absent.
    /// </summary>
    /// <param name="profileKey">The profile to change.</param>
    /// <param name="change">The merge to apply.</param>
    /// <param name="followForwards">Apply the change to the profile a merged profile forwards to (true), or to the row itself.</param>
    /// <param name="assumeNew">The profile most likely does not exist yet: add it without reading first (a conflict falls back to reading).</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    public async Task<ProfileDocument> UpdateAsync(string profileKey, Action<ProfileDocument> change, bool followForwards = true, bool assumeNew = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var hops = 0;
        var fresh = false;
        for (var attempt = 1; ; attempt++)
        {
            // The last version this process wrote saves the read; if another writer changed the row since, the
            // conditional write fails and the row is read.
            var (json, etag) = fresh ? await ReadRawAsync(profileKey, cancellationToken)
                : _written.TryGet(profileKey, out var known) ? known
                : assumeNew ? (null, null)
                : await ReadRawAsync(profileKey, cancellationToken);
            var profile = json is null ? null : JsonSerializer.Deserialize(json, EngagementJson.Default.ProfileDocument);
            if (followForwards && profile?.MergedInto is { } next && hops++ < MaxForwards)
            {
                // A cached key may name a profile merged since: the change belongs to the surviving one.
                profileKey = next;
                continue;
            }

            profile ??= new ProfileDocument { ProfileKey = profileKey };
            change(profile);
            try
            {
                var entity = ToEntity(profile);
                var response = etag is { } e
                    ? await storage.Profiles.UpdateEntityAsync(entity, e, TableUpdateMode.Replace, cancellationToken)
                    : (await storage.Profiles.AddEntityAsync(entity, cancellationToken));
                _written.Set(profileKey, (ChunkedJson.Read(entity, "Document"), response.Headers.ETag));
                return profile;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404 && attempt < MaxAttempts)
            {
                // Changed by another writer since it was read (or erased): read again and reapply.
                _written.Remove(profileKey);
                fresh = true;
            }
        }
    }

    /// <summary>
    /// Starts the profile of an identity linked nowhere yet: its link and the profile (made by <paramref name="change"/>)
    /// in one transaction, one request for what is most often a new identity. False, and nothing written, when the
    /// identity is linked already or its profile row exists.
    /// </summary>
    public async Task<bool> TryStartAsync(IdentityKey identity, Action<ProfileDocument> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var profile = new ProfileDocument { ProfileKey = identity.Value };
        change(profile);
        var entity = ToEntity(profile);
        try
        {
            var response = await storage.Profiles.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, LinkEntity(identity, identity.Value)),
                    new TableTransactionAction(TableTransactionActionType.Add, entity),
                ],
                cancellationToken);
            _written.Set(profile.ProfileKey, (ChunkedJson.Read(entity, "Document"), response.Value[1].Headers.ETag));
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Forgets the profile versions this process wrote (after another process changed or erased them).</summary>
    public void ForgetCache() => _written.Clear();

    /// <summary>Points an identity at a profile.</summary>
    public async Task LinkAsync(IdentityKey identity, string profileKey, CancellationToken cancellationToken = default)
    {
        await storage.Profiles.UpsertEntityAsync(LinkEntity(identity, profileKey), TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// Points an identity that is linked nowhere yet at a profile: one request for what is most often a new identity.
    /// False, and nothing changed, when the identity is already linked.
    /// </summary>
    public async Task<bool> TryAddLinkAsync(IdentityKey identity, string profileKey, CancellationToken cancellationToken = default)
    {
        try
        {
            await storage.Profiles.AddEntityAsync(LinkEntity(identity, profileKey), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>The profile key an identity is linked to, without reading the profile.</summary>
    public async Task<string?> LinkedProfileKeyAsync(IdentityKey identity, CancellationToken cancellationToken = default)
    {
        var link = await storage.Profiles.GetEntityIfExistsAsync<TableEntity>(identity.Value, LinkRowKey, cancellationToken: cancellationToken);
        return link.HasValue ? link.Value!.GetString("ProfileKey") : null;
    }

    /// <summary>
    /// The profile keys the given identities are linked to (identities without a link are left out): those inside
    /// <paramref name="dense"/> read as one key range from the first to the last (a batch of campaign recipients planned
    /// in key order), or a few per query where the range proves sparse.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> LinkedProfileKeysAsync(IReadOnlyCollection<IdentityKey> identities, PartitionRange? dense, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identities);
        var rows = await PartitionReads.ReadAsync(
            storage.Profiles, identities.Select(i => i.Value).ToList(), dense, TableClient.CreateQueryFilter($"RowKey eq {LinkRowKey}"), cancellationToken);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (identity, found) in rows)
        {
            if (found[0].GetString("ProfileKey") is { Length: > 0 } profileKey)
            {
                links[identity] = profileKey;
            }
        }

        return links;
    }

    private async Task<(ProfileDocument? Profile, ETag? ETag)> ReadAsync(string profileKey, CancellationToken cancellationToken)
    {
        var (json, etag) = await ReadRawAsync(profileKey, cancellationToken);
        return (json is null ? null : JsonSerializer.Deserialize(json, EngagementJson.Default.ProfileDocument), etag);
    }

    private async Task<(string? Json, ETag? ETag)> ReadRawAsync(string profileKey, CancellationToken cancellationToken)
    {
        var response = await storage.Profiles.GetEntityIfExistsAsync<TableEntity>(profileKey, ProfileRowKey, cancellationToken: cancellationToken);
        return response.HasValue ? (ChunkedJson.Read(response.Value!, "Document"), response.Value!.ETag) : (null, null);
    }

    /// <summary>The profile a profile row holds; null for a row that is not one.</summary>
    internal static ProfileDocument? DocumentOf(TableEntity entity) =>
        entity.RowKey == ProfileRowKey && ChunkedJson.Read(entity, "Document") is { } json
            ? JsonSerializer.Deserialize(json, EngagementJson.Default.ProfileDocument)
            : null;

    /// <summary>The row key of profile rows.</summary>
    internal const string ProfileRow = ProfileRowKey;

    /// <summary>The row key of identity link rows.</summary>
    internal const string LinkRow = LinkRowKey;

    private static TableEntity LinkEntity(IdentityKey identity, string profileKey) => new(identity.Value, LinkRowKey) { ["ProfileKey"] = profileKey };

    internal static TableEntity ToEntity(ProfileDocument profile)
    {
        // Contact points are columns of the profile row (the only place they are kept) so campaigns can read them cheaply.
        var entity = new TableEntity(profile.ProfileKey, ProfileRowKey)
        {
            ["UserId"] = profile.UserId,
            ["Email"] = profile.Email,
            ["Phone"] = profile.Phone,
            ["MergedInto"] = profile.MergedInto,
        };
        ChunkedJson.Write(entity, "Document", JsonSerializer.Serialize(profile, EngagementJson.Default.ProfileDocument));
        return entity;
    }
}
