using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Engagement.Core.Events;

namespace Engagement.Core.Interests;

/// <summary>Turns detected intents into track events, so campaigns can react to them like to any other event.</summary>
public static class IntentEvents
{
    /// <summary>The track event name of a detected intent.</summary>
    public const string EventName = "Intent Detected";

    /// <summary>
    /// The event recording <paramref name="intent"/> for a profile, at the intent's time. Its message id depends only on
    /// the intent, the profile and the UTC day of <see cref="DetectedIntent.At"/>, so detecting the same intent again
    /// that day (or rebuilding from stored events later) gives the same id, which ingestion stores once. Properties:
    /// <c>{"intent","description","confidence","evidence":[{"kind","text","keyword","at","contribution"}]}</c>.
    /// </summary>
    /// <param name="intent">The intent detected.</param>
    /// <param name="profileKey">The profile's pseudonymous key.</param>
    /// <param name="userId">The profile's known user id, if any.</param>
    /// <param name="anonymousId">An anonymous id of the profile, if any.</param>
    /// <param name="sourceId">The source the event is attributed to.</param>
    /// <param name="receivedAt">When the platform produced it.</param>
    /// <exception cref="ArgumentException">Neither a user id nor an anonymous id is given: every event needs one.</exception>
    public static EngagementEvent Create(DetectedIntent intent, string profileKey, string? userId, string? anonymousId, string sourceId, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentException.ThrowIfNullOrEmpty(profileKey);
        ArgumentException.ThrowIfNullOrEmpty(sourceId);
        if (string.IsNullOrEmpty(userId) && string.IsNullOrEmpty(anonymousId))
        {
            throw new ArgumentException("An intent event needs a userId or an anonymousId.", nameof(userId));
        }

        return new EngagementEvent
        {
            MessageId = MessageId(intent.Intent, profileKey, intent.At),
            Kind = EventKind.Track,
            SourceId = sourceId,
            UserId = string.IsNullOrEmpty(userId) ? null : userId,
            AnonymousId = string.IsNullOrEmpty(anonymousId) ? null : anonymousId,
            Name = EventName,
            Timestamp = intent.At,
            ReceivedAt = receivedAt,
            PropertiesJson = Properties(intent),
        };
    }

    /// <summary>The message id of an intent event: one per intent, profile and UTC day of <paramref name="at"/>.</summary>
    public static string MessageId(string intent, string profileKey, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(profileKey);
        var day = at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(intent + "\n" + profileKey + "\n" + day));
        return "intent-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private static string Properties(DetectedIntent intent) => InterestJson.Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("intent", intent.Intent);
        writer.WriteString("description", intent.Description);
        writer.WriteNumber("confidence", Math.Round(intent.Confidence, 4));
        writer.WriteStartArray("evidence");
        foreach (var evidence in intent.Evidence)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", evidence.Kind.ToWireName());
            writer.WriteString("text", evidence.Text);
            writer.WriteString("keyword", evidence.Keyword);
            writer.WriteString("at", evidence.At.ToUniversalTime());
            writer.WriteNumber("contribution", Math.Round(evidence.Contribution, 4));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }, indented: false);
}
