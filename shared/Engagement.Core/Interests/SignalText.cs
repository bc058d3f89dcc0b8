using Engagement.Core.Tracking;

namespace Engagement.Core.Interests;

/// <summary>A signal's text read once for matching: its folded words and, where it has one, its host name.</summary>
internal sealed class SignalText
{
    // Parameters that say how someone arrived (campaign tags, click ids), not what they looked at.
    private static readonly string[] TrackingParameterPrefixes = ["utm_", "gclid", "gbraid", "wbraid", "fbclid", "msclkid", "dclid", "mc_cid", "mc_eid", "_ga", "sznaiid", "yclid", "igshid"];

    private readonly IReadOnlyList<string> _contentTokens;

    private SignalText(IReadOnlyList<string> tokens, string? host, IReadOnlyList<string>? contentTokens = null)
    {
        Tokens = tokens;
        Host = host;
        _contentTokens = contentTokens ?? tokens;
    }

    /// <summary>Lower-case, accent-free words in order.</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>The host name, lower case and without a leading <c>www.</c>, for domain rules.</summary>
    public string? Host { get; }

    /// <summary>
    /// Identifies the same content seen again (a reloaded page, the same ad domain): the kind plus the folded words,
    /// so case, accents and tracking parameters do not make two views of one page look different.
    /// </summary>
    public string ContentKey(InterestSignalKind kind) => kind.ToWireName() + "|" + Host + "|" + string.Join(' ', _contentTokens);

    public static SignalText Read(InterestSignal signal)
    {
        var text = signal.Text;
        if (string.IsNullOrWhiteSpace(text))
        {
            return new SignalText([], null);
        }

        switch (signal.Kind)
        {
            case InterestSignalKind.Page:
                // Campaign tags count as words (a click on a travel campaign says something), but the same page reached
                // from another campaign is still the same page.
                return new SignalText(UrlTokens.FromUrl(text), HostOfUrl(text), UrlTokens.FromUrl(WithoutTrackingParameters(text)));
            case InterestSignalKind.AdDomain:
            {
                var host = NormalizeHost(text);
                return new SignalText(UrlTokens.FromText(host ?? text), host);
            }

            case InterestSignalKind.Referrer:
            {
                // A referrer's host says which site someone came from ("cestovani.idnes.cz"), its path and query what
                // they read or searched for there.
                var host = NormalizeHost(text);
                var tokens = UrlTokens.FromText(host).Concat(HostOfUrl(text) is null ? [] : UrlTokens.FromUrl(text)).Distinct(StringComparer.Ordinal).ToList();
                return new SignalText(tokens, host);
            }

            default:
                return new SignalText(UrlTokens.FromText(text), null);
        }
    }

    /// <summary>The host of a URL or a bare domain ("www.Sport.cz", "sport.cz/clanek"), normalized; null when there is none.</summary>
    public static string? NormalizeHost(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        string host;
        if (trimmed.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                return null;
            }

            host = uri.IdnHost;
        }
        else
        {
            var end = trimmed.IndexOfAny(['/', '?', '#', ':', ' ']);
            host = end < 0 ? trimmed : trimmed[..end];
        }

        host = host.Trim('.').ToLowerInvariant();
        if (host.StartsWith("www.", StringComparison.Ordinal))
        {
            host = host[4..];
        }

        return host.Length == 0 ? null : host;
    }

    private static string WithoutTrackingParameters(string url)
    {
        var query = url.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return url;
        }

        var fragment = url.IndexOf('#', query);
        var parameters = (fragment < 0 ? url[(query + 1)..] : url[(query + 1)..fragment])
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !TrackingParameterPrefixes.Any(t => p.StartsWith(t, StringComparison.OrdinalIgnoreCase)));
        return url[..query] + "?" + string.Join('&', parameters);
    }

    private static string? HostOfUrl(string text) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? NormalizeHost(uri.IdnHost)
            : null;
}
