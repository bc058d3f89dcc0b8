using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Engagement.Core.Campaigns;

/// <summary>The cell a recipient falls in: a test cell of one variant, or the holdout that later gets the winner.</summary>
/// <param name="Cell">The cell's name: <c>test-{variant}</c>, <see cref="CampaignCells.Holdout"/>, or <see cref="CampaignCells.Everyone"/> without an A/B test.</param>
/// <param name="Variant">The variant a test cell gets; null for the holdout (it gets the winner, not known yet).</param>
public sealed record CellAssignment(string Cell, string? Variant)
{
    /// <summary>Whether this is a test cell.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool InTest => Variant is not null && Cell != CampaignCells.Everyone;
}

/// <summary>
/// Splits a campaign's audience into cells by a hash of the campaign id and the recipient's subject key: the same
/// recipient always lands in the same cell of a campaign (a redelivered or repeated resolution changes nothing), the
/// split does not depend on the audience's order or size, and different campaigns split independently. The first
/// <see cref="AbTestPlan.TestShare"/> of the hash range is the test, cut into equal parts in variant order; the rest
/// is the holdout.
/// </summary>
public static class CampaignCells
{
    /// <summary>The cell that gets the winner after the test.</summary>
    public const string Holdout = "holdout";

    /// <summary>The one cell of a campaign without an A/B test.</summary>
    public const string Everyone = "all";

    /// <summary>The test cell of a variant: <c>test-{variant}</c>.</summary>
    public static string TestCell(string variant) => "test-" + variant;

    /// <summary>
    /// The recipient's position in [0, 1): the first 8 bytes of SHA-256 over UTF-8 <c>{campaignId}:{subjectKey}</c>,
    /// big-endian, divided by 2^64.
    /// </summary>
    public static double Position(string campaignId, string subjectKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        ArgumentException.ThrowIfNullOrEmpty(subjectKey);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(campaignId + ":" + subjectKey), hash);
        // The top 53 bits make an exact double in [0, 1).
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>The cell of one recipient of a campaign split by <paramref name="plan"/>.</summary>
    public static CellAssignment Assign(string campaignId, CellPlan plan, string subjectKey)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.TestShare is not { } share)
        {
            ArgumentException.ThrowIfNullOrEmpty(subjectKey);
            return new CellAssignment(Everyone, plan.DefaultVariant);
        }

        var position = Position(campaignId, subjectKey);
        if (position >= share)
        {
            return new CellAssignment(Holdout, null);
        }

        var index = Math.Min(plan.Variants.Count - 1, (int)(position / share * plan.Variants.Count));
        return new CellAssignment(TestCell(plan.Variants[index]), plan.Variants[index]);
    }

    /// <summary>Every cell of a plan, test cells in variant order then the holdout (or only <see cref="Everyone"/>).</summary>
    public static IReadOnlyList<CellAssignment> Cells(CellPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.TestShare is null
            ? [new CellAssignment(Everyone, plan.DefaultVariant)]
            : [.. plan.Variants.Select(v => new CellAssignment(TestCell(v), v)), new CellAssignment(Holdout, null)];
    }
}

/// <summary>How a campaign's audience is split into cells (<see cref="CampaignCells"/>).</summary>
/// <param name="TestShare">The share in the test cells, spread evenly over <paramref name="Variants"/>; null: no test, everyone in <see cref="CampaignCells.Everyone"/>.</param>
/// <param name="Variants">The variant ids in the definition's order.</param>
/// <param name="DefaultVariant">The variant of <see cref="CampaignCells.Everyone"/> (and the test's control).</param>
public sealed record CellPlan(double? TestShare, IReadOnlyList<string> Variants, string DefaultVariant)
{
    /// <summary>The split of a definition.</summary>
    public static CellPlan Of(CampaignDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new CellPlan(definition.AbTest?.TestShare, definition.Variants.Select(v => v.Id).ToList(), definition.DefaultVariantInEffect);
    }
}
