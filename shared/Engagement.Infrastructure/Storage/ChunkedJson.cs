using System.Text;
using Azure.Data.Tables;

namespace Engagement.Infrastructure.Storage;

/// <summary>
/// Stores a JSON document across several string properties of an entity: one table property holds at most
/// 64 KiB (32 K UTF-16 characters), an entity up to 1 MiB.
/// </summary>
internal static class ChunkedJson
{
    private const int ChunkChars = 30_000;
    // 15 × 30,000 UTF-16 characters = 900 KB, leaving room in a 1 MiB entity for the other properties.
    private const int MaxChunks = 15;

    public static void Write(TableEntity entity, string name, string json)
    {
        var chunks = (json.Length + ChunkChars - 1) / ChunkChars;
        if (chunks > MaxChunks)
        {
            throw new InvalidOperationException($"{name} is {json.Length} characters; at most {ChunkChars * MaxChunks} fit in one row.");
        }

        entity[name + "Chunks"] = chunks;
        for (var i = 0; i < chunks; i++)
        {
            entity[name + i] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
        }
    }

    public static string? Read(TableEntity entity, string name)
    {
        if (entity.GetInt32(name + "Chunks") is not { } chunks)
        {
            return null;
        }

        var builder = new StringBuilder(chunks * ChunkChars);
        for (var i = 0; i < chunks; i++)
        {
            builder.Append(entity.GetString(name + i));
        }

        return builder.ToString();
    }
}
