using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Kis.Realtime.Simulator;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// A raw RFC 6455 client over a socket: it does not validate UTF-8 (so it survives KIS's cp949 frames, unlike
/// ClientWebSocket) and can send pong control frames. Reads are one frame at a time; every read has a timeout guard.
/// </summary>
public sealed class RawWsClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private NetworkStream _stream = null!;

    public static async Task<RawWsClient> ConnectAsync(KisSimulator sim, string path = "/")
    {
        var c = new RawWsClient();
        using var cts = new CancellationTokenSource(SimTestClient.Timeout);
        await c._tcp.ConnectAsync(sim.WebSocketUrl.Host, sim.WebSocketUrl.Port, cts.Token);
        c._stream = c._tcp.GetStream();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {path} HTTP/1.1\r\nHost: {sim.WebSocketUrl.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                      $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await c._stream.WriteAsync(Encoding.ASCII.GetBytes(request), cts.Token);
        var header = new StringBuilder();
        var one = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await c._stream.ReadAsync(one, cts.Token) == 0) throw new IOException("closed during handshake");
            header.Append((char)one[0]);
        }
        var text = header.ToString();
        if (!text.StartsWith("HTTP/1.1 101", StringComparison.Ordinal)) throw new IOException(text);
        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        if (!text.Contains(expected, StringComparison.Ordinal)) throw new IOException("bad Sec-WebSocket-Accept");
        return c;
    }

    public Task SendTextAsync(string text) => SendAsync(0x1, Encoding.UTF8.GetBytes(text));

    public Task SendPongAsync() => SendAsync(0xA, []);

    public async Task SendAsync(byte opcode, byte[] payload, bool fin = true, bool masked = true)
    {
        var mask = masked ? RandomNumberGenerator.GetBytes(4) : [];
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        var maskBit = masked ? 0x80 : 0;
        if (payload.Length < 126) frame.Add((byte)(maskBit | payload.Length));
        else
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }
        frame.AddRange(mask);
        for (var i = 0; i < payload.Length; i++) frame.Add(masked ? (byte)(payload[i] ^ mask[i & 3]) : payload[i]);
        await _stream.WriteAsync(frame.ToArray());
    }

    /// <summary>Reads one frame: (opcode, payload), or null at end of stream.</summary>
    public async Task<(byte Opcode, byte[] Payload)?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? SimTestClient.Timeout);
        var head = new byte[2];
        if (!await ReadExactly(head, cts.Token)) return null;
        long length = head[1] & 0x7F;
        if (length == 126)
        {
            var ext = new byte[2];
            await ReadExactly(ext, cts.Token);
            length = BinaryPrimitives.ReadUInt16BigEndian(ext);
        }
        else if (length == 127)
        {
            var ext = new byte[8];
            await ReadExactly(ext, cts.Token);
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(ext);
        }
        var payload = new byte[length];
        await ReadExactly(payload, cts.Token);
        return ((byte)(head[0] & 0x0F), payload);
    }

    /// <summary>Reads frames until one matches.</summary>
    public async Task<(byte Opcode, byte[] Payload)?> ReceiveAsync(Func<byte, byte[], bool> match)
    {
        while (true)
        {
            var f = await ReceiveAsync();
            if (f is null || match(f.Value.Opcode, f.Value.Payload)) return f;
        }
    }

    private async Task<bool> ReadExactly(byte[] buffer, CancellationToken ct)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, ct);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
