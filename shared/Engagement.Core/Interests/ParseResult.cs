using System.Diagnostics.CodeAnalysis;

namespace Engagement.Core.Interests;

/// <summary>Configuration read from text: the value when it is valid, otherwise every problem found in it.</summary>
/// <typeparam name="T">What was read.</typeparam>
public sealed class ParseResult<T>
    where T : class
{
    internal ParseResult(T value)
    {
        Value = value;
        Errors = [];
    }

    internal ParseResult(IReadOnlyList<string> errors)
    {
        Errors = errors;
    }

    /// <summary>The value; null when there are errors.</summary>
    public T? Value { get; }

    /// <summary>What is wrong, each with the place in the JSON (e.g. <c>categories[2].rules[0]</c>); empty on success.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Whether the text was valid.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    public bool Succeeded => Value is not null;
}
