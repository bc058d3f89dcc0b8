using System.Text.Json;
using Engagement.Core.Events;
using Engagement.Core.Identity;
using Engagement.Core.Profiles;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Profiles;
using Engagement.Integration.Tests.Support;
using Engagement.Testing;

namespace Engagement.Integration.Tests.Profiles;

/// <summary>Identity stitching end to end: events through ingestion, profiles read back through <see cref="ProfileQuery"/>.</summary>
[Collection(SharedAzurite.Name)]
public sealed class IdentityResolverTests(AzuriteFixture azurite)
{
    private IngestionHandler Ingestion => azurite.Services.Get<IngestionHandler>();

    private ProfileQuery Profiles => azurite.Services.Get<ProfileQuery>();

    [Fact]
    public async Task AnonymousHistoryJoinsTheProfileOnIdentify()
    {
        var userId = UniqueId.New("user");
        var anonymousId = UniqueId.New("anon");
        await Ingestion.HandleAsync(
        [
            EventBuilder.Page("https://www.cestovka.cz/recko", "Řecko").ForAnonymous(anonymousId).AtMinute(0).Build(),
            EventBuilder.Page("https://www.cestovka.cz/recko/kreta", "Kréta").ForAnonymous(anonymousId).AtMinute(1).Build(),
        ]);
        await Ingestion.HandleAsync(
        [
            EventBuilder.Page("https://www.cestovka.cz/recko/kreta", "Kréta").ForAnonymous(anonymousId).AtMinute(2).Build(),
        ]);

        await Ingestion.HandleAsync([EventBuilder.Identify("""{"email":"jana@example.cz","firstName":"Jana"}""").ForUser(userId).ForAnonymous(anonymousId).AtMinute(3).Build()]);

        var profile = (await Profiles.GetAsync(userId))!;
        Assert.Equal(userId, profile.UserId);
        Assert.Equal([anonymousId], profile.AnonymousIds);
        Assert.Equal(4, profile.EventCount);
        Assert.Equal(3, profile.CountsByType["page"]);
        Assert.Equal(1, profile.CountsByType["identify"]);
        Assert.Equal(2, profile.Pages["www.cestovka.cz/recko/kreta"]);
        Assert.Equal(["identify", "page", "page", "page"], profile.RecentEvents.Select(r => r.Kind));
        Assert.Equal(EventBuilder.BaseTime, profile.FirstSeen);
        Assert.Equal("jana@example.cz", Text(profile.Traits["email"]));
        Assert.Equal("Jana", Text(profile.Traits["firstName"]));
    }

    [Fact]
    public async Task AnonymousIdFindsTheSameProfileAfterIdentify()
    {
        var userId = UniqueId.New("user");
        var anonymousId = UniqueId.New("anon");
        await Ingestion.HandleAsync([EventBuilder.Page("https://www.example.cz/", "Domů").ForAnonymous(anonymousId).Build()]);
        var before = (await Profiles.GetAsync(anonymousId))!;

        await Ingestion.HandleAsync([EventBuilder.Identify("""{"plan":"pro"}""").ForUser(userId).ForAnonymous(anonymousId).AtMinute(1).Build()]);

        var byUser = (await Profiles.GetAsync(userId))!;
        var byAnonymous = (await Profiles.GetAsync(anonymousId))!;
        Assert.Null(before.UserId);
        Assert.NotEqual(before.ProfileKey, byUser.ProfileKey);
        Assert.Equal(byUser.ProfileKey, byAnonymous.ProfileKey);
        Assert.Equal(ProfileSnapshot.Of(byUser), ProfileSnapshot.Of(byAnonymous));
    }

    [Fact]
    public async Task IdentifyAndAnonymousEventsInOneBatchAreStitched()
    {
        var userId = UniqueId.New("user");
        var anonymousId = UniqueId.New("anon");

        await Ingestion.HandleAsync(
        [
            EventBuilder.Identify("""{"plan":"pro"}""").ForUser(userId).ForAnonymous(anonymousId).AtMinute(5).Build(),
            EventBuilder.Page("https://www.example.cz/cenik", "Ceník").ForAnonymous(anonymousId).AtMinute(1).Build(),
            EventBuilder.Track("Signed Up").ForUser(userId).ForAnonymous(anonymousId).AtMinute(6).Build(),
        ]);

        var profile = (await Profiles.GetAsync(anonymousId))!;
        Assert.Equal(userId, profile.UserId);
        Assert.Equal(3, profile.EventCount);
    }

