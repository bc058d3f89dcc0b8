using System.Text;

namespace Engagement.Infrastructure.Ads;

/// <summary>One CSV record with the line it starts on and its raw text.</summary>
/// <param name="Line">1-based line number where the record starts.</param>
/// <param name="Raw">The record's text as read.</param>
/// <param name="Fields">Its fields, unquoted.</param>
internal sealed record CsvRecord(long Line, string Raw, IReadOnlyList<string> Fields);

/// <summary>
/// Reads RFC 4180 CSV (quoted fields, doubled quotes, line breaks inside quotes), with ',' or ';' as the
/// delimiter, chosen from the header line.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader)
{
    private char? _delimiter;
    private long _line;

    public async Task<CsvRecord?> ReadAsync(CancellationToken cancellationToken = default)
    {
        string? text;
        do
        {
            text = await reader.ReadLineAsync(cancellationToken);
            _line++;
            if (text is null)
            {
                return null;
            }
        }
        while (string.IsNullOrWhiteSpace(text));

        var startLine = _line;
        _delimiter ??= text.Count(c => c == ';') > text.Count(c => c == ',') ? ';' : ',';
        var raw = new StringBuilder(text);
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (true)
        {
            if (i == text.Length)
            {
                if (!quoted)
                {
                    break;
                }

                // A quoted field goes on over the line break.
                var next = await reader.ReadLineAsync(cancellationToken);
                if (next is null)
                {
                    break;
                }

                _line++;
                field.Append('\n');
                raw.Append('\n').Append(next);
                text = next;
                i = 0;
                continue;
            }

            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i += 2;
                    continue;
                }

                if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == _delimiter)
            {
                fields.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }

            i++;
        }

        fields.Add(field.ToString().Trim());
        return new CsvRecord(startLine, raw.ToString(), fields);
    }
}
