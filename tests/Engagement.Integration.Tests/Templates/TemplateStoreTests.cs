using Engagement.Infrastructure.Templates;
using Engagement.Integration.Tests.Support;

namespace Engagement.Integration.Tests.Templates;

/// <summary>Templates in the <c>templates</c> table on Azurite: versions, ETags, retries.</summary>
[Collection(SharedAzurite.Name)]
public sealed class TemplateStoreTests(AzuriteFixture azurite)
{
    private static readonly CampaignTemplate Template = new("n", "s", string.Empty, "h", "t");

    private TemplateStore Store => azurite.Services.Get<TemplateStore>();

    [Fact]
    public async Task ARetriedSaveWritesNothingAndAnotherTemplateUnderTheSameIdConflicts()
    {
        var id = "t-" + Guid.NewGuid().ToString("N");

        var first = await Store.CreateAsync(id, Template);
        var again = await Store.CreateAsync(id, Template);
        var other = await Store.CreateAsync(id, Template with { Html = "other" });
        var read = await Store.GetAsync(id);

        Assert.Equal(TemplateSaveOutcome.Created, first.Outcome);
        Assert.Equal(TemplateSaveOutcome.Repeated, again.Outcome);
        Assert.Equal(TemplateSaveOutcome.Conflict, other.Outcome);
        Assert.Equal((1, Template, first.Stored.ETag), (read!.Version, read.Template, read.ETag));
    }

    [Fact]
    public async Task AnUpdateFromTheLatestVersionAddsTheNextAndAStaleOneIsRefused()
    {
        var id = "t-" + Guid.NewGuid().ToString("N");
        var (_, created) = await Store.CreateAsync(id, Template);
        var edited = Template with { Subject = "s2" };

        var updated = await Store.UpdateAsync(id, edited, created.ETag);
        var retried = await Store.UpdateAsync(id, edited, created.ETag);
        var stale = await Store.UpdateAsync(id, Template with { Subject = "s3" }, created.ETag);
        var latest = await Store.GetAsync(id);

        Assert.Equal((TemplateSaveOutcome.Updated, 2), (updated.Outcome, updated.Stored!.Version));
        Assert.Equal((TemplateSaveOutcome.Repeated, 2), (retried.Outcome, retried.Stored!.Version));
        Assert.Equal(TemplateSaveOutcome.Conflict, stale.Outcome);
        Assert.Equal((2, edited, updated.Stored.ETag), (latest!.Version, latest.Template, latest.ETag));
    }

    [Fact]
    public async Task UpdatingATemplateThatDoesNotExistFindsNothing()
    {
        var (outcome, stored) = await Store.UpdateAsync("t-" + Guid.NewGuid().ToString("N"), Template, "W/\"x\"");

        Assert.Equal((TemplateSaveOutcome.NotFound, null), (outcome, stored));
    }
}
