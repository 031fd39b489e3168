using System.Diagnostics.CodeAnalysis;
using System.Buffers;
using System.Buffers.Text;
using Kis.Realtime.Protocol;

#pragma warning disable CS1591 // Plumbing (KISRT0001) for the sibling packages: the type's summary says what it is for.
namespace Kis.Realtime.Formatting;

/// <summary>
/// The line format of recorded raw messages (<c>kisrt record</c>, <c>kisrt decode</c>, the simulator's replay):
/// <c>&lt;ISO-8601 UTC receive time&gt;\t&lt;message&gt;\n</c>. Inside the message, <c>\</c>, LF and CR are written as
/// <c>\\</c>, <c>\n</c> and <c>\r</c> so that one message is always one line, byte for byte recoverable (JSON replies
/// may legally contain newlines). A line without a leading timestamp is a bare message taken as is: what a live
/// capture gives. KIS messages start with '0', '1' or '{', never with a timestamp, so the forms cannot be confused.
/// </summary>
[Experimental("KISRT0001")]
public static class RawMessageLine
{
    private const int MaxTimestampLength = 40;

    /// <summary>
    /// Splits a line into its receive time (null for a bare message) and message. A recorded message is unescaped into
    /// <paramref name="scratch"/> when it contains escapes; otherwise the returned span points into the line.
    /// </summary>
    public static ReadOnlySpan<byte> Parse(ReadOnlySpan<byte> line, ArrayBufferWriter<byte> scratch, out DateTimeOffset? receivedAt)
    {
        var minute = default(RecordedMinute);
        return Parse(line, scratch, ref minute, out receivedAt);
    }

    /// <summary>
    /// As <see cref="Parse(ReadOnlySpan{byte}, ArrayBufferWriter{byte}, out DateTimeOffset?)"/>, for a reader of many lines:
    /// <paramref name="minute"/> keeps the minute of the last receive time read, which the next lines mostly share.
    /// </summary>
    public static ReadOnlySpan<byte> Parse(ReadOnlySpan<byte> line, ArrayBufferWriter<byte> scratch, scoped ref RecordedMinute minute,
        out DateTimeOffset? receivedAt)
    {
        receivedAt = null;
        var tab = line[..Math.Min(line.Length, MaxTimestampLength)].IndexOf((byte)'\t');
        if (tab <= 0 || line[0] is (byte)'0' or (byte)'1' or (byte)'{') return line;
        if (!TryParseRecordedUtc(line[..tab], ref minute, out var at)
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
    /// <remarks>
    /// The date, hour and minute (<c>yyyy-MM-ddTHH:mm:</c>, checked once) are taken from <paramref name="last"/> when
    /// they are its bytes: a recording's lines come a minute at a time, so most parse their seconds and fraction only.
    /// </remarks>
    private static bool TryParseRecordedUtc(ReadOnlySpan<byte> s, ref RecordedMinute last, out DateTimeOffset at)
    {
        at = default;
        if (s.Length != 28 || s[19] != '.' || s[27] != 'Z') return false;
        long minuteTicks;
        if (last.Matches(s)) minuteTicks = last.Ticks;
        else
        {
            if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
            if (!Digits(s[..4], out var year) || !Digits(s.Slice(5, 2), out var month) || !Digits(s.Slice(8, 2), out var day)
                || !Digits(s.Slice(11, 2), out var hour) || !Digits(s.Slice(14, 2), out var minute))
                return false;
            if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59) return false;
            minuteTicks = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Utc).Ticks;
            last = new RecordedMinute(s, minuteTicks);
        }
        if (!Digits(s.Slice(17, 2), out var second) || !Digits(s.Slice(20, 7), out var fraction) || second > 59) return false;
        at = new DateTimeOffset(minuteTicks + second * TimeSpan.TicksPerSecond + fraction, TimeSpan.Zero);
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

/// <summary>
/// The minute of the last recorded receive time a reader parsed (<c>yyyy-MM-ddTHH:mm:</c>, 17 bytes, valid) and its UTC
/// ticks; default: none yet.
/// </summary>
[Experimental("KISRT0001")]
public readonly struct RecordedMinute
{
    private readonly ulong _first, _second; // bytes 0-7 and 8-15; byte 16 is the ':' checked with them
    private readonly byte _sixteenth;

    public RecordedMinute(ReadOnlySpan<byte> time, long ticks)
    {
        _first = System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(time);
        _second = System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(time[8..]);
        _sixteenth = time[16];
        Ticks = ticks;
    }

    /// <summary>The minute's start, UTC ticks (0: none yet).</summary>
    public long Ticks { get; }

    /// <summary>Whether <paramref name="time"/> (28 bytes at least) starts with this minute's 17 bytes.</summary>
    public bool Matches(ReadOnlySpan<byte> time) =>
        Ticks != 0 && time[16] == _sixteenth
        && System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(time) == _first
        && System.Runtime.InteropServices.MemoryMarshal.Read<ulong>(time[8..]) == _second;
}
