using Engagement.Core.Events;

namespace Engagement.Core.Tracking;

/// <summary>What the host knows about a tracking request besides its body.</summary>
/// <param name="ReceivedAt">When the request arrived.</param>
/// <param name="SentAtHeader">The <c>SentAt</c> header some browser SDKs send, if any.</param>
/// <param name="AnonymousIdHeader">The <c>AnonymousId</c> header some browser SDKs send, if any.</param>
public sealed record TrackingRequestContext(DateTimeOffset ReceivedAt, string? SentAtHeader = null, string? AnonymousIdHeader = null);

/// <summary>A request that can never succeed as sent: answered with 400 and dropped by the client.</summary>
/// <param name="Title">A short summary.</param>
/// <param name="Detail">What exactly is wrong, for a person to act on.</param>
/// <param name="Errors">Per-message errors, when messages were the problem.</param>
public sealed record TrackingRequestError(string Title, string Detail, IReadOnlyList<RejectedMessage> Errors);

/// <summary>A message of an otherwise acceptable request that failed validation; it is dead-lettered, not dropped.</summary>
/// <param name="Index">Position in the batch (0 for single-message calls).</param>
/// <param name="MessageId">The message's id, if it had a readable one.</param>
/// <param name="Reason">What is wrong with it.</param>
/// <param name="RawJson">The message as sent.</param>
public sealed record RejectedMessage(int Index, string? MessageId, string Reason, string RawJson);

/// <summary>The outcome of reading a tracking request.</summary>
public sealed record TrackingParseResult
{
    /// <summary>Set when the whole request is unacceptable.</summary>
    public TrackingRequestError? Error { get; init; }

    /// <summary>The write key found in the body, if any.</summary>
    public string? WriteKey { get; init; }

    /// <summary>Valid, normalized events. Their <see cref="EngagementEvent.SourceId"/> is empty until the caller authenticates.</summary>
    public IReadOnlyList<EngagementEvent> Events { get; init; } = [];

    /// <summary>Messages that failed validation while others passed.</summary>
    public IReadOnlyList<RejectedMessage> Rejected { get; init; } = [];

    /// <summary>True when the request is acceptable.</summary>
    public bool IsAcceptable => Error is null;

    /// <summary>The events stamped with the authenticated source.</summary>
    public IReadOnlyList<EngagementEvent> EventsFrom(string sourceId) =>
        Events.Select(e => e with { SourceId = sourceId }).ToList();
}
