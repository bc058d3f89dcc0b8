using System.Globalization;

namespace Engagement.Core.Tests.Builders;

/// <summary>Builds one ad-server record (fields by column name) and its raw CSV line: a valid impression by default.</summary>
public sealed class AdRecordBuilder
{
    private readonly List<KeyValuePair<string, string?>> _fields =
    [
        new("type", "impression"),
        new("user_id", "user-1"),
        new("cookie_id", "cookie-1"),
        new("domain", "zpravy.example.cz"),
        new("placement", "top-banner"),
        new("campaign", "zima-2026"),
        new("creative", "cr-7"),
        new("visible_seconds", "3.5"),
        new("cost_eur", "0.0021"),
        new("timestamp", "2026-11-22T10:15:00Z"),
    ];

    public AdRecordBuilder Set(string column, string? value)
    {
        var index = _fields.FindIndex(f => f.Key == column);
        if (index >= 0)
        {
            _fields[index] = new(column, value);
        }
        else
        {
            _fields.Add(new(column, value));
        }

        return this;
    }

    public AdRecordBuilder Without(string column)
    {
        _fields.RemoveAll(f => f.Key == column);
        return this;
    }

    /// <summary>Renames a column, keeping its value: for testing column aliases.</summary>
    public AdRecordBuilder RenameColumn(string column, string alias)
    {
        var index = _fields.FindIndex(f => f.Key == column);
        _fields[index] = new(alias, _fields[index].Value);
        return this;
    }

    public IReadOnlyDictionary<string, string?> Fields() => _fields.ToDictionary(f => f.Key, f => f.Value);

    public string Header() => string.Join(',', _fields.Select(f => f.Key));

    public string RawLine() => string.Join(',', _fields.Select(f => f.Value ?? string.Empty));

    public static string UnixSeconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
