using System.Text.Json;
using Engagement.Core.Events;
using Engagement.Infrastructure.DeadLetters;
using Engagement.Infrastructure.Ingestion;
using Engagement.Infrastructure.Streaming;

namespace Engagement.Infrastructure.Ads;

/// <summary>A bad record of an ad log.</summary>
/// <param name="Line">Its line number (1-based, counting the CSV header).</param>
/// <param name="Error">What is wrong with it.</param>
public sealed record AdRecordError(long Line, string Error);

/// <summary>What an import did.</summary>
/// <param name="Records">Records read.</param>
/// <param name="Accepted">Records put on the stream.</param>
/// <param name="Errors">Bad records, which were dead-lettered.</param>
public sealed record AdImportReport(long Records, long Accepted, IReadOnlyList<AdRecordError> Errors);

/// <summary>The file formats of ad-server logs.</summary>
public enum AdLogFormat
{
    /// <summary>CSV with a header row.</summary>
    Csv,
    /// <summary>One JSON object per line.</summary>
    JsonLines,
}

/// <summary>
/// Reads ad-server logs (impressions, clicks, conversions) and feeds them into the platform: from a file onto the
/// stream (<c>engage import ads</c>), or from Event Hubs messages straight into ingestion (Azure).
/// Bad records are reported with their line and dead-lettered; good ones still go in.
/// </summary>
public sealed class AdImporter(IEventStreamProducer stream, IngestionHandler ingestion, DeadLetterStore deadLetters, TimeProvider time)
{
    private const int StreamBatchSize = 500;

    /// <summary>Imports a log file onto the stream.</summary>
    public async Task<AdImportReport> ImportAsync(TextReader reader, AdLogFormat format, string sourceId, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var errors = new List<AdRecordError>();
        var pending = new List<EngagementEvent>(StreamBatchSize);
        long records = 0, accepted = 0;
        var receivedAt = time.GetUtcNow();
        await foreach (var (line, raw, fields, readError) in ReadAsync(reader, format, cancellationToken))
        {
            records++;
            string? error = readError;
            if (error is null && AdRecords.TryCreate(fields!, raw, sourceId, receivedAt, out var ev, out error))
            {
                pending.Add(ev!);
            }

            if (error is not null)
            {
                errors.Add(new AdRecordError(line, error));
                await deadLetters.WriteAsync("import", $"line {line}: {error}", raw, sourceId, $"{sourceId}-{receivedAt:yyyyMMddHHmmss}-{line}", cancellationToken);
            }

            if (pending.Count == StreamBatchSize)
            {
                accepted += await FlushAsync(pending, sourceId, cancellationToken);
                progress?.Report(records);
            }
        }

        accepted += await FlushAsync(pending, sourceId, cancellationToken);
        progress?.Report(records);
        return new AdImportReport(records, accepted, errors);
    }

    /// <summary>Ingests ad records delivered as Event Hubs messages (each a JSON object, or JSON lines).</summary>
    public async Task<AdImportReport> IngestMessagesAsync(IReadOnlyList<StreamMessage> messages, string sourceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var events = new List<EngagementEvent>();
        var errors = new List<AdRecordError>();
        long records = 0;
        var receivedAt = time.GetUtcNow();
        foreach (var message in messages)
        {
            using var reader = new StringReader(message.Body.ToString());
            await foreach (var (line, raw, fields, readError) in ReadAsync(reader, AdLogFormat.JsonLines, cancellationToken))
            {
                records++;
                var error = readError;
                if (error is null && AdRecords.TryCreate(fields!, raw, sourceId, receivedAt, out var ev, out error))
                {
                    events.Add(ev!);
                    continue;
                }

                errors.Add(new AdRecordError(line, error!));
                await deadLetters.WriteAsync("ad-feed", $"message {message.Id} line {line}: {error}", raw, sourceId, $"{message.Id}-{line}", cancellationToken);
            }
        }

        if (events.Count > 0)
        {
            await ingestion.HandleAsync(events, cancellationToken);
        }

        return new AdImportReport(records, events.Count, errors);
    }

    private async Task<long> FlushAsync(List<EngagementEvent> pending, string sourceId, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return 0;
        }

        await stream.AppendAsync(new IngestionBatch(Guid.NewGuid().ToString("N"), sourceId, pending.ToList()), cancellationToken);
        var count = pending.Count;
        pending.Clear();
        return count;
    }

    private static async IAsyncEnumerable<(long Line, string Raw, IReadOnlyDictionary<string, string?>? Fields, string? Error)> ReadAsync(
        TextReader reader, AdLogFormat format, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (format == AdLogFormat.JsonLines)
        {
            long line = 0;
            string? text;
            while ((text = await reader.ReadLineAsync(cancellationToken)) is not null)
            {
                line++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                yield return ReadJsonLine(line, text);
            }

            yield break;
        }

        var csv = new CsvRecordReader(reader);
        var header = await csv.ReadAsync(cancellationToken);
        if (header is null)
        {
            yield break;
        }

        while (await csv.ReadAsync(cancellationToken) is { } record)
        {
            if (record.Fields.Count != header.Fields.Count)
            {
                yield return (record.Line, record.Raw, null, $"expected {header.Fields.Count} fields as in the header, found {record.Fields.Count}.");
                continue;
            }

            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Fields.Count; i++)
            {
                fields[header.Fields[i]] = record.Fields[i];
            }

            yield return (record.Line, record.Raw, fields, null);
        }
    }

    private static (long, string, IReadOnlyDictionary<string, string?>?, string?) ReadJsonLine(long line, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (line, text, null, "the line is not a JSON object.");
            }

            var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                fields[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => property.Value.GetRawText(),
                };
            }

            return (line, text, fields, null);
        }
        catch (JsonException ex)
        {
            return (line, text, null, $"not valid JSON ({ex.Message.Split('.', 2)[0]}).");
        }
    }
}
