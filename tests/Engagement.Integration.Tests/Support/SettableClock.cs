namespace Engagement.Integration.Tests.Support;

/// <summary>A clock a test sets and moves on by hand.</summary>
public sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    /// <summary>The time it tells.</summary>
    public DateTimeOffset Now { get; set; } = now;

    /// <summary>Moves the clock on.</summary>
    public void Advance(TimeSpan by) => Now += by;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => Now;
}
