using System.Text.Json;
using Azure.Data.Tables;
using Engagement.Core.Identity;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Infrastructure.Storage;

namespace Engagement.Infrastructure.Templates;

/// <summary>
/// Gathers what a template says of one person: the 360° profile (traits, groups, interests, next best offer) and the
/// products of their latest product events, read from those events' stored properties.
/// </summary>
public sealed class TemplatePersonalisation(ProfileQuery profiles, ProfileStore profileStore, EventStore events, EngagementStorage storage, Pseudonymizer pseudonymizer)
{
    /// <summary>The template data of a user id or anonymous id, or null when nothing is known of it.</summary>
    public async Task<TemplateData?> GatherAsync(string subject, string unsubscribeUrl, string preferencesUrl, CampaignContext campaign, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        if (await profiles.GetAsync(subject, cancellationToken) is not { } profile)
        {
            return null;
        }

        var products = await ProductsAsync(await IdentityKeysAsync(subject, cancellationToken), cancellationToken);
        return new TemplateData(profile, products, profile.Insights?.NextBestOffer, unsubscribeUrl, preferencesUrl, campaign);
    }

    /// <summary>
    /// The template data of a campaign recipient named by their pseudonymous subject key: their profile's when one is
    /// held, else a bare profile (a contact imported before any visit), so every recipient gets a message.
    /// </summary>
    public async Task<TemplateData> GatherForSubjectKeyAsync(string subjectKey, string unsubscribeUrl, string preferencesUrl, CampaignContext campaign, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        return await GatherForSubjectKeyAsync(subjectKey, unsubscribeUrl, preferencesUrl, campaign, mayHaveProfile: true, cancellationToken);
    }

    /// <summary>
    /// Which of a batch's recipients have a profile to personalise from, read as one key range over the batch (planned
    /// in key order) or a few per query where that range proves sparse: the others get the bare profile without a read
    /// each (<see cref="GatherForSubjectKeyAsync(string, string, string, CampaignContext, bool, CancellationToken)"/>).
    /// </summary>
    public async Task<IReadOnlySet<string>> WithProfilesAsync(IEnumerable<string> subjectKeys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjectKeys);
        var links = await profileStore.LinkedProfileKeysAsync(subjectKeys.Select(k => new IdentityKey(k)).ToList(), PartitionRange.All, cancellationToken);
        return links.Keys.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// As <see cref="GatherForSubjectKeyAsync(string, string, string, CampaignContext, CancellationToken)"/>, for a
    /// recipient that <see cref="WithProfilesAsync"/> has just looked up: one without a profile
    /// (<paramref name="mayHaveProfile"/> false) gets the bare profile without reading storage.
    /// </summary>
    public async Task<TemplateData> GatherForSubjectKeyAsync(
        string subjectKey, string unsubscribeUrl, string preferencesUrl, CampaignContext campaign, bool mayHaveProfile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        if (!mayHaveProfile)
        {
            return Bare(subjectKey, unsubscribeUrl, preferencesUrl, campaign);
        }

        // The subject key is the key of the user identity, so the identity link finds the profile without the user id.
        if (await profileStore.FindByIdentityAsync(new IdentityKey(subjectKey), cancellationToken) is { UserId: { } userId }
            && await GatherAsync(userId, unsubscribeUrl, preferencesUrl, campaign, cancellationToken) is { } data)
        {
            return data;
        }

        return Bare(subjectKey, unsubscribeUrl, preferencesUrl, campaign);
    }

    private static TemplateData Bare(string subjectKey, string unsubscribeUrl, string preferencesUrl, CampaignContext campaign) =>
        new(Core.Profiles.Profile360.Compose(new Core.Profiles.ProfileDocument { ProfileKey = subjectKey }, []), [], null, unsubscribeUrl, preferencesUrl, campaign);

    private async Task<IReadOnlyList<string>> IdentityKeysAsync(string subject, CancellationToken cancellationToken)
    {
        var candidates = new[] { IdentityRef.User(subject), IdentityRef.Anonymous(subject) };
        foreach (var identity in candidates)
        {
            if (await profileStore.FindByIdentityAsync(pseudonymizer.KeyOf(identity), cancellationToken) is { } profile)
            {
                return profile.IdentityKeys;
            }
        }

        return candidates.Select(c => pseudonymizer.KeyOf(c).Value).ToList();
    }

    // The activity rows keep each identity's latest events by id; the product details are in the event rows' properties.
    private async Task<IReadOnlyList<ProductLine>> ProductsAsync(IReadOnlyList<string> identityKeys, CancellationToken cancellationToken)
    {
        var found = new List<(DateTimeOffset At, ProductLine Product)>();
        foreach (var key in identityKeys)
        {
            if (await events.GetActivityAsync(key, cancellationToken) is not { } activity)
            {
                continue;
            }

            foreach (var recent in activity.Recent.Where(r => r.Kind == "track" && r.Name is not null && TemplateModel.ProductEvents.ContainsKey(r.Name)))
            {
                var row = await storage.Events.GetEntityIfExistsAsync<TableEntity>(key, EventRows.RowKeyOf(recent.MessageId), cancellationToken: cancellationToken);
                if (!row.HasValue)
                {
                    continue;
                }

                try
                {
                    if (TemplateModel.ProductFrom(row.Value!.GetString("Properties"), TemplateModel.ProductEvents[recent.Name!]) is { } product)
                    {
                        found.Add((recent.Timestamp, product));
                    }
                }
                catch (JsonException)
                {
                    // Properties that are not JSON name no product; the event stays what it is.
                }
            }
        }

        // One line per product: its latest event (a product put in the cart after it was viewed shows as added).
        return found
            .OrderByDescending(f => f.At)
            .DistinctBy(f => f.Product.Id ?? f.Product.Name)
            .Take(TemplateModel.MaxProducts)
            .Select(f => f.Product)
            .ToList();
    }
}
