using Engagement.Core.Consent;
using Engagement.Infrastructure.Consent;
using Engagement.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Contacts;

/// <summary>
/// The one door every sending path goes through: gathers a subject's consent statuses (the ledger), suppressions and
/// provenance (the contacts store) and asks <see cref="ContactPolicy"/>. Nothing sends an SMS, an e-mail or a bid
/// without a decision from here.
/// </summary>
public sealed class ContactGate(ConsentStore consents, ContactStore contacts, IOptions<ContactOptions> options, TimeProvider clock)
{
    /// <summary>Whether a subject may be contacted for a purpose over a channel now.</summary>
    public async Task<ContactDecision> DecideAsync(string subjectKey, string purpose, ContactChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        var ledger = await consents.ReadAsync(subjectKey, cancellationToken);
        var facts = await contacts.FactsOfAsync(subjectKey, cancellationToken);
        return ContactPolicy.Decide(purpose, channel, ledger?.Status ?? [], facts.Suppressions, facts.Provenance, options.Value.PolicyOptions(), clock.GetUtcNow());
    }

    /// <summary>Whether a subject may be asked for consent over a channel now (only suppression, a STOP included, stops that).</summary>
    public async Task<ContactDecision> MayAskForConsentAsync(string subjectKey, ContactChannel channel, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subjectKey);
        var facts = await contacts.FactsOfAsync(subjectKey, cancellationToken);
        return ContactPolicy.MayAskForConsent(channel, facts.Suppressions, clock.GetUtcNow());
    }

    /// <summary>
    /// The gate for a whole audience and one purpose: reads the ledger's records of that purpose and every subject's
    /// contact facts in one pass each, then decides per subject in memory.
    /// </summary>
    public async Task<AudienceGate> ForAudienceAsync(string purpose, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        var statuses = await consents.StatusesForAsync(purpose, cancellationToken);
        var facts = await contacts.AllFactsAsync(cancellationToken);
        return new AudienceGate(purpose, statuses, facts, options.Value.PolicyOptions());
    }

    /// <summary>
    /// The gate for one page of an audience whose contact cards the caller has read: reads the ledger of those subjects
    /// only, so an audience of any size is decided a page at a time.
    /// </summary>
    public async Task<AudienceGate> ForPageAsync(string purpose, IReadOnlyDictionary<string, ContactCard> cards, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        ArgumentNullException.ThrowIfNull(cards);
        return Gate(purpose, cards, await StatusesOfAsync(cards.Keys, cancellationToken));
    }

    /// <summary>
    /// The contact cards of a batch about to be sent and the gate for them: the cards and the ledger are read side by
    /// side, each as one key range from the batch's first subject to its last (a batch is planned in key order), or a
    /// few subjects per query where the range proves sparse, so a batch is decided in about one round trip of two
    /// requests while earlier sends go out.
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, ContactCard> Cards, AudienceGate Gate)> ForBatchAsync(
        string purpose, IReadOnlyCollection<string> subjectKeys, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        ArgumentNullException.ThrowIfNull(subjectKeys);
        var cardsRead = contacts.CardsOfAsync(subjectKeys, PartitionRange.All, cancellationToken);
        var statusesRead = consents.StatusesOfAsync(subjectKeys, PartitionRange.All, cancellationToken);
        var cards = await cardsRead;
        var statuses = await statusesRead;
        return (cards, Gate(purpose, cards, statuses));
    }

    // A few ledgers per query, the queries side by side: a page is decided while the sends before it go out.
    private async Task<Dictionary<string, IReadOnlyList<ConsentStatus>>> StatusesOfAsync(IEnumerable<string> subjectKeys, CancellationToken cancellationToken)
    {
        var groups = await Task.WhenAll(subjectKeys.Distinct(StringComparer.Ordinal).Chunk(15).Select(group => consents.StatusesOfAsync(group, cancellationToken)));
        return groups.SelectMany(g => g).ToDictionary(g => g.Key, g => g.Value, StringComparer.Ordinal);
    }

    private AudienceGate Gate(string purpose, IReadOnlyDictionary<string, ContactCard> cards, IReadOnlyDictionary<string, IReadOnlyList<ConsentStatus>> statuses)
    {
        var facts = cards.ToDictionary(
            c => c.Key,
            c => new ContactFacts(c.Value.Source?.Provenance, c.Value.Suppressions.Select(s => s.ToPolicy()).ToList()),
            StringComparer.Ordinal);
        return new AudienceGate(purpose, statuses, facts, options.Value.PolicyOptions());
    }

    /// <summary>
    /// The gate for part of an audience whose contact cards the caller has read: reads the ledger of those subjects
    /// only, the ones inside <paramref name="dense"/> with one range query.
    /// </summary>
    public async Task<AudienceGate> ForRangeAsync(string purpose, IReadOnlyDictionary<string, ContactCard> cards, PartitionRange? dense, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        ArgumentNullException.ThrowIfNull(cards);
        var statuses = await consents.StatusesOfAsync(cards.Keys.ToList(), dense, cancellationToken);
        var facts = cards.ToDictionary(
            c => c.Key,
            c => new ContactFacts(c.Value.Source?.Provenance, c.Value.Suppressions.Select(s => s.ToPolicy()).ToList()),
            StringComparer.Ordinal);
        return new AudienceGate(purpose, statuses, facts, options.Value.PolicyOptions());
    }
}

/// <summary>Decisions for one purpose over a whole audience, from what <see cref="ContactGate.ForAudienceAsync"/> read.</summary>
public sealed class AudienceGate
{
    private readonly IReadOnlyDictionary<string, IReadOnlyList<ConsentStatus>> _statuses;
    private readonly IReadOnlyDictionary<string, ContactFacts> _facts;
    private readonly ContactPolicyOptions _options;

    internal AudienceGate(string purpose, IReadOnlyDictionary<string, IReadOnlyList<ConsentStatus>> statuses, IReadOnlyDictionary<string, ContactFacts> facts, ContactPolicyOptions options)
    {
        Purpose = purpose;
        _statuses = statuses;
        _facts = facts;
        _options = options;
    }

    /// <summary>The purpose decided for.</summary>
    public string Purpose { get; }

    /// <summary>Whether the ledger holds any decision of this purpose for the subject.</summary>
    public bool HasRecordedDecision(string subjectKey) => _statuses.ContainsKey(subjectKey);

    /// <summary>The subject's suppressions and provenance (<see cref="ContactFacts.None"/> when none are held).</summary>
    public ContactFacts FactsOf(string subjectKey) => _facts.GetValueOrDefault(subjectKey, ContactFacts.None);

    /// <summary>Decides for one subject, with the configured legitimate interest or the given one.</summary>
    public ContactDecision Decide(string subjectKey, ContactChannel channel, DateTimeOffset now, ContactPolicyOptions? options = null)
    {
        var facts = FactsOf(subjectKey);
        return ContactPolicy.Decide(Purpose, channel, _statuses.GetValueOrDefault(subjectKey, []), facts.Suppressions, facts.Provenance, options ?? _options, now);
    }

    /// <summary>Why the subject may not be contacted, as an exclusion code (<see cref="Core.Campaigns.ExclusionReasons"/>); null when they may.</summary>
    public string? ExclusionOf(string subjectKey, ContactChannel channel, DateTimeOffset now)
    {
        var facts = FactsOf(subjectKey);
        return Core.Campaigns.ExclusionReasons.Of(Purpose, channel, _statuses.GetValueOrDefault(subjectKey, []), facts.Suppressions, facts.Provenance, _options, now);
    }
}
