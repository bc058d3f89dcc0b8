using Engagement.Core.Consent;
using Engagement.Infrastructure.Consent;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Consent;

/// <summary>The send record that makes a consent request e-mail go out once, on real Azurite.</summary>
[Collection(SharedAzurite.Name)]
public sealed class ConsentRequestStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    private ConsentRequestStore Store => azurite.Services.Get<ConsentRequestStore>();

    private static EmailConsentRequest Request(string sendId) =>
        new(sendId, "req-1", "jana@example.cz", "cs", [new RequestedText("marketing", "marketing-email", 1, "cs")], ConsentRequestState.Pending, Now, $"consent-{sendId}@example.cz");

    [Fact]
    public async Task AFirstClaimSendsAndAClaimAfterTheSendFindsItSent()
    {
        var subject = UniqueId.New("subject");
        var sendId = UniqueId.New("send");

        var first = await Store.ClaimAsync(subject, Request(sendId), "fp", Now);
        await Store.MarkSentAsync(subject, sendId, Now.AddSeconds(1), Now.AddDays(7));
        var retry = await Store.ClaimAsync(subject, Request(sendId), "fp", Now.AddMinutes(10));

        Assert.Equal(ClaimOutcome.Claimed, first.Outcome);
        Assert.Equal(ClaimOutcome.AlreadySent, retry.Outcome);
        Assert.Equal(ConsentRequestState.Sent, retry.Request.State);
        Assert.Equal(Now.AddDays(7), retry.Request.ExpiresAt);
    }

    [Fact]
    public async Task ConcurrentClaimsLetExactlyOneSend()
    {
        var subject = UniqueId.New("subject");
        var sendId = UniqueId.New("send");

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.ClaimAsync(subject, Request(sendId), "fp", Now)));

        Assert.Single(claims, c => c.Outcome == ClaimOutcome.Claimed);
        Assert.All(claims.Where(c => c.Outcome != ClaimOutcome.Claimed), c => Assert.Equal(ClaimOutcome.InProgress, c.Outcome));
    }

    [Fact]
    public async Task AClaimLeftByACrashedSenderIsTakenOverAfterTheLeaseAndAReleasedOneAtOnce()
    {
        var subject = UniqueId.New("subject");
        var crashed = UniqueId.New("send");
        var failed = UniqueId.New("send");
        await Store.ClaimAsync(subject, Request(crashed), "fp", Now);
        await Store.ClaimAsync(subject, Request(failed), "fp", Now);
        await Store.ReleaseAsync(subject, failed);

        var during = await Store.ClaimAsync(subject, Request(crashed), "fp", Now + ConsentRequestStore.ClaimLease - TimeSpan.FromSeconds(1));
        var after = await Store.ClaimAsync(subject, Request(crashed), "fp", Now + ConsentRequestStore.ClaimLease + TimeSpan.FromSeconds(1));
        var released = await Store.ClaimAsync(subject, Request(failed), "fp", Now.AddSeconds(5));

        Assert.Equal(ClaimOutcome.InProgress, during.Outcome);
        Assert.Equal(ClaimOutcome.Claimed, after.Outcome);
        Assert.Equal(ClaimOutcome.Claimed, released.Outcome);
    }

    [Fact]
    public async Task AReusedRequestIdForADifferentRequestIsAConflict()
    {
        var subject = UniqueId.New("subject");
        var sendId = UniqueId.New("send");
        await Store.ClaimAsync(subject, Request(sendId), "fp-1", Now);

        var reused = await Store.ClaimAsync(subject, Request(sendId) with { Email = "petr@example.cz" }, "fp-2", Now.AddHours(1));

        Assert.Equal(ClaimOutcome.Conflict, reused.Outcome);
        Assert.Equal("jana@example.cz", reused.Request.Email);
    }

    [Fact]
    public async Task AConfirmationIsKeptWithTheRequestAndAnErasedRequestIsGone()
    {
        var subject = UniqueId.New("subject");
        var sendId = UniqueId.New("send");
        await Store.ClaimAsync(subject, Request(sendId), "fp", Now);
        await Store.MarkSentAsync(subject, sendId, Now, Now.AddDays(7));

        await Store.MarkConfirmedAsync(subject, sendId, Now.AddHours(2));
        var confirmed = await Store.FindAsync(subject, sendId);

        Assert.Equal(ConsentRequestState.Confirmed, confirmed!.State);
        Assert.Equal(Now.AddHours(2), confirmed.ConfirmedAt);
        Assert.Equal([new RequestedText("marketing", "marketing-email", 1, "cs")], confirmed.Texts);
        Assert.Null(await Store.FindAsync(subject, UniqueId.New("never")));
        await Store.MarkConfirmedAsync(subject, UniqueId.New("erased"), Now);
    }
}
