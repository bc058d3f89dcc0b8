using System.Globalization;
using Engagement.Core.Campaigns;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>How the chart and the command line write a report's rates and verdicts, so both read alike.</summary>
public static class CampaignReportText
{
    /// <summary>A rate as a percentage with one decimal (<c>12.3 %</c>); a dash where there is no denominator.</summary>
    public static string Percent(double? rate) => rate is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value * 100:0.0} %") : "–";

    /// <summary>A money amount with two decimals.</summary>
    public static string Money(decimal amount) => amount.ToString("N2", CultureInfo.InvariantCulture);

    /// <summary>What a comparison concluded, in words: <c>better (+12.0 %, 97.1 % confidence)</c>.</summary>
    public static string Verdict(VariantComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var lift = comparison.Lift is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value * 100:+0.0;-0.0;0.0} %, ") : string.Empty;
        var confidence = comparison.Confidence is { } c ? string.Create(CultureInfo.InvariantCulture, $"{lift}{c * 100:0.0} % confidence") : null;
        return comparison.Verdict switch
        {
            AbVerdict.Better => $"better ({confidence})",
            AbVerdict.Worse => $"worse ({confidence})",
            AbVerdict.Inconclusive => $"inconclusive ({confidence})",
            _ => "not enough data",
        };
    }
}
