using System.Globalization;

namespace Engagement.Core.Consent;

/// <summary>
/// Which language a consent form, page or e-mail is shown in: the one asked for (a <c>lang</c> parameter), else the
/// browser's preference (<c>Accept-Language</c>, by quality), else <see cref="ConsentTextCatalog.FallbackLanguage"/>;
/// only languages the texts exist in are chosen.
/// </summary>
public static class ConsentLanguage
{
    /// <summary>The language to show.</summary>
    /// <param name="requested">The language asked for explicitly, e.g. <c>cs</c> or <c>cs-CZ</c>; ignored when not available.</param>
    /// <param name="acceptLanguage">The <c>Accept-Language</c> header, e.g. <c>cs-CZ,cs;q=0.9,en;q=0.8</c>.</param>
    /// <param name="available">The languages texts exist in.</param>
    public static string Choose(string? requested, string? acceptLanguage, IReadOnlyCollection<string> available)
    {
        ArgumentNullException.ThrowIfNull(available);
        if (Match(requested, available) is { } asked)
        {
            return asked;
        }

        if (!string.IsNullOrWhiteSpace(acceptLanguage))
        {
            var ranked = acceptLanguage.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select((part, index) => (Tag: part.Split(';')[0].Trim(), Quality: QualityOf(part), Index: index))
                .Where(p => p.Quality > 0)
                .OrderByDescending(p => p.Quality)
                .ThenBy(p => p.Index);
            foreach (var (tag, _, _) in ranked)
            {
                if (Match(tag, available) is { } preferred)
                {
                    return preferred;
                }
            }
        }

        return ConsentTextCatalog.FallbackLanguage;
    }

    private static string? Match(string? tag, IReadOnlyCollection<string> available)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag == "*")
        {
            return null;
        }

        // cs-CZ and cs_CZ both mean Czech: the primary subtag decides.
        var primary = tag.Trim().Split('-', '_')[0].ToLowerInvariant();
        return available.FirstOrDefault(a => string.Equals(a, primary, StringComparison.OrdinalIgnoreCase));
    }

    private static double QualityOf(string part)
    {
        foreach (var parameter in part.Split(';').Skip(1))
        {
            var pair = parameter.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length == 2 && pair[0].Equals("q", StringComparison.OrdinalIgnoreCase))
            {
                return double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var q) ? Math.Clamp(q, 0, 1) : 0;
            }
        }

        return 1;
    }
}
