namespace Engagement.Ml;

/// <summary>A known customer's predicted propensity per product family, with what was seen of them.</summary>
/// <param name="UserId">The customer's id in the CRM.</param>
/// <param name="Propensities">Product family → predicted probability of buying it.</param>
/// <param name="Evidence">Why: strongest interests, recent pages (shown to the call centre as is).</param>
public sealed record CustomerPropensities(string UserId, IReadOnlyDictionary<string, double> Propensities, IReadOnlyList<string> Evidence);

/// <summary>The product family to offer a customer next.</summary>
/// <param name="UserId">The customer's id in the CRM.</param>
/// <param name="Family">The product family.</param>
/// <param name="Propensity">Predicted probability of buying it.</param>
/// <param name="Lift">Propensity / the family's base rate: how much likelier than an average customer.</param>
/// <param name="Evidence">Interests and recent pages behind the offer.</param>
public sealed record NextBestOffer(string UserId, string Family, double Propensity, double Lift, IReadOnlyList<string> Evidence);

/// <summary>Chooses each customer's next-best offer.</summary>
public static class NextBestOffers
{
    /// <summary>
    /// The family with the highest lift (propensity / the family's base rate), not the highest raw propensity: a
    /// frequent product would otherwise win for everyone, though for this customer a rarer one stands out more.
    /// Ties go to the higher propensity, then to the family name. Families without a positive base rate, or without
    /// a propensity, are not offered.
    /// </summary>
    /// <param name="customer">The customer's propensities.</param>
    /// <param name="baseRates">Family → base rate among all customers.</param>
    /// <returns>The offer, or null when no family can be offered.</returns>
    public static NextBestOffer? Choose(CustomerPropensities customer, IReadOnlyDictionary<string, double> baseRates)
    {
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(baseRates);
        NextBestOffer? best = null;
        foreach (var (family, propensity) in customer.Propensities)
        {
            if (!baseRates.TryGetValue(family, out var baseRate) || !(baseRate is > 0 and <= 1) || !(propensity is >= 0 and <= 1))
            {
                continue;
            }

            var lift = propensity / baseRate;
            if (best is null
                || lift > best.Lift
                || (lift == best.Lift && (propensity > best.Propensity || (propensity == best.Propensity && string.CompareOrdinal(family, best.Family) < 0))))
            {
                best = new NextBestOffer(customer.UserId, family, propensity, lift, customer.Evidence);
            }
        }

        return best;
    }

    /// <summary>The offers of many customers, lazily; customers without an offer are left out.</summary>
    /// <param name="customers">Customers; enumerated once.</param>
    /// <param name="baseRates">Family → base rate among all customers.</param>
    public static IEnumerable<NextBestOffer> From(IEnumerable<CustomerPropensities> customers, IReadOnlyDictionary<string, double> baseRates)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(baseRates);
        return customers.Select(customer => Choose(customer, baseRates)).OfType<NextBestOffer>();
    }
}
