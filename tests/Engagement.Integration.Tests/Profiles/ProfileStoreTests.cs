using Engagement.Infrastructure.Profiles;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Profiles;

/// <summary>Profile writes with optimistic concurrency, including the version a process remembers writing.</summary>
[Collection(SharedAzurite.Name)]
public sealed class ProfileStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task StaleRememberedProfileIsReadAgainAndNoChangeIsLost()
    {
        await using var first = await azurite.CreateServicesAsync();
        await using var second = await azurite.CreateServicesAsync();
        var one = first.Get<ProfileStore>();
        var other = second.Get<ProfileStore>();
        var key = UniqueId.New("profile");

        await one.UpdateAsync(key, p => p.JoinGroup("g1"), assumeNew: true);
        await other.UpdateAsync(key, p => p.JoinGroup("g2"));
        // The first store remembers the version it wrote, which the second has since replaced.
        await one.UpdateAsync(key, p => p.JoinGroup("g3"));

        var profile = await other.GetAsync(key);
        Assert.Equal(["g1", "g2", "g3"], profile!.Groups);
    }

    [Fact]
    public async Task AssumingNewForAnExistingProfileStillMerges()
    {
        await using var services = await azurite.CreateServicesAsync();
        await using var fresh = await azurite.CreateServicesAsync();
        var key = UniqueId.New("profile");
        await services.Get<ProfileStore>().UpdateAsync(key, p => p.JoinGroup("existing"));

        await fresh.Get<ProfileStore>().UpdateAsync(key, p => p.JoinGroup("added"), assumeNew: true);

        Assert.Equal(["existing", "added"], (await services.Get<ProfileStore>().GetAsync(key))!.Groups);
    }
}
