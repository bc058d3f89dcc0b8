using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engagement.Core.Segments;
using Engagement.Infrastructure.Http;

namespace Engagement.Infrastructure.Segments;

/// <summary>A saved segment as the API answers it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Version">Its version.</param>
/// <param name="Name">Its name.</param>
/// <param name="Description">Its description.</param>
/// <param name="Definition">The definition as saved.</param>
/// <param name="CreatedAt">When version 1 was saved.</param>
/// <param name="UpdatedAt">When this version was saved.</param>
public sealed record SegmentReply(string Id, int Version, string Name, string? Description, JsonElement Definition, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// <c>POST /api/segments</c>, <c>GET</c> and <c>PUT /api/segments/{id}</c> and <c>GET /api/segments/{id}/preview</c> for
/// both hosts. A definition is checked whole before it is saved: every error comes back at once, each with the JSON
/// path of the bad part. The id is the body's <c>id</c>, else one derived from the <c>Idempotency-Key</c> header (so a
/// retried create saves nothing twice), else a new one.
/// </summary>
public sealed partial class SegmentHttp(SegmentStore store, SegmentAudience audience)
{
    /// <summary>The header naming a create's idempotency key.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Members a preview lists unless told otherwise.</summary>
    public const int DefaultSample = 20;

    /// <summary>Most members a preview lists.</summary>
    public const int MaxSample = 100;

    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>Checks and saves a new segment: 201 with its id, 200 for a repeat of the same create, 400 listing every error, 409 for a taken id.</summary>
    public async Task<ReplyShape> CreateAsync(Stream body, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        var read = await ReadAsync(body, cancellationToken);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        var id = read.Id ?? (string.IsNullOrWhiteSpace(idempotencyKey)
            ? "seg-" + Guid.NewGuid().ToString("N")[..16]
            : "seg-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..16]);
        var all = await store.AllAsync(cancellationToken);
        var graphErrors = SegmentGraph.Check(id, read.Definition!, all);
        if (graphErrors.Count > 0)
        {
            return Invalid(graphErrors);
        }

        var (outcome, saved) = await store.CreateAsync(id, read.Json!, read.Definition!, cancellationToken);
        return outcome switch
        {
            SegmentSaveOutcome.Created => Reply(201, saved).WithHeaders([KeyValuePair.Create("Location", $"/api/segments/{saved.Id}")]),
            SegmentSaveOutcome.Repeated => Reply(200, saved),
            _ => ReplyShape.Problem(new ApiProblem("Segment id taken", 409,
                $"A different segment is already saved as \"{id}\" (version {saved.Version}); change it with PUT /api/segments/{id} or choose another id.")),
        };
    }

    /// <summary>A segment's latest version, with its <c>ETag</c>; 404 when none has the id.</summary>
    public async Task<ReplyShape> GetAsync(string id, CancellationToken cancellationToken = default) =>
        await store.GetAsync(id, cancellationToken) is { } saved ? Reply(200, saved) : NotFound(id);

    /// <summary>Saves a new version of a segment; with <c>If-Match</c> only when that version is still the latest (else 412).</summary>
    public async Task<ReplyShape> UpdateAsync(string id, Stream body, string? ifMatch, CancellationToken cancellationToken = default)
    {
        int? expected = null;
        if (!string.IsNullOrWhiteSpace(ifMatch))
        {
            var match = VersionTag().Match(ifMatch.Trim());
            if (!match.Success)
            {
                return Invalid([$"If-Match: {ifMatch} is not an ETag of this API (such as \"v3\")"]);
            }

            expected = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        var read = await ReadAsync(body, cancellationToken);
        if (read.Problem is { } problem)
        {
            return problem;
        }

        if (read.Id is { } bodyId && bodyId != id)
        {
            return Invalid([$"$.id: \"{bodyId}\" differs from the segment in the address (\"{id}\")"]);
        }

        var all = await store.AllAsync(cancellationToken);
        if (!all.ContainsKey(id))
        {
            return NotFound(id);
        }

        var graphErrors = SegmentGraph.Check(id, read.Definition!, all);
        if (graphErrors.Count > 0)
        {
            return Invalid(graphErrors);
        }

        var (outcome, saved) = await store.UpdateAsync(id, read.Json!, read.Definition!, expected, cancellationToken);
        return outcome switch
        {
            SegmentUpdateOutcome.Updated => Reply(200, saved!),
            SegmentUpdateOutcome.NotFound => NotFound(id),
            _ => ReplyShape.Problem(new ApiProblem("Segment changed", 412,
                $"Segment \"{id}\" is at version {saved?.Version.ToString(CultureInfo.InvariantCulture) ?? "?"}, not the one named in If-Match: read it again and reapply the change.")),
        };
    }

    /// <summary>How many people the segment holds now and a sample of them (<paramref name="sample"/> 0–100, default 20).</summary>
    public async Task<ReplyShape> PreviewAsync(string id, string? sample, CancellationToken cancellationToken = default)
    {
        var size = DefaultSample;
        if (!string.IsNullOrEmpty(sample) && (!int.TryParse(sample, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size > MaxSample))
        {
            return ReplyShape.Problem(new ApiProblem("Invalid preview", 400, $"sample must be a whole number from 0 to {MaxSample}; got \"{sample}\".", ["sample"]));
        }

        var preview = await audience.PreviewAsync(id, size, cancellationToken);
        return preview is null ? NotFound(id) : ReplyShape.Json(200, preview, ApiJson.TypeInfo<SegmentPreview>());
    }

    private static async Task<Read> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > MaxBodyBytes)
        {
            return new Read(null, null, null, Invalid([$"$: the body is {buffer.Length:N0} bytes; at most {MaxBodyBytes:N0}"]));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = SegmentParser.MaxDepth * 2 + 8 });
        }
        catch (JsonException ex)
        {
            return new Read(null, null, null, Invalid([$"$: not valid JSON ({ex.Message.Split(". ")[0]})"]));
        }

        using (document)
        {
            var root = document.RootElement;
            var errors = new List<string>();
            string? id = null;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var idElement) && idElement.ValueKind != JsonValueKind.Null)
            {
                id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
                if (id is null || !IdPattern().IsMatch(id))
                {
                    errors.Add($"$.id: {idElement.GetRawText()} is not a segment id (lower-case letters, digits and dashes, 1–64, starting with a letter or digit)");
                    id = null;
                }
            }

            var parsed = SegmentParser.Parse(root);
            errors.AddRange(parsed.Errors);
            if (errors.Count > 0)
            {
                return new Read(null, null, null, Invalid(errors));
            }

            return new Read(id, parsed.Definition, WithoutId(root), null);
        }
    }

    /// <summary>The definition as it is saved: the body without its id (the id is the row's key).</summary>
    private static string WithoutId(JsonElement root)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject().Where(p => p.Name != "id"))
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static ReplyShape Reply(int status, SavedSegment saved)
    {
        using var document = JsonDocument.Parse(saved.Json);
        var reply = new SegmentReply(saved.Id, saved.Version, saved.Definition.Name, saved.Definition.Description, document.RootElement.Clone(), saved.CreatedAt, saved.UpdatedAt);
        return ReplyShape.Json(status, reply, ApiJson.TypeInfo<SegmentReply>()).WithHeaders([KeyValuePair.Create("ETag", saved.ETag)]);
    }

    private static ReplyShape Invalid(IReadOnlyList<string> errors) =>
        ReplyShape.Problem(new ApiProblem("Invalid segment", 400,
            errors.Count == 1 ? errors[0] + "." : $"{errors.Count} problems in the definition: {string.Join("; ", errors)}.", errors));

    private static ReplyShape NotFound(string id) =>
        ReplyShape.Problem(new ApiProblem("Segment not found", 404, $"No segment \"{id}\"; create one with POST /api/segments."));

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^(?:W/)?\"v([0-9]{1,9})\"$")]
    private static partial Regex VersionTag();

    private sealed record Read(string? Id, SegmentDefinition? Definition, string? Json, ReplyShape? Problem);
}
