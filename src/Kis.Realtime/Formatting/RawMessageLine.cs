using System.Buffers;
using System.Buffers.Text;
using Kis.Realtime.Protocol;

namespace Kis.Realtime.Formatting;

/// <summary>
/// The line format of recorded raw messages (<c>kisrt record</c>, <c>kisrt decode</c>, the simulator's replay):
/// <c>&lt;ISO-8601 UTC receive time&gt;\t&lt;message&gt;\n</c>. Inside the message, <c>\</c>, LF and CR are written as
/// <c>\\</c>, <c>\n</c> and <c>\r</c> so that one message is always one line, byte for byte recoverable (JSON replies
/// may legally contain newlines). A line without a leading timestamp is a bare message taken as is: what a live
/// capture gives. KIS messages start with '0', '1' or '{', never with a timestamp, so the forms cannot be confused.
/// </summary>
internal static class RawMessageLine
{
    private const int MaxTimestampLength = 40;

    /// <summary>
    /// Splits a line into its receive time (null for a bare message) and message. A recorded message is unescaped into
    /// <paramref name="scratch"/> when it contains escapes; otherwise the returned span points into the line.
    /// </summary>
    public static ReadOnlySpan<byte> Parse(ReadOnlySpan<byte> line, ArrayBufferWriter<byte> scratch, out DateTimeOffset? receivedAt)
    {
        receivedAt = null;
        var tab = line[..Math.Min(line.Length, MaxTimestampLength)].IndexOf((byte)'\t');
        if (tab <= 0 || line[0] is (byte)'0' or (byte)'1' or (byte)'{') return line;
        if (!TryParseRecordedUtc(line[..tab], out var at)
            && (!Utf8Parser.TryParse(line[..tab], out at, out var consumed, 'O') || consumed != tab)) return line;

        receivedAt = at;
        return Unescape(line[(tab + 1)..], scratch);
    }

    /// <summary>
    /// The message of a recorded line whose receive time does not parse (a damaged line: a tab within the first 40
    /// bytes, no KIS message start before it); empty for anything else.
    /// </summary>
    public static ReadOnlySpan<byte> MessageOfUnreadableTime(ReadOnlySpan<byte> line, ArrayBufferWriter<byte> scratch)
    {
        var tab = line[..Math.Min(line.Length, MaxTimestampLength)].IndexOf((byte)'\t');
        if (tab <= 0 || line[0] is (byte)'0' or (byte)'1' or (byte)'{') return default;
        return Unescape(line[(tab + 1)..], scratch);
    }

    private static ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> message, ArrayBufferWriter<byte> scratch)
    {
        if (message.IndexOf((byte)'\\') < 0) return message;

        scratch.ResetWrittenCount();
        var output = scratch.GetSpan(message.Length);
        var n = 0;
        for (var i = 0; i < message.Length; i++)
        {
            var b = message[i];
            if (b == (byte)'\\' && i + 1 < message.Length)
            {
                var next = message[++i];
                b = next switch { (byte)'n' => (byte)'\n', (byte)'r' => (byte)'\r', _ => next };
            }
            output[n++] = b;
        }
        scratch.Advance(n);
        return scratch.WrittenSpan;
    }

    /// <summary>
    /// The TR of a recorded line (a receive time in the form <see cref="Write"/> gives) holding a data frame, read from
    /// the frame's header (<c>0|TR_ID___|001|</c>, which never holds an escape) without parsing the time or unescaping
    /// the message, so a reader can sort lines by TR cheaply. False for anything else (a reply, another time form, a
    /// malformed header), which is then parsed in full.
    /// </summary>
    public static bool TryReadFrameTrId(ReadOnlySpan<byte> line, out TrId trId)
    {
        trId = default;
        const int Tab = 28; // yyyy-MM-ddTHH:mm:ss.fffffffZ
        const int Header = 15; // 0|TR_ID___|001|
        if (line.Length < Tab + 1 + Header || line[Tab] != (byte)'\t' || line[10] != (byte)'T' || line[Tab - 1] != (byte)'Z') return false;
        var message = line[(Tab + 1)..];
        // A malformed header is left to the full parse (the replay counts it).
        return message[0] is (byte)'0' or (byte)'1' && message[1] == (byte)'|' && message[10] == (byte)'|' && message[14] == (byte)'|'
            && message.Slice(11, 3).IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0
            && TrId.TryParse(message.Slice(2, TrId.Length), out trId);
    }

    /// <summary>
    /// The form <see cref="Write"/> gives (<c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>), read without the general ISO parser: a
    /// replay reads one a message. Anything else (another offset, fewer digits, a leap second) is left to that parser.
    /// </summary>
    private static bool TryParseRecordedUtc(ReadOnlySpan<byte> s, out DateTimeOffset at)
    {
        at = default;
        if (s.Length != 28 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[27] != 'Z')
            return false;
        if (!Digits(s[..4], out var year) || !Digits(s.Slice(5, 2), out var month) || !Digits(s.Slice(8, 2), out var day)
            || !Digits(s.Slice(11, 2), out var hour) || !Digits(s.Slice(14, 2), out var minute) || !Digits(s.Slice(17, 2), out var second)
            || !Digits(s.Slice(20, 7), out var fraction))
            return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;
        at = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks + fraction, TimeSpan.Zero);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            var digit = (uint)(b - '0');
            if (digit > 9) return false;
            value = value * 10 + (int)digit;
        }
        return true;
    }

    /// <summary>Writes one line: timestamp, tab, escaped message, newline.</summary>
    public static void Write(IBufferWriter<byte> output, DateTimeOffset receivedAt, ReadOnlySpan<byte> message)
    {
        var span = output.GetSpan(MaxTimestampLength + 2 * message.Length + 2);
        Utf8Formatter.TryFormat(receivedAt.UtcDateTime, span, out var written, 'O');
        span[written++] = (byte)'\t';
        if (message.IndexOfAny((byte)'\\', (byte)'\n', (byte)'\r') < 0)
        {
            message.CopyTo(span[written..]);
            written += message.Length;
        }
        else
        {
            foreach (var b in message)
            {
                switch (b)
                {
                    case (byte)'\\': span[written++] = (byte)'\\'; span[written++] = (byte)'\\'; break;
                    case (byte)'\n': span[written++] = (byte)'\\'; span[written++] = (byte)'n'; break;
                    case (byte)'\r': span[written++] = (byte)'\\'; span[written++] = (byte)'r'; break;
                    default: span[written++] = b; break;
                }
            }
        }
        span[written++] = (byte)'\n';
        output.Advance(written);
    }
}
