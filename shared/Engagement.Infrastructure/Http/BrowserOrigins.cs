namespace Engagement.Infrastructure.Http;

/// <summary>The one rule for lists of allowed browser origins (tracking, consent form): empty or "*" allows any; otherwise an exact match, case-insensitive, ignoring a trailing slash.</summary>
internal static class BrowserOrigins
{
    public static bool Allows(IReadOnlyCollection<string> allowed, string origin) =>
        allowed.Count == 0 || allowed.Any(a => a == "*" || string.Equals(a.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
}
