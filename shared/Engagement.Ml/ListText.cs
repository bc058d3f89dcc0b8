using System.Text;

namespace Engagement.Ml;

/// <summary>Writing list files: UTF-8 without a byte-order mark, '\n' line ends, counted and hashed.</summary>
internal sealed class ListText : IDisposable
{
    /// <summary>Rows between two cancellation checks.</summary>
    public const int CheckEvery = 4_096;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly ChecksumStream _checksum;

    public ListText(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _checksum = new ChecksumStream(stream);
        Writer = new StreamWriter(_checksum, Utf8, bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\n" };
    }

    public StreamWriter Writer { get; }

    /// <summary>Flushes everything and describes what was written.</summary>
    public ListWriteResult Finish(long rows, long skippedWithoutId, long skippedUnsafeId)
    {
        Writer.Flush();
        return new ListWriteResult(rows, skippedWithoutId, skippedUnsafeId, _checksum.BytesWritten, _checksum.Sha256());
    }

    public void Dispose()
    {
        Writer.Dispose();
        _checksum.Dispose();
    }
}
