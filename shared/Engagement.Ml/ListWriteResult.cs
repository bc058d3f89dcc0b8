namespace Engagement.Ml;

/// <summary>What a list writer wrote: for the list's manifest and the run's log.</summary>
/// <param name="Rows">Data lines written (the header not counted).</param>
/// <param name="SkippedWithoutId">Rows left out because they lack the id the list needs.</param>
/// <param name="SkippedUnsafeId">Rows left out because their id contains the delimiter, a quote or a line break, which a platform would misread.</param>
/// <param name="Bytes">Bytes written.</param>
/// <param name="Sha256">SHA-256 of the bytes written, lower-case hex.</param>
public sealed record ListWriteResult(long Rows, long SkippedWithoutId, long SkippedUnsafeId, long Bytes, string Sha256)
{
    /// <summary>All rows left out.</summary>
    public long Skipped => SkippedWithoutId + SkippedUnsafeId;
}
