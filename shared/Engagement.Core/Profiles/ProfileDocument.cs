using System.Text.Json;
using Engagement.Core.Identity;

namespace Engagement.Core.Profiles;

/// <summary>One trait's value and the event that set it.</summary>
/// <param name="Value">The value as JSON.</param>
/// <param name="At">When the setting event happened.</param>
/// <param name="MessageId">The setting event's id (breaks ties between events at the same time).</param>
public sealed record TraitValue(JsonElement Value, DateTimeOffset At, string MessageId);

/// <summary>
/// The stored part of a person's 360° profile: who they are (ids, traits, contact points) and which identities
/// belong to them. Every change is a merge that gives the same result whatever the order and however often it is
/// applied, so redelivered events converge.
/// </summary>
public sealed class ProfileDocument
{
    /// <summary>How many anonymous ids a profile remembers.</summary>
    public const int AnonymousIdCapacity = 100;

    /// <summary>How many traits a profile keeps.</summary>
    public const int TraitCapacity = 200;

    /// <summary>
    /// How much JSON the traits may hold together (characters). A profile is one table row (at most 1 MiB, strings
    /// counted as UTF-16), so a trait that would take the total past this is not kept.
    /// </summary>
    public const int TraitBudgetChars = 300_000;

    /// <summary>The profile's key: the key of the identity it was created for.</summary>
    public required string ProfileKey { get; set; }

    /// <summary>The known user id, if any.</summary>
    public string? UserId { get; set; }

    /// <summary>Anonymous ids seen for this person.</summary>
    public List<string> AnonymousIds { get; set; } = [];

    /// <summary>Keys of every identity whose events belong to this profile.</summary>
    public List<string> IdentityKeys { get; set; } = [];

    /// <summary>Traits, last write (by event time) wins.</summary>
    public Dictionary<string, TraitValue> Traits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Groups the person belongs to.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>When set, this profile was merged into the named one and is kept only as a forward.</summary>
    public string? MergedInto { get; set; }

    /// <summary>E-mail address from the traits, if any.</summary>
    public string? Email => TraitString("email");

    /// <summary>Phone number from the traits, if any.</summary>
    public string? Phone => TraitString("phone");

    /// <summary>Adds an identity to the profile.</summary>
    public void Link(IdentityRef identity, IdentityKey key)
    {
        AddDistinct(IdentityKeys, key.Value, int.MaxValue);
        if (identity.Kind == IdentityKind.User)
        {
            UserId ??= identity.Value;
        }
        else
        {
            AddDistinct(AnonymousIds, identity.Value, AnonymousIdCapacity);
        }
    }

    /// <summary>Merges traits from an identify call (a JSON object) set at <paramref name="at"/>.</summary>
    public void ApplyTraits(string traitsJson, DateTimeOffset at, string messageId)
    {
        ArgumentNullException.ThrowIfNull(traitsJson);
        using var document = JsonDocument.Parse(traitsJson);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            SetTrait(property.Name, new TraitValue(property.Value.Clone(), at, messageId));
        }
    }

    /// <summary>Records membership of a group.</summary>
    public void JoinGroup(string groupId) => AddDistinct(Groups, groupId, 50);

    /// <summary>Folds another profile into this one; the other becomes a forward to this one.</summary>
    public void Absorb(ProfileDocument other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this) || other.ProfileKey == ProfileKey)
        {
            return;
        }

        UserId ??= other.UserId;
        foreach (var id in other.AnonymousIds)
        {
            AddDistinct(AnonymousIds, id, AnonymousIdCapacity);
        }

        foreach (var key in other.IdentityKeys)
        {
            AddDistinct(IdentityKeys, key, int.MaxValue);
        }

        foreach (var (name, value) in other.Traits)
        {
            SetTrait(name, value);
        }

        foreach (var group in other.Groups)
        {
            JoinGroup(group);
        }

        other.MergedInto = ProfileKey;
    }

    /// <summary>The identity-resolution view of this profile.</summary>
    public ProfileIdentity ToIdentity() => new(new IdentityKey(ProfileKey), UserId);

    private void SetTrait(string name, TraitValue value)
    {
        if (Traits.TryGetValue(name, out var existing)
            && (existing.At > value.At || (existing.At == value.At && string.CompareOrdinal(existing.MessageId, value.MessageId) >= 0)))
        {
            return;
        }

        if (existing is null && Traits.Count >= TraitCapacity)
        {
            return;
        }

        var total = Traits.Where(t => t.Key != name).Sum(t => t.Key.Length + t.Value.Value.GetRawText().Length);
        if (total + name.Length + value.Value.GetRawText().Length > TraitBudgetChars)
        {
            return;
        }

        Traits[name] = value;
    }

    private string? TraitString(string name) =>
        Traits.TryGetValue(name, out var trait) && trait.Value.ValueKind == JsonValueKind.String ? trait.Value.GetString() : null;

    private static void AddDistinct(List<string> list, string value, int capacity)
    {
        if (list.Count < capacity && !list.Contains(value, StringComparer.Ordinal))
        {
            list.Add(value);
        }
    }
}
