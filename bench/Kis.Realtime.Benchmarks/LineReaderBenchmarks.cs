using BenchmarkDotNet.Attributes;
using Kis.Realtime.Internal;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// `kisrt decode` reading one long line from a pipe that delivers 4 KiB per read: the time must grow linearly with the
/// line's length (each byte searched for '\n' once), not with its square.
/// </summary>
[MemoryDiagnoser]
public class LineReaderBenchmarks
{
    private byte[] _input = [];

    [Params(1, 4, 16)]
    public int LineMegabytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _input = new byte[LineMegabytes * 1024 * 1024 + 1];
        _input.AsSpan().Fill((byte)'x');
        _input[^1] = (byte)'\n';
    }

    [Benchmark(Baseline = true)]
    public int PreviousReaderRescanningFromLineStart()
    {
        var reader = new RescanningLineReader(new PipeLikeStream(_input, 4096));
        var total = 0;
        while (reader.TryReadLine(out var line)) total += line.Length;
        return total;
    }

    [Benchmark]
    public int ReadOneLongLineFromAPipe()
    {
        var reader = new ByteLineReader(new PipeLikeStream(_input, 4096));
        var total = 0;
        while (reader.TryReadLine(out var line)) total += line.Length;
        return total;
    }

    /// <summary>The reader before the fix (kept here for comparison): every read searches the whole line again.</summary>
    private sealed class RescanningLineReader(Stream stream)
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start, _end;
        private bool _eof;

        public bool TryReadLine(out ReadOnlySpan<byte> line)
        {
            while (true)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    line = _buffer.AsSpan(_start, newline);
                    _start += newline + 1;
                    return true;
                }
                if (_eof)
                {
                    line = _buffer.AsSpan(_start, _end - _start);
                    var any = _start != _end;
                    _start = _end;
                    return any;
                }
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                var read = stream.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0) _eof = true;
                else _end += read;
            }
        }
    }

    /// <summary>At most <c>chunk</c> bytes per read, like a pipe.</summary>
    private sealed class PipeLikeStream(byte[] data, int chunk) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }
}
