namespace Kis.Realtime.Cli.IO;

/// <summary>
/// Reads '\n'-terminated lines as raw bytes. Recorded KIS messages may hold bytes that are not UTF-8 (cp949 names),
/// so lines are never decoded to strings here. A trailing '\r' is removed.
/// </summary>
/// <param name="stream">The input.</param>
/// <param name="beforeBlockingRead">Called before each read of the input, e.g. to flush output so a pipeline stays live.</param>
/// <param name="initialBufferSize">Starting buffer size; grows for longer lines.</param>
internal sealed class ByteLineReader(Stream stream, Action? beforeBlockingRead = null, int initialBufferSize = 64 * 1024)
{
    private byte[] _buffer = new byte[initialBufferSize];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Reads the next line; false at end of input. The span is valid until the next call.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = TrimCr(_buffer.AsSpan(_start, newline));
                _start += newline + 1;
                return true;
            }

            if (_eof)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }
                line = TrimCr(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                return true;
            }

            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        beforeBlockingRead?.Invoke();
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        else _end += read;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line)
        => !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;
}
