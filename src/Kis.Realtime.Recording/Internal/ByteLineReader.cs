using System.Diagnostics.CodeAnalysis;
namespace Kis.Realtime.Internal;

/// <summary>
/// Reads '\n'-terminated lines as raw bytes. Recorded KIS messages may hold bytes that are not UTF-8 (cp949 names),
/// so lines are never decoded to strings here. A trailing '\r' is removed. Each byte is searched once however the
/// input arrives (a long line from a pipe comes in many small reads), so reading is linear in the input; a line
/// longer than <c>maxLineLength</c> is skipped to its end and reported as <see cref="LineStatus.TooLong"/> instead of
/// growing the buffer without bound.
/// </summary>
/// <param name="stream">The input.</param>
/// <param name="beforeBlockingRead">Called before each read of the input, e.g. to flush output so a pipeline stays live.</param>
/// <param name="maxLineLength">Longest line held in memory.</param>
/// <param name="initialBufferSize">Starting buffer size; grows for longer lines.</param>
[Experimental("KISRT0001")]
public sealed class ByteLineReader(Stream stream, Action? beforeBlockingRead = null, int maxLineLength = ByteLineReader.DefaultMaxLineLength,
    int initialBufferSize = 64 * 1024)
{
    /// <summary>64 MiB: far above any KIS message (the client's limit is 4 MiB; escaping at most doubles it).</summary>
    public const int DefaultMaxLineLength = 64 * 1024 * 1024;

    private byte[] _buffer = new byte[Math.Min(initialBufferSize, maxLineLength + 1)];
    private int _start;
    private int _end;
    private int _scanned; // bytes from _start already known to hold no '\n'
    private bool _eof;
    private long _skippedLength;

    /// <summary>What <see cref="Read"/> found.</summary>
    public enum LineStatus
    {
        /// <summary>A line (possibly empty).</summary>
        Line,
        /// <summary>A line longer than the limit, skipped; its length is <see cref="SkippedLength"/>.</summary>
        TooLong,
        /// <summary>End of input.</summary>
        End,
    }

    /// <summary>The length in bytes of the last line reported <see cref="LineStatus.TooLong"/>.</summary>
    public long SkippedLength => _skippedLength;

    /// <summary>Reads the next line; the span is valid until the next call.</summary>
    public LineStatus Read(out ReadOnlySpan<byte> line)
    {
        line = default;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + _scanned, _end - _start - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = _scanned + newline;
                line = TrimCr(_buffer.AsSpan(_start, length));
                _start += length + 1;
                _scanned = 0;
                return LineStatus.Line;
            }
            _scanned = _end - _start;

            if (_eof)
            {
                if (_start == _end) return LineStatus.End;
                line = TrimCr(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                _scanned = 0;
                return LineStatus.Line;
            }

            if (_scanned > maxLineLength) return SkipLongLine();
            Fill();
        }
    }

    /// <summary>Convenience for callers that treat a too-long line as the end: true for a line.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line) => Read(out line) == LineStatus.Line;

    private LineStatus SkipLongLine()
    {
        // Everything buffered is part of the line; drop it and read on to the next '\n' without keeping anything.
        long length = _end - _start;
        _start = _end = _scanned = 0;
        while (true)
        {
            beforeBlockingRead?.Invoke();
            var read = stream.Read(_buffer, 0, _buffer.Length);
            if (read == 0)
            {
                _eof = true;
                break;
            }
            var newline = _buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                length += newline;
                _start = newline + 1;
                _end = read;
                break;
            }
            length += read;
        }
        _skippedLength = length;
        return LineStatus.TooLong;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, (long)maxLineLength + 1));
        beforeBlockingRead?.Invoke();
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        else _end += read;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line)
        => !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;
}
