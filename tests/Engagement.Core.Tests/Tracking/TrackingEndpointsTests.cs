using Engagement.Core.Events;
using Engagement.Core.Tracking;

namespace Engagement.Core.Tests.Tracking;

public sealed class TrackingEndpointsTests
{
    [Theory]
    [InlineData("t", TrackingEndpoint.Track)]
    [InlineData("p", TrackingEndpoint.Page)]
    [InlineData("i", TrackingEndpoint.Identify)]
    [InlineData("g", TrackingEndpoint.Group)]
    [InlineData("a", TrackingEndpoint.Alias)]
    [InlineData("s", TrackingEndpoint.Screen)]
    [InlineData("b", TrackingEndpoint.Batch)]
    public void ShortLettersOfTheBrowserLibraryAreUnderstood(string segment, TrackingEndpoint expected)
    {
        Assert.True(TrackingEndpoints.TryParse(segment, out var endpoint));
        Assert.Equal(expected, endpoint);
    }

    [Theory]
    [InlineData("track", TrackingEndpoint.Track)]
    [InlineData("PAGE", TrackingEndpoint.Page)]
    [InlineData("identify", TrackingEndpoint.Identify)]
    [InlineData("group", TrackingEndpoint.Group)]
    [InlineData("alias", TrackingEndpoint.Alias)]
    [InlineData("screen", TrackingEndpoint.Screen)]
    [InlineData("batch", TrackingEndpoint.Batch)]
    [InlineData("import", TrackingEndpoint.Batch)]
    public void FullNamesAreUnderstoodInAnyCase(string segment, TrackingEndpoint expected)
    {
        Assert.True(TrackingEndpoints.TryParse(segment, out var endpoint));
        Assert.Equal(expected, endpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("tracks")]
    [InlineData("ad_impression")]
    public void UnknownSegmentsAreRefused(string segment)
    {
        Assert.False(TrackingEndpoints.TryParse(segment, out _));
    }

    [Fact]
    public void EverySingleMessageEndpointImpliesItsKindAndBatchNone()
    {
        Assert.Equal(EventKind.Track, TrackingEndpoint.Track.ImpliedKind());
        Assert.Equal(EventKind.Page, TrackingEndpoint.Page.ImpliedKind());
        Assert.Equal(EventKind.Identify, TrackingEndpoint.Identify.ImpliedKind());
        Assert.Equal(EventKind.Group, TrackingEndpoint.Group.ImpliedKind());
        Assert.Equal(EventKind.Alias, TrackingEndpoint.Alias.ImpliedKind());
        Assert.Equal(EventKind.Screen, TrackingEndpoint.Screen.ImpliedKind());
        Assert.Null(TrackingEndpoint.Batch.ImpliedKind());
    }
}
