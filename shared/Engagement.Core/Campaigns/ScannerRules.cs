namespace Engagement.Core.Campaigns;

/// <summary>Whether a tracking request was an open (pixel fetched) or a click (link followed).</summary>
public enum EngagementKind
{
    /// <summary>The open pixel was fetched.</summary>
    Open,
    /// <summary>A click link was followed.</summary>
    Click,
}

/// <summary>Why a request is left out of a campaign's metrics.</summary>
public enum ScannerReason
{
    /// <summary>A HEAD request: link checkers look, people do not.</summary>
    HeadRequest,
    /// <summary>The user agent of a known security scanner or link pre-fetcher.</summary>
    ScannerAgent,
    /// <summary>Apple Mail Privacy Protection fetched the message's images before (or without) anyone reading it.</summary>
    PrivacyPrefetch,
    /// <summary>A click within seconds of delivery: sooner than a person opens, reads and clicks.</summary>
    ClickTooSoon,
    /// <summary>Several links of one message clicked within a second: a scanner following every link.</summary>
    ClickBurst,
}

/// <summary>A tracking request as the rules see it.</summary>
/// <param name="Kind">Open or click.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="UserAgent">The User-Agent header; null when none was sent.</param>
/// <param name="At">When the request came.</param>
/// <param name="SentAt">When the message was delivered.</param>
/// <param name="Url">For a click, the link's target.</param>
public sealed record TrackingRequest(EngagementKind Kind, string Method, string? UserAgent, DateTimeOffset At, DateTimeOffset SentAt, Uri? Url = null);

/// <summary>An earlier click of the same message: its target and time.</summary>
/// <param name="Url">The link's target.</param>
/// <param name="At">When it was followed.</param>
public sealed record EarlierClick(Uri Url, DateTimeOffset At);

/// <summary>What the rules concluded of a request.</summary>
/// <param name="Reason">Why it is left out of the metrics; null when it counts.</param>
/// <param name="Proxied">For opens: fetched through a mail provider's image proxy (it counts, but says nothing of the reader's device or place).</param>
public sealed record ScannerVerdict(ScannerReason? Reason, bool Proxied)
{
    /// <summary>Whether the request is left out of the metrics.</summary>
    public bool Flagged => Reason is not null;
}

/// <summary>
/// Tells machine opens and clicks (security scanners, safe-link rewriters, pre-fetchers) from people's, so a
/// campaign's open and click rates count people. Pure: the request, the message's earlier clicks and the settings
/// come in as arguments.
/// </summary>
/// <param name="quickClickWindow">Clicks sooner than this after delivery are flagged (default 10 s).</param>
public sealed class ScannerRules(TimeSpan quickClickWindow)
{
    /// <summary>The default window within which a click after delivery is taken for a scanner's.</summary>
    public static readonly TimeSpan DefaultQuickClickWindow = TimeSpan.FromSeconds(10);

    /// <summary>Clicks of different links of one message closer together than this are a scanner following every link.</summary>
    public static readonly TimeSpan BurstWindow = TimeSpan.FromSeconds(1);

    // Substrings of user agents of mail security gateways, safe-link rewriters and link-preview fetchers (case-insensitive).
    private static readonly string[] ScannerAgents =
    [
        "safelinks", "microsoft defender", "bingpreview", "ms-office-exchange", "microsoft office existence discovery",
        "proofpoint", "urldefense", "mimecast", "barracuda", "symantec", "messagelabs", "forcepoint", "fortiguard", "trend micro",
        "sophos", "cisco ironport", "zscaler", "checkpoint", "paloalto", "virustotal", "urlscan",
        "slackbot", "twitterbot", "facebookexternalhit", "linkedinbot", "whatsapp", "skypeuripreview", "discordbot", "telegrambot",
        "python-requests", "python-urllib", "go-http-client", "curl/", "wget/", "java/", "okhttp", "libwww-perl", "headlesschrome",
        "bot;", "crawler", "spider",
    ];

    // Image proxies of mail providers: the open is real, but fetched by the provider.
    private static readonly string[] ImageProxies = ["googleimageproxy", "ggpht.com", "yahoomailproxy", "outlook-image-proxy"];

    /// <summary>Rules with the default quick-click window.</summary>
    public ScannerRules()
        : this(DefaultQuickClickWindow)
    {
    }

    /// <summary>The quick-click window in effect.</summary>
    public TimeSpan QuickClickWindow { get; } = quickClickWindow >= TimeSpan.Zero
        ? quickClickWindow
        : throw new ArgumentOutOfRangeException(nameof(quickClickWindow), "The quick-click window cannot be negative.");

    /// <summary>Classifies <paramref name="request"/>, given the earlier clicks of the same message.</summary>
    public ScannerVerdict Classify(TrackingRequest request, IReadOnlyCollection<EarlierClick>? earlierClicks = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var agent = request.UserAgent ?? string.Empty;
        var proxied = request.Kind == EngagementKind.Open && ContainsAny(agent, ImageProxies);
        if (string.Equals(request.Method, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            return new(ScannerReason.HeadRequest, proxied);
        }

        if (!proxied && ContainsAny(agent, ScannerAgents))
        {
            return new(ScannerReason.ScannerAgent, proxied);
        }

        if (request.Kind == EngagementKind.Open)
        {
            return IsPrivacyPrefetch(agent) ? new(ScannerReason.PrivacyPrefetch, false) : new(null, proxied);
        }

        if (request.At - request.SentAt < QuickClickWindow)
        {
            return new(ScannerReason.ClickTooSoon, false);
        }

        return IsBurst(request, earlierClicks) ? new(ScannerReason.ClickBurst, false) : new(null, false);
    }

    /// <summary>Whether a click at <paramref name="at"/> to <paramref name="url"/> and an earlier click of the same message make a burst.</summary>
    public static bool IsBurst(Uri url, DateTimeOffset at, EarlierClick earlier)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(earlier);
        return earlier.Url != url && (at - earlier.At).Duration() < BurstWindow;
    }

    private static bool IsBurst(TrackingRequest request, IReadOnlyCollection<EarlierClick>? earlierClicks) =>
        request.Url is { } url && earlierClicks is not null && earlierClicks.Any(e => IsBurst(url, request.At, e));

    // Apple Mail Privacy Protection fetches through Apple's proxies with a bare "Mozilla/5.0" agent and no browser token.
    private static bool IsPrivacyPrefetch(string agent) =>
        string.Equals(agent.Trim(), "Mozilla/5.0", StringComparison.Ordinal)
        || agent.Contains("Mail Privacy Protection", StringComparison.OrdinalIgnoreCase);

    private static bool ContainsAny(string agent, string[] needles) =>
        needles.Any(n => agent.Contains(n, StringComparison.OrdinalIgnoreCase));
}
