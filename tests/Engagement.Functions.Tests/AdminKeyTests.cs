using Engagement.Infrastructure;
using Engagement.Infrastructure.Http;

namespace Engagement.Functions.Tests;

/// <summary>The X-Admin-Key check of management endpoints.</summary>
public sealed class AdminKeyTests
{
    private static readonly AdminOptions Options = new() { Key = "correct-horse-battery-staple" };

    [Fact]
    public void TheConfiguredKeyMatches() => Assert.True(AdminKey.Matches("correct-horse-battery-staple", Options));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("correct-horse-battery-stapl")]
    [InlineData("Correct-horse-battery-staple")]
    public void AnyOtherKeyDoesNot(string? presented) => Assert.False(AdminKey.Matches(presented, Options));

    [Fact]
    public void NoKeyMatchesWhenNoneIsConfigured() => Assert.False(AdminKey.Matches(string.Empty, new AdminOptions()));

    [Fact]
    public void RejectionIsA401Problem() => Assert.Equal(401, AdminKey.Rejection.Status);
}
