using System.Text.Json;
using System.Text.Json.Serialization;
using Engagement.Core.Events;
using Engagement.Core.Profiles;

namespace Engagement.Infrastructure.Storage;

/// <summary>Source-generated JSON for everything stored or put on the stream.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(IngestionBatch))]
[JsonSerializable(typeof(EngagementEvent))]
[JsonSerializable(typeof(ActivitySummary))]
[JsonSerializable(typeof(ProfileDocument))]
[JsonSerializable(typeof(Profile360))]
[JsonSerializable(typeof(StreamEnvelope))]
[JsonSerializable(typeof(DeadLetter))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(long))]
internal sealed partial class EngagementJson : JsonSerializerContext;

/// <summary>What travels on the stream: a batch inline, or a reference to a claim-check blob holding it.</summary>
/// <param name="Batch">The batch, when inline.</param>
/// <param name="Claim">The blob name of the batch, when claim-checked.</param>
public sealed record StreamEnvelope(IngestionBatch? Batch, string? Claim);

/// <summary>Something that could not be accepted or stored, kept with the reason so it can be inspected and replayed.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Stage">Where: tracking, import, stream, ingestion.</param>
/// <param name="SourceId">The source, if known.</param>
/// <param name="At">When it was dead-lettered.</param>
/// <param name="Payload">The original content as text.</param>
public sealed record DeadLetter(string Reason, string Stage, string? SourceId, DateTimeOffset At, string Payload);
