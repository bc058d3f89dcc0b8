using System.Text.Json;
using Engagement.Core.Identity;
using Engagement.Core.Profiles;

namespace Engagement.Core.Tests.Profiles;

public sealed class ProfileDocumentTests
{
    private static readonly DateTimeOffset Monday = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Pseudonymizer Keys = new("profile-document-tests-secret");

    [Fact]
    public void TraitsStopGrowingAtTheirBudgetSoTheProfileFitsInOneRow()
    {
        var profile = NewProfile();
        var big = new string('x', 30_000);
        for (var i = 0; i < 20; i++)
        {
            profile.ApplyTraits($$"""{"note{{i}}":"{{big}}"}""", Monday.AddMinutes(i), $"m{i}");
        }

        profile.ApplyTraits("""{"email":"jana@example.cz"}""", Monday.AddHours(1), "small");

        var total = profile.Traits.Sum(t => t.Key.Length + t.Value.Value.GetRawText().Length);
        Assert.True(total <= ProfileDocument.TraitBudgetChars, $"traits hold {total} characters");
        Assert.True(profile.Traits.Count >= 9);
        Assert.Equal("jana@example.cz", profile.Email);
    }

    [Fact]
    public void LaterTraitWins()
    {
        var profile = NewProfile();

        profile.ApplyTraits("""{"plan":"free","city":"Brno"}""", Monday, "m1");
        profile.ApplyTraits("""{"plan":"pro"}""", Monday.AddDays(1), "m2");

        Assert.Equal("pro", Trait(profile, "plan"));
        Assert.Equal("Brno", Trait(profile, "city"));
    }

    [Fact]
    public void OlderTraitArrivingLateDoesNotOverwrite()
    {
        var profile = NewProfile();

        profile.ApplyTraits("""{"plan":"pro"}""", Monday.AddDays(1), "m2");
        profile.ApplyTraits("""{"plan":"free"}""", Monday, "m1");

        Assert.Equal("pro", Trait(profile, "plan"));
        Assert.Equal("m2", profile.Traits["plan"].MessageId);
    }

    [Fact]
    public void SameTimeIsDecidedByMessageIdWhateverTheOrder()
    {
        var forward = NewProfile();
        forward.ApplyTraits("""{"plan":"a"}""", Monday, "msg-a");
        forward.ApplyTraits("""{"plan":"b"}""", Monday, "msg-b");
        var backward = NewProfile();
        backward.ApplyTraits("""{"plan":"b"}""", Monday, "msg-b");
        backward.ApplyTraits("""{"plan":"a"}""", Monday, "msg-a");

        Assert.Equal("b", Trait(forward, "plan"));
        Assert.Equal("b", Trait(backward, "plan"));
    }

    [Fact]
    public void ApplyingTheSameIdentifyTwiceChangesNothing()
    {
        var once = NewProfile();
        once.ApplyTraits("""{"plan":"pro","email":"jana@example.cz"}""", Monday, "m1");
        var twice = NewProfile();
        twice.ApplyTraits("""{"plan":"pro","email":"jana@example.cz"}""", Monday, "m1");
        twice.ApplyTraits("""{"plan":"pro","email":"jana@example.cz"}""", Monday, "m1");

        Assert.Equal(Snapshot(once), Snapshot(twice));
    }

    [Fact]
    public void IdentifiesInReverseOrderGiveTheSameTraits()
    {
        var calls = new (string Json, DateTimeOffset At, string Id)[]
        {
            ("""{"plan":"free","city":"Brno"}""", Monday, "m1"),
            ("""{"plan":"pro","phone":"+420 777 000 000"}""", Monday.AddHours(1), "m2"),
            ("""{"city":"Praha","vip":true}""", Monday.AddHours(1), "m3"),
            ("""{"city":"Ostrava"}""", Monday.AddMinutes(30), "m4"),
        };
        var forward = NewProfile();
        var backward = NewProfile();

        foreach (var (json, at, id) in calls)
        {
            forward.ApplyTraits(json, at, id);
        }

        foreach (var (json, at, id) in calls.Reverse())
        {
            backward.ApplyTraits(json, at, id);
        }

        Assert.Equal(Snapshot(forward), Snapshot(backward));
        Assert.Equal("Praha", Trait(forward, "city"));
        Assert.Equal("pro", Trait(forward, "plan"));
    }

    [Fact]
    public void TraitsThatAreNotAnObjectAreIgnored()
    {
        var profile = NewProfile();

        profile.ApplyTraits("[1,2]", Monday, "m1");

        Assert.Empty(profile.Traits);
    }

    [Fact]
    public void EmailAndPhoneComeFromTraits()
    {
        var profile = NewProfile();

        profile.ApplyTraits("""{"email":"jana@example.cz","phone":"+420 777 000 000"}""", Monday, "m1");

        Assert.Equal("jana@example.cz", profile.Email);
        Assert.Equal("+420 777 000 000", profile.Phone);
    }

    [Fact]
    public void NonTextEmailIsNotAnEmail()
    {
        var profile = NewProfile();

        profile.ApplyTraits("""{"email":42}""", Monday, "m1");

        Assert.Null(profile.Email);
    }

    [Fact]
    public void TraitsAreCappedButExistingOnesStillUpdate()
    {
        var profile = NewProfile();
        var many = "{" + string.Join(',', Enumerable.Range(0, 250).Select(i => $"\"t{i}\":{i}")) + "}";

        profile.ApplyTraits(many, Monday, "m1");
        profile.ApplyTraits("""{"t0":"changed","extra":1}""", Monday.AddDays(1), "m2");

        Assert.Equal(ProfileDocument.TraitCapacity, profile.Traits.Count);
        Assert.Equal("changed", Trait(profile, "t0"));
        Assert.False(profile.Traits.ContainsKey("extra"));
    }