    [Fact]
    public async Task RedeliveryCompletesAProfileWhoseLinksWereWrittenBeforeAFailure()
    {
        var userId = UniqueId.New("user");
        var anonymousId = UniqueId.New("anon");
        var keys = azurite.Services.Get<Pseudonymizer>();
        var store = azurite.Services.Get<ProfileStore>();
        var userKey = keys.KeyOf(IdentityRef.User(userId));
        var batch = new[]
        {
            EventBuilder.Page("https://www.example.cz/pojisteni").ForAnonymous(anonymousId).AtMinute(0).Build(),
            EventBuilder.Identify("""{"email":"eva@example.cz"}""").ForUser(userId).ForAnonymous(anonymousId).AtMinute(1).Build(),
        };

        // The first delivery got as far as both links; the profile they name was never written.
        Assert.True(await store.TryAddLinkAsync(userKey, userKey.Value));
        Assert.True(await store.TryAddLinkAsync(keys.KeyOf(IdentityRef.Anonymous(anonymousId)), userKey.Value));
        await Ingestion.HandleAsync(batch);

        var profile = (await Profiles.GetAsync(userId))!;
        Assert.Equal(userKey.Value, profile.ProfileKey);
        Assert.Equal([anonymousId], profile.AnonymousIds);
        Assert.Equal("eva@example.cz", Text(profile.Traits["email"]));
        Assert.Equal(2, profile.EventCount);
        Assert.Equal(profile.ProfileKey, (await Profiles.GetAsync(anonymousId))!.ProfileKey);
    }

    [Fact]
    public async Task ManyVisitorsLoggingInWithinOneBatchEachGetTheirOwnProfile()
    {
        var visitors = Enumerable.Range(0, 40).Select(i => (User: UniqueId.New($"user{i}"), Anonymous: UniqueId.New($"anon{i}"))).ToList();
        var batch = visitors.SelectMany((v, i) => new[]
        {
            EventBuilder.Page($"https://www.example.cz/produkt/{i}").ForAnonymous(v.Anonymous).AtMinute(i).Build(),
            EventBuilder.Identify($$"""{"email":"visitor{{i}}@example.cz"}""").ForUser(v.User).ForAnonymous(v.Anonymous).AtMinute(i + 1).Build(),
            EventBuilder.Group($"team-{i % 3}").ForUser(v.User).AtMinute(i + 2).Build(),
        }).ToList();

        await Ingestion.HandleAsync(batch);
        await Ingestion.HandleAsync(batch);

        for (var i = 0; i < visitors.Count; i++)
        {
            var profile = (await Profiles.GetAsync(visitors[i].Anonymous))!;
            Assert.Equal(visitors[i].User, profile.UserId);
            Assert.Equal([visitors[i].Anonymous], profile.AnonymousIds);
            Assert.Equal($"visitor{i}@example.cz", Text(profile.Traits["email"]));
            Assert.Equal([$"team-{i % 3}"], profile.Groups);
            Assert.Equal(3, profile.EventCount);
        }
    }

    [Fact]
    public async Task AliasMergesThePreviousUserIntoTheNewOne()
    {
        var oldId = UniqueId.New("crm-old");
        var newId = UniqueId.New("crm-new");
        await Ingestion.HandleAsync(
        [
            EventBuilder.Identify("""{"email":"old@example.cz","city":"Brno"}""").ForUser(oldId).AtMinute(0).Build(),
            EventBuilder.Track("Order Completed").ForUser(oldId).AtMinute(1).Build(),
        ]);
        await Ingestion.HandleAsync(
        [
            EventBuilder.Identify("""{"email":"new@example.cz"}""").ForUser(newId).AtMinute(10).Build(),
            EventBuilder.Track("Newsletter Subscribed").ForUser(newId).AtMinute(11).Build(),
        ]);

        await Ingestion.HandleAsync([EventBuilder.Alias(oldId, newId).AtMinute(20).Build()]);

        var merged = (await Profiles.GetAsync(newId))!;
        var byOldId = (await Profiles.GetAsync(oldId))!;
        Assert.Equal(merged.ProfileKey, byOldId.ProfileKey);
        Assert.Equal(newId, merged.UserId);
        Assert.Equal(5, merged.EventCount);
        Assert.Equal(1, merged.CountsByEvent["Order Completed"]);
        Assert.Equal(1, merged.CountsByEvent["Newsletter Subscribed"]);
        Assert.Equal("new@example.cz", Text(merged.Traits["email"]));
        Assert.Equal("Brno", Text(merged.Traits["city"]));
    }

