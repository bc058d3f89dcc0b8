using Engagement.Core.Identity;

namespace Engagement.Core.Tests.Identity;

public sealed class PseudonymizerTests
{
    private const string Secret = "a-deployment-secret-of-some-length";

    [Fact]
    public void SameIdentityAlwaysGetsTheSameKey()
    {
        var first = new Pseudonymizer(Secret).KeyOf(IdentityRef.User("jana.novakova"));
        var second = new Pseudonymizer(Secret).KeyOf(IdentityRef.User("jana.novakova"));

        Assert.Equal(first, second);
    }

    [Fact]
    public void KeyIs32LowerCaseHexCharacters()
    {
        var key = new Pseudonymizer(Secret).KeyOf(IdentityRef.Anonymous("d3b07384-d9a0-4c9b-8a7f-1f0e0c9b2a11")).Value;

        Assert.Equal(32, key.Length);
        Assert.All(key, c => Assert.True(char.IsAsciiDigit(c) || c is >= 'a' and <= 'f', $"'{c}' is not lower-case hex"));
    }

    [Fact]
    public void UserAndAnonymousIdsOfTheSameValueGetDifferentKeys()
    {
        var pseudonymizer = new Pseudonymizer(Secret);

        Assert.NotEqual(pseudonymizer.KeyOf(IdentityRef.User("12345")), pseudonymizer.KeyOf(IdentityRef.Anonymous("12345")));
    }

    [Fact]
    public void DifferentIdsGetDifferentKeys()
    {
        var pseudonymizer = new Pseudonymizer(Secret);

        Assert.NotEqual(pseudonymizer.KeyOf(IdentityRef.User("a")), pseudonymizer.KeyOf(IdentityRef.User("b")));
    }

    [Fact]
    public void KeyDependsOnTheSecret()
    {
        var identity = IdentityRef.User("jana.novakova");

        Assert.NotEqual(new Pseudonymizer(Secret).KeyOf(identity), new Pseudonymizer(Secret + "!").KeyOf(identity));
    }

    [Fact]
    public void KeyDoesNotContainTheId()
    {
        var key = new Pseudonymizer(Secret).KeyOf(IdentityRef.User("abc")).Value;

        Assert.DoesNotContain("abc", key, StringComparison.Ordinal);
    }

    [Fact]
    public void LongAndNonAsciiIdsGetKeysToo()
    {
        var pseudonymizer = new Pseudonymizer(Secret);
        var longId = new string('ž', 600);

        var key = pseudonymizer.KeyOf(IdentityRef.User(longId));

        Assert.Equal(32, key.Value.Length);
        Assert.Equal(key, pseudonymizer.KeyOf(IdentityRef.User(longId)));
        Assert.NotEqual(key, pseudonymizer.KeyOf(IdentityRef.User(longId + "ž")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void BlankSecretIsRefused(string secret)
    {
        Assert.Throws<ArgumentException>(() => new Pseudonymizer(secret));
    }
}
