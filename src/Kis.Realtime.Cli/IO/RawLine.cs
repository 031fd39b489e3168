using System.Buffers;
using System.Buffers.Text;

namespace Kis.Realtime.Cli.IO;

/// <summary>
/// The raw-message line format of <c>kisrt record</c>: <c>&lt;ISO-8601 UTC receive time&gt;\t&lt;message bytes&gt;</c>.
/// A line without a leading timestamp is a bare message (what <c>kisrt decode</c> accepts from a live capture).
/// KIS messages start with '0', '1' or '{', never with a timestamp, so the two forms cannot be confused.
/// </summary>
internal static class RawLine
{
    private const int MaxTimestampLength = 40;

    /// <summary>Splits off the timestamp when there is one.</summary>
    public static ReadOnlySpan<byte> Split(ReadOnlySpan<byte> line, out DateTimeOffset? receivedAt)
    {
        receivedAt = null;
        var tab = line[..Math.Min(line.Length, MaxTimestampLength)].IndexOf((byte)'\t');
        if (tab <= 0 || line[0] is (byte)'0' or (byte)'1' or (byte)'{') return line;
        if (Utf8Parser.TryParse(line[..tab], out DateTimeOffset at, out var consumed, 'O') && consumed == tab)
        {
            receivedAt = at;
            return line[(tab + 1)..];
        }
        if (DateTimeOffset.TryParse(System.Text.Encoding.ASCII.GetString(line[..tab]), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out at))
        {
            receivedAt = at;
            return line[(tab + 1)..];
        }
        return line;
    }

    /// <summary>Writes one raw line: timestamp, tab, message, newline.</summary>
    public static void Write(IBufferWriter<byte> output, DateTimeOffset receivedAt, ReadOnlySpan<byte> message)
    {
        var span = output.GetSpan(MaxTimestampLength + message.Length + 2);
        Utf8Formatter.TryFormat(receivedAt.ToUniversalTime(), span, out var written, 'O');
        span[written++] = (byte)'\t';
        message.CopyTo(span[written..]);
        written += message.Length;
        span[written++] = (byte)'\n';
        output.Advance(written);
    }
}