    [Fact]
    public async Task AliasFromAnAnonymousIdJoinsThatDevicesHistory()
    {
        var device = UniqueId.New("device");
        var userId = UniqueId.New("crm");
        await Ingestion.HandleAsync(
        [
            EventBuilder.Page("https://www.example-finance.cz/auto/uver-na-auto").ForAnonymous(device).AtMinute(0).Build(),
            EventBuilder.Track("Product Viewed").ForAnonymous(device).AtMinute(1).Build(),
        ]);
        await Ingestion.HandleAsync([EventBuilder.Track("Signed Up").ForUser(userId).AtMinute(5).Build()]);

        // Segment's alias with the anonymous id as previousId and no anonymousId field.
        await Ingestion.HandleAsync([EventBuilder.Alias(device, userId).AtMinute(6).Build()]);

        var profile = (await Profiles.GetAsync(userId))!;
        Assert.Equal(profile.ProfileKey, (await Profiles.GetAsync(device))!.ProfileKey);
        Assert.Contains(device, profile.AnonymousIds);
        Assert.Equal(4, profile.EventCount);
        Assert.Equal(1, profile.CountsByEvent["Product Viewed"]);
    }

    [Fact]
    public async Task SecondKnownUserOnASharedDeviceDoesNotMergeTheUsers()
    {
        var jana = UniqueId.New("jana");
        var petr = UniqueId.New("petr");
        var device = UniqueId.New("family-tablet");
        await Ingestion.HandleAsync(
        [
            EventBuilder.Identify("""{"email":"jana@example.cz"}""").ForUser(jana).ForAnonymous(device).AtMinute(0).Build(),
            EventBuilder.Track("Order Completed").ForUser(jana).ForAnonymous(device).AtMinute(1).Build(),
        ]);

        await Ingestion.HandleAsync(
        [
            EventBuilder.Identify("""{"email":"petr@example.cz"}""").ForUser(petr).ForAnonymous(device).AtMinute(30).Build(),
            EventBuilder.Track("Wishlist Viewed").ForUser(petr).ForAnonymous(device).AtMinute(31).Build(),
        ]);

        var janaProfile = (await Profiles.GetAsync(jana))!;
        var petrProfile = (await Profiles.GetAsync(petr))!;
        Assert.NotEqual(janaProfile.ProfileKey, petrProfile.ProfileKey);
        Assert.Equal(jana, janaProfile.UserId);
        Assert.Equal(petr, petrProfile.UserId);
        Assert.Equal("jana@example.cz", Text(janaProfile.Traits["email"]));
        Assert.Equal("petr@example.cz", Text(petrProfile.Traits["email"]));
        Assert.True(janaProfile.CountsByEvent.ContainsKey("Order Completed"));
        Assert.False(janaProfile.CountsByEvent.ContainsKey("Wishlist Viewed"));
        Assert.True(petrProfile.CountsByEvent.ContainsKey("Wishlist Viewed"));
        Assert.False(petrProfile.CountsByEvent.ContainsKey("Order Completed"));
        // The device now belongs to whoever used it last.
        Assert.Equal(petrProfile.ProfileKey, (await Profiles.GetAsync(device))!.ProfileKey);
    }

    [Fact]
    public async Task GroupCallAddsTheGroupToTheProfile()
    {
        var userId = UniqueId.New("user");

        await Ingestion.HandleAsync(
        [
            EventBuilder.Group("acme").ForUser(userId).Build(),
            EventBuilder.Group("acme").ForUser(userId).AtMinute(1).Build(),
            EventBuilder.Group("globex").ForUser(userId).AtMinute(2).Build(),
        ]);

        Assert.Equal(["acme", "globex"], (await Profiles.GetAsync(userId))!.Groups);
    }

