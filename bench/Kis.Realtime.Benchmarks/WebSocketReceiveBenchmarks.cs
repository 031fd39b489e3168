using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Kis.Realtime.Transport;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// The client transport's receive path alone: a loopback peer writes prebuilt unmasked text frames as fast as the socket
/// takes them and <see cref="WebSocketConnection.Receive"/> reads them (blocking, as the session's receive thread does). Time and bytes allocated per frame
/// (there must be none: a frame is returned as a slice of the receive buffer). "CPU/op [ns]" is CPU time per frame.
/// Run: dotnet run -c Release --project bench/Kis.Realtime.Benchmarks -- --filter *WebSocketReceive*
/// </summary>
[Config(typeof(CpuConfig))]
public class WebSocketReceiveBenchmarks
{
    private const int FramesPerInvoke = 200_000;
    private const int FramesPerBlock = 256;

    private TcpListener _listener = null!;
    private WebSocketConnection _connection = null!;
    private readonly CancellationTokenSource _stop = new();
    private Task _server = Task.CompletedTask;

    /// <summary>Payload bytes per frame: one index tick record (~130 B), or a burst of 30 in one frame.</summary>
    [Params(130, 4000)]
    public int PayloadBytes { get; set; } = 130;

    // Synchronous: the in-process toolchain may start the workload before an async setup has finished.
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        var block = BuildBlock(PayloadBytes);
        var accepted = _listener.AcceptSocketAsync();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        var connect = WebSocketConnection.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), 1 << 20, CancellationToken.None);
        var socket = await accepted;
        await HandshakeAsync(socket);
        _connection = await connect;
        _server = Task.Run(async () =>
        {
            try
            {
                while (!_stop.IsCancellationRequested) await socket.SendAsync(block, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
            }
            finally
            {
                socket.Dispose();
            }
        });
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke)]
    public long ReceiveFrames()
    {
        long bytes = 0;
        for (var i = 0; i < FramesPerInvoke; i++)
        {
            var m = _connection.Receive();
            bytes += m.Data.Length;
        }
        return bytes;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        _connection.Abort();
        _server.GetAwaiter().GetResult();
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _listener.Stop();
    }

    /// <summary>
    /// In-process, so the CPU column sees this process: CPU time per frame (the peer's writes included, the same before
    /// and after a change) is steadier than wall time on a shared machine.
    /// </summary>
    internal sealed class CpuConfig : ManualConfig
    {
        public CpuConfig()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
                .WithWarmupCount(2).WithIterationCount(8));
            AddDiagnoser(MemoryDiagnoser.Default, new ProcessCpuDiagnoser(_ => 1, nanoseconds: true)); // operations are frames already
        }
    }

    /// <summary>Frames as a server writes them: FIN + text, unmasked, 7- or 16-bit length.</summary>
    private static byte[] BuildBlock(int payloadBytes)
    {
        var header = payloadBytes < 126 ? 2 : 4;
        var frame = new byte[header + payloadBytes];
        frame[0] = 0x81;
        if (header == 2) frame[1] = (byte)payloadBytes;
        else
        {
            frame[1] = 126;
            frame[2] = (byte)(payloadBytes >> 8);
            frame[3] = (byte)payloadBytes;
        }
        frame.AsSpan(header).Fill((byte)'7');
        var block = new byte[frame.Length * FramesPerBlock];
        for (var i = 0; i < FramesPerBlock; i++) frame.CopyTo(block, i * frame.Length);
        return block;
    }

    /// <summary>The server half of the upgrade, written out here so the peer shares no code with the client.</summary>
    private static async Task HandshakeAsync(Socket socket)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await socket.ReceiveAsync(one, SocketFlags.None) == 0) throw new IOException("closed during handshake");
            head.Append((char)one[0]);
        }
        var key = head.ToString().Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), SocketFlags.None);
    }
}

/// <summary>
/// The shared codec alone, without a socket: <see cref="WebSocketFrameReader"/> parsing unmasked text frames from a
/// stream that replays a block of them (64 KiB reads, as the client's buffer takes them). The parse cost per frame.
/// </summary>
[Config(typeof(WebSocketReceiveBenchmarks.CpuConfig))]
public class WebSocketFrameReaderBenchmarks
{
    private const int FramesPerInvoke = 1_000_000;
    private WebSocketFrameReader _reader = null!;

    [Params(130, 4000)]
    public int PayloadBytes { get; set; } = 130;

    [GlobalSetup]
    public void Setup()
    {
        var frame = new byte[WebSocketFraming.FrameLength(PayloadBytes, masked: false)];
        WebSocketFraming.WriteFrame(frame, WebSocketOpcode.Text, new byte[PayloadBytes]);
        var block = new byte[frame.Length * 512];
        for (var i = 0; i < 512; i++) frame.CopyTo(block, i * frame.Length);
        _reader = new WebSocketFrameReader(new ReplayStream(block), 1 << 20, requireMask: false, System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024));
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke)]
    public async Task<long> ParseFrames()
    {
        long bytes = 0;
        for (var i = 0; i < FramesPerInvoke; i++)
        {
            WebSocketFrameMessage m;
            while (!_reader.TryReceive(out m)) await _reader.FillAsync(CancellationToken.None);
            bytes += m.Payload.Length;
        }
        return bytes;
    }

    [GlobalCleanup]
    public void Cleanup() => _reader.Dispose();

    /// <summary>An endless stream repeating one block.</summary>
    private sealed class ReplayStream(byte[] block) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, block.Length - _position);
            block.AsSpan(_position, n).CopyTo(buffer);
            _position = (_position + n) % block.Length;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
