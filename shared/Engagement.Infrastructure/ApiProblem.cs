namespace Engagement.Infrastructure;

/// <summary>An RFC 9457 problem: the body of every error answer (<c>application/problem+json</c>).</summary>
/// <param name="Title">A short summary.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">What is wrong and what to do, for a person.</param>
/// <param name="Errors">Per-item errors, when there are several.</param>
public sealed record ApiProblem(string Title, int Status, string Detail, IReadOnlyList<string>? Errors = null)
{
    /// <summary>The problem type URI.</summary>
    public string Type => $"https://httpstatuses.io/{Status}";

    /// <summary>The media type of problem answers.</summary>
    public const string ContentType = "application/problem+json";
}
