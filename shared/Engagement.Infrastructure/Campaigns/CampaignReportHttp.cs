using Engagement.Core.Campaigns;
using Engagement.Infrastructure.Http;

namespace Engagement.Infrastructure.Campaigns;

/// <summary>
/// The campaign report endpoints for both hosts (admin key): <c>GET /api/campaigns/{id}/report</c>, the figures as
/// JSON, and <c>GET /api/campaigns/{id}/report.png</c>, the chart. Both take <c>?metric=opens|clicks|conversions</c>
/// (default clicks): the rate the variants are compared on.
/// </summary>
public sealed class CampaignReportHttp(CampaignFigures reports)
{
    /// <summary><c>GET /api/campaigns/{id}/report</c>.</summary>
    public async Task<ReplyShape> ReportAsync(string campaignId, string? metric, CancellationToken cancellationToken = default)
    {
        var (report, refusal) = await ReadAsync(campaignId, metric, cancellationToken);
        return refusal ?? ReplyShape.Json(200, report!, ApiJson.TypeInfo<CampaignFiguresReport>());
    }

    /// <summary><c>GET /api/campaigns/{id}/report.png</c>.</summary>
    public async Task<ReplyShape> ChartAsync(string campaignId, string? metric, CancellationToken cancellationToken = default)
    {
        var (report, refusal) = await ReadAsync(campaignId, metric, cancellationToken);
        return refusal ?? new ReplyShape(200, "image/png", CampaignReportChart.Png(report!), [KeyValuePair.Create("Cache-Control", "no-store")]);
    }

    /// <summary>Reads <c>opens</c>, <c>clicks</c> or <c>conversions</c> (any case); clicks when none is given.</summary>
    public static bool TryMetric(string? text, out AbTestMetric metric)
    {
        metric = AbTestMetric.Clicks;
        return string.IsNullOrWhiteSpace(text)
            || (text.Trim().All(char.IsAsciiLetter) && Enum.TryParse(text.Trim(), ignoreCase: true, out metric));
    }

    private async Task<(CampaignFiguresReport? Report, ReplyShape? Refusal)> ReadAsync(string campaignId, string? metricText, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(campaignId) || campaignId.Length > 256)
        {
            return (null, ReplyShape.Problem(new ApiProblem("Invalid campaign id", 400, "Name the campaign by its id (at most 256 characters).")));
        }

        if (!TryMetric(metricText, out var metric))
        {
            return (null, ReplyShape.Problem(new ApiProblem("Invalid metric", 400, $"metric must be opens, clicks or conversions, not '{metricText}'.")));
        }

        var report = await reports.ReportAsync(campaignId, metric, cancellationToken: cancellationToken);
        return report is null
            ? (null, ReplyShape.Problem(new ApiProblem("Campaign not found", 404, $"Nothing was sent, tracked or reported for campaign '{campaignId}'. Check the id.")))
            : (report, null);
    }
}
