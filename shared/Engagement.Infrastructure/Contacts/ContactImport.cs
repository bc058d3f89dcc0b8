using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Engagement.Core.Consent;
using Engagement.Core.Identity;
using Microsoft.Extensions.Options;

namespace Engagement.Infrastructure.Contacts;

/// <summary>A row of a contacts file that could not be imported.</summary>
/// <param name="Line">The line it starts on (1 = the header).</param>
/// <param name="Error">Why.</param>
public sealed record ContactImportError(long Line, string Error);

/// <summary>What importing a contacts file did.</summary>
/// <param name="Rows">Data rows read.</param>
/// <param name="Created">New contacts.</param>
/// <param name="Updated">Contacts that changed.</param>
/// <param name="Unchanged">Rows that changed nothing (already imported).</param>
/// <param name="Errors">Rows refused, by line.</param>
public sealed record ContactImportReport(int Rows, int Created, int Updated, int Unchanged, IReadOnlyList<ContactImportError> Errors);

/// <summary>
/// Imports contacts from a CRM's CSV file (header row; <c>,</c> <c>;</c> or tab): <c>subject</c> (the user id,
/// required), <c>email</c>, <c>phone</c>, <c>provenance</c> (order, form, competition, popup, import, unknown; empty:
/// unknown), <c>provenance_detail</c>, <c>provenance_since</c> (ISO-8601). Each row is written as
/// <c>PUT /api/contacts/{subject}</c> writes it, so importing a file twice changes nothing; bad rows are reported by
/// line and the good ones still go in. A file that is not such a CSV at all is refused as a whole
/// (<see cref="InvalidDataException"/>).
/// </summary>
public sealed class ContactImport(ContactStore store, Pseudonymizer pseudonymizer, IOptions<ContactOptions> options, TimeProvider clock)
{
    private static readonly string[] Columns = ["subject", "email", "phone", "provenance", "provenancedetail", "provenancesince", "language", "segments"];

    /// <summary>Imports the file read by <paramref name="reader"/>.</summary>
    public async Task<ContactImportReport> ImportAsync(TextReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var badRows = new HashSet<long>();
        var errors = new List<ContactImportError>();
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = true,
            DetectDelimiterValues = [",", ";", "\t"],
            PrepareHeaderForMatch = args => args.Header.Trim().Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
            TrimOptions = TrimOptions.Trim,
            BadDataFound = args =>
            {
                if (badRows.Add(args.Context.Parser!.RawRow))
                {
                    errors.Add(new ContactImportError(args.Context.Parser.RawRow, $"malformed CSV (a stray quote?): {Truncate(args.RawRecord)}"));
                }
            },
        };
        using var csv = new CsvReader(reader, configuration);
        try
        {
            if (!await csv.ReadAsync() || !csv.ReadHeader())
            {
                throw new InvalidDataException("the file is empty: a contacts CSV starts with a header row (subject,email,phone,provenance,…)");
            }
        }
        catch (CsvHelperException ex)
        {
            throw new InvalidDataException($"not a CSV file: {ex.Message.Split('\n')[0]}", ex);
        }

        var header = csv.HeaderRecord!.Select(h => configuration.PrepareHeaderForMatch(new PrepareHeaderForMatchArgs(h, 0))).ToList();
        if (!header.Contains("subject"))
        {
            throw new InvalidDataException($"the header has no 'subject' column (found: {string.Join(", ", csv.HeaderRecord!)})");
        }

        var unknown = header.Where(h => h.Length > 0 && !Columns.Contains(h)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidDataException($"unknown columns: {string.Join(", ", unknown)} (expected subject, email, phone, provenance, provenance_detail, provenance_since, language, segments)");
        }

        int rows = 0, created = 0, updated = 0, unchanged = 0;
        var settings = options.Value;
        while (await ReadRowAsync(csv))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var line = csv.Parser.RawRow;
            if (badRows.Contains(line))
            {
                continue;
            }

            rows++;
            var rowErrors = new List<string>();
            var subject = Field(csv, "subject");
            if (string.IsNullOrWhiteSpace(subject))
            {
                rowErrors.Add("subject is empty");
            }

            ContactProvenance? provenance = null;
            if (Field(csv, "provenance") is { Length: > 0 } named)
            {
                if (Enum.TryParse<ContactProvenance>(named, ignoreCase: true, out var parsed) && !int.TryParse(named, out _))
                {
                    provenance = parsed;
                }
                else
                {
                    rowErrors.Add($"provenance '{named}' is not one of order, form, competition, popup, import, unknown");
                }
            }

            DateTimeOffset? since = null;
            if (Field(csv, "provenancesince") is { Length: > 0 } sinceText)
            {
                if (DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    since = parsed;
                }
                else
                {
                    rowErrors.Add($"provenance_since '{sinceText}' is not an ISO-8601 date");
                }
            }

            var entry = ContactEntry.Read(Field(csv, "email"), Field(csv, "phone"), provenance, Field(csv, "provenancedetail"), since, settings.DefaultCountryCode, clock.GetUtcNow(), rowErrors,
                Field(csv, "language"), Field(csv, "segments")?.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            if (entry is null || rowErrors.Count > 0)
            {
                errors.Add(new ContactImportError(line, string.Join("; ", rowErrors)));
                continue;
            }

            var result = await store.PutAsync(pseudonymizer.KeyOf(IdentityRef.User(subject!)).Value, entry.Value.Points, entry.Value.Source, cancellationToken: cancellationToken);
            switch (result.Outcome)
            {
                case ContactWriteOutcome.Created: created++; break;
                case ContactWriteOutcome.Updated: updated++; break;
                default: unchanged++; break;
            }
        }

        return new ContactImportReport(rows, created, updated, unchanged, errors.OrderBy(e => e.Line).ToList());
    }

    private static async Task<bool> ReadRowAsync(CsvReader csv)
    {
        try
        {
            return await csv.ReadAsync();
        }
        catch (CsvHelperException ex)
        {
            throw new InvalidDataException($"line {csv.Parser.RawRow}: {ex.Message.Split('\n')[0]}", ex);
        }
    }

    private static string? Field(CsvReader csv, string column) =>
        csv.TryGetField<string>(column, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static string Truncate(string text) => text.Length <= 80 ? text.TrimEnd('\r', '\n') : text[..80] + "…";
}