    [Fact]
    public async Task UnknownIdHasNoProfile()
    {
        Assert.Null(await Profiles.GetAsync(UniqueId.New("nobody")));
    }

    [Fact]
    public async Task AdExposureOfACookieJoinsTheUserWhoseCookieItIs()
    {
        var userId = UniqueId.New("user");
        var cookie = UniqueId.New("cookie");
        await Ingestion.HandleAsync(
        [
            EventBuilder.Ad(EventKind.AdImpression, "zpravy.example.cz", "zima", visibleSeconds: 3).ForAnonymous(cookie).Build(),
            EventBuilder.Ad(EventKind.AdClick, "zpravy.example.cz", "zima").ForAnonymous(cookie).AtMinute(1).Build(),
        ]);

        await Ingestion.HandleAsync([EventBuilder.Identify("{}").ForUser(userId).ForAnonymous(cookie).AtMinute(2).Build()]);

        var profile = (await Profiles.GetAsync(userId))!;
        Assert.Equal(new AdStats { Impressions = 1, Clicks = 1, VisibleSeconds = 3 }, profile.AdDomains["zpravy.example.cz"]);
        Assert.Equal(1, profile.AdCampaigns["zima"].Clicks);
    }

    [Fact]
    public async Task AUserAnotherHostStartedIsFoundWhenThisHostTakesItForNew()
    {
        var userId = UniqueId.New("user");
        var anonymousId = UniqueId.New("anon");
        await Ingestion.HandleAsync([EventBuilder.Identify("""{"email":"ivo@example.cz"}""").ForUser(userId).AtMinute(0).Build()]);
        // A second host with empty caches meets the same user logging in on a new device.
        await using var otherHost = await azurite.CreateServicesAsync();

        await otherHost.Get<IngestionHandler>().HandleAsync(
        [
            EventBuilder.Page("https://www.example.cz/ucet").ForAnonymous(anonymousId).AtMinute(5).Build(),
            EventBuilder.Identify("""{"city":"Olomouc"}""").ForUser(userId).ForAnonymous(anonymousId).AtMinute(6).Build(),
        ]);

        var profile = (await Profiles.GetAsync(anonymousId))!;
        Assert.Equal(userId, profile.UserId);
        Assert.Equal([anonymousId], profile.AnonymousIds);
        Assert.Equal("ivo@example.cz", Text(profile.Traits["email"]));
        Assert.Equal("Olomouc", Text(profile.Traits["city"]));
        Assert.Equal(3, profile.EventCount);
    }

    [Fact]
    public async Task ALoginOfAUserMergedIntoAnotherJoinsTheSurvivingProfileEvenOnAHostThatTookItForNew()
    {
        var oldId = UniqueId.New("crm-old");
        var newId = UniqueId.New("crm-new");
        var anonymousId = UniqueId.New("anon");
        await Ingestion.HandleAsync([EventBuilder.Identify("""{"email":"old@example.cz"}""").ForUser(oldId).AtMinute(0).Build()]);
        await Ingestion.HandleAsync([EventBuilder.Identify("""{"email":"new@example.cz"}""").ForUser(newId).AtMinute(1).Build()]);
        await Ingestion.HandleAsync([EventBuilder.Alias(oldId, newId).AtMinute(2).Build()]);
        await using var otherHost = await azurite.CreateServicesAsync();

        await otherHost.Get<IngestionHandler>().HandleAsync(
        [
            EventBuilder.Page("https://www.example.cz/kosik").ForAnonymous(anonymousId).AtMinute(10).Build(),
            EventBuilder.Identify("""{"city":"Zlín"}""").ForUser(oldId).ForAnonymous(anonymousId).AtMinute(11).Build(),
        ]);

        var byDevice = (await Profiles.GetAsync(anonymousId))!;
        var survivor = (await Profiles.GetAsync(newId))!;
        Assert.Equal(survivor.ProfileKey, byDevice.ProfileKey);
        Assert.Equal(survivor.ProfileKey, (await Profiles.GetAsync(oldId))!.ProfileKey);
        Assert.Contains(anonymousId, survivor.AnonymousIds);
        Assert.Equal("Zlín", Text(survivor.Traits["city"]));
        Assert.Equal("new@example.cz", Text(survivor.Traits["email"]));
    }

    private static string? Text(object? trait) => ((JsonElement)trait!).GetString();
}