    [Fact]
    public void LinkRecordsIdentityKeysOnceAndTheFirstUserId()
    {
        var profile = NewProfile();

        LinkTo(profile, IdentityRef.User("user-1"));
        LinkTo(profile, IdentityRef.User("user-1"));
        LinkTo(profile, IdentityRef.Anonymous("anon-1"));
        LinkTo(profile, IdentityRef.Anonymous("anon-1"));
        LinkTo(profile, IdentityRef.User("user-2"));

        Assert.Equal("user-1", profile.UserId);
        Assert.Equal(["anon-1"], profile.AnonymousIds);
        Assert.Equal(3, profile.IdentityKeys.Count);
        Assert.Equal(Keys.KeyOf(IdentityRef.User("user-1")).Value, profile.IdentityKeys[0]);
    }

    [Fact]
    public void AnonymousIdsAreCapped()
    {
        var profile = NewProfile();

        for (var i = 0; i < 150; i++)
        {
            LinkTo(profile, IdentityRef.Anonymous("device-" + i));
        }

        Assert.Equal(ProfileDocument.AnonymousIdCapacity, profile.AnonymousIds.Count);
        Assert.Equal(150, profile.IdentityKeys.Count);
    }

    [Fact]
    public void GroupsAreDistinct()
    {
        var profile = NewProfile();

        profile.JoinGroup("acme");
        profile.JoinGroup("acme");
        profile.JoinGroup("globex");

        Assert.Equal(["acme", "globex"], profile.Groups);
    }

    [Fact]
    public void AbsorbTakesEverythingAndLeavesAForward()
    {
        var known = NewProfile("known");
        LinkTo(known, IdentityRef.User("user-1"));
        known.ApplyTraits("""{"plan":"pro","city":"Brno"}""", Monday.AddDays(1), "m-known");
        var anonymous = NewProfile("anonymous");
        LinkTo(anonymous, IdentityRef.Anonymous("anon-1"));
        anonymous.ApplyTraits("""{"city":"Praha","newsletter":true}""", Monday, "m-anon");
        anonymous.JoinGroup("acme");

        known.Absorb(anonymous);

        Assert.Equal("user-1", known.UserId);
        Assert.Equal(["anon-1"], known.AnonymousIds);
        Assert.Equal(2, known.IdentityKeys.Count);
        Assert.Equal("Brno", Trait(known, "city"));
        Assert.True(known.Traits["newsletter"].Value.GetBoolean());
        Assert.Equal(["acme"], known.Groups);
        Assert.Equal("known", anonymous.MergedInto);
        Assert.Null(known.MergedInto);
    }

    [Fact]
    public void AbsorbGivesTheSameTraitsWhicheverWayRound()
    {
        ProfileDocument Make(string key, string json, DateTimeOffset at, string id)
        {
            var p = NewProfile(key);
            p.ApplyTraits(json, at, id);
            return p;
        }

        var left = Make("a", """{"x":1,"y":1}""", Monday, "m1");
        left.Absorb(Make("b", """{"x":2,"z":2}""", Monday.AddHours(1), "m2"));
        var right = Make("b", """{"x":2,"z":2}""", Monday.AddHours(1), "m2");
        right.Absorb(Make("a", """{"x":1,"y":1}""", Monday, "m1"));

        Assert.Equal(TraitSnapshot(left), TraitSnapshot(right));
    }

    [Fact]
    public void AbsorbTakesTheOtherUserIdOnlyWhenItHasNone()
    {
        var anonymous = NewProfile("anonymous");
        var known = NewProfile("known");
        LinkTo(known, IdentityRef.User("user-9"));

        anonymous.Absorb(known);

        Assert.Equal("user-9", anonymous.UserId);
    }

    [Fact]
    public void AbsorbingItselfChangesNothing()
    {
        var profile = NewProfile("p");
        LinkTo(profile, IdentityRef.User("u"));
        var twin = NewProfile("p");

        profile.Absorb(profile);
        profile.Absorb(twin);

        Assert.Null(profile.MergedInto);
        Assert.Null(twin.MergedInto);
    }

    [Fact]
    public void ToIdentityCarriesKeyAndUserId()
    {
        var profile = NewProfile("k");
        LinkTo(profile, IdentityRef.User("u"));

        Assert.Equal(new ProfileIdentity(new IdentityKey("k"), "u"), profile.ToIdentity());
    }

    private static ProfileDocument NewProfile(string key = "profile") => new() { ProfileKey = key };

    private static void LinkTo(ProfileDocument profile, IdentityRef identity) => profile.Link(identity, Keys.KeyOf(identity));

    private static string? Trait(ProfileDocument profile, string name) =>
        profile.Traits[name].Value.ValueKind == JsonValueKind.String ? profile.Traits[name].Value.GetString() : profile.Traits[name].Value.GetRawText();

    private static string TraitSnapshot(ProfileDocument profile) =>
        string.Join("|", profile.Traits.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value.Value.GetRawText()}@{t.Value.At:O}#{t.Value.MessageId}"));

    private static string Snapshot(ProfileDocument profile) =>
        TraitSnapshot(profile) + "/" + profile.Email + "/" + profile.Phone;
}
