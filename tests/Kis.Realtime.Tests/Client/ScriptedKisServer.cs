using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kis.Realtime.Tests.Client;

/// <summary>An approval request as it arrived, head and body.</summary>
internal sealed record ApprovalRequestSeen(string Head, string Body)
{
    public bool HasContentLength => Head.Contains("\r\nContent-Length:", StringComparison.OrdinalIgnoreCase);
    public bool IsChunked => Head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// A KIS stand-in on raw sockets: nothing from ASP.NET or from our simulator, so it shares none of their assumptions.
/// One port serves <c>POST /oauth2/Approval</c> and WebSocket upgrades; each WebSocket connection runs the test's
/// script. Frames are written and read by hand (RFC 6455), so the test sees pong frames and can send any bytes.
/// </summary>
internal sealed class ScriptedKisServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<ScriptedConnection, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _handlers = new();
    private readonly Task _accepting;
    private int _connections;

    private ScriptedKisServer(Func<ScriptedConnection, Task> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public static ScriptedKisServer Start(Func<ScriptedConnection, Task> script) => new(script);

    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
    public Uri WebSocketUrl => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/tryitout");
    public ConcurrentQueue<ApprovalRequestSeen> ApprovalRequests { get; } = new();
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Options of a client of <paramref name="server"/>: fast pacing and reconnects, no liveness check.</summary>
    public static KisRealtimeOptions ClientOptions(ScriptedKisServer server, string htsId) => KisRealtimeOptions.Default with
    {
        Credentials = [new KisCredential("PSscriptedAppKey0000000000000000000", "scripted-secret")],
        HtsId = htsId,
        WebSocketUrl = server.WebSocketUrl,
        RestBaseUrl = server.BaseUrl,
        SubscribePacing = TimeSpan.FromMilliseconds(1),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(100),
        LivenessTimeout = null,
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>Status of the approval reply (503 to play an outage).</summary>
    public int ApprovalStatus { get; set; } = 200;

    /// <summary>Makes each approval key issued (default: UUID-shaped like KIS's).</summary>
    public Func<string> NewApprovalKey { get; set; } = () => "aaaaaaaa-bbbb-cccc-dddd-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Every approval key issued, in order.</summary>
    public ConcurrentQueue<string> IssuedKeys { get; } = new();

    /// <summary>Characters appended to each approval key issued (long keys make every request long).</summary>
    public int ApprovalKeyPadding { get; set; }

    /// <summary>Awaited before each approval reply (to hold a reissue back).</summary>
    public Func<Task>? ApprovalGate { get; set; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            lock (_handlers) _handlers.Add(Task.Run(() => HandleAsync(socket)));
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var (head, rest) = await ReadHeadAsync(stream);
            if (head.StartsWith("POST ", StringComparison.Ordinal))
            {
                var length = int.Parse(Header(head, "Content-Length") ?? "0");
                var body = new List<byte>(rest);
                var buffer = new byte[4096];
                while (body.Count < length && await stream.ReadAsync(buffer) is var n and > 0) body.AddRange(buffer.AsSpan(0, n));
                ApprovalRequests.Enqueue(new ApprovalRequestSeen(head, Encoding.UTF8.GetString(body.ToArray())));
                if (ApprovalGate is { } gate) await gate();
                var issued = NewApprovalKey() + new string('e', ApprovalKeyPadding);
                if (ApprovalStatus == 200) IssuedKeys.Enqueue(issued);
                var json = ApprovalStatus == 200 ? "{\"approval_key\":\"" + issued + "\"}"
                    : "{\"error_code\":\"EGW00123\",\"error_description\":\"unavailable\"}";
                var reply = $"HTTP/1.1 {ApprovalStatus} X\r\nContent-Type: application/json\r\nContent-Length: " +
                    $"{Encoding.UTF8.GetByteCount(json)}\r\nConnection: close\r\n\r\n{json}";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(reply));
                return;
            }
            var key = Header(head, "Sec-WebSocket-Key") ?? throw new InvalidOperationException("not a WebSocket request");
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
            Interlocked.Increment(ref _connections);
            await _script(new ScriptedConnection(socket, stream, rest, Connections) { Server = this });
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private static async Task<(string Head, byte[] Remainder)> ReadHeadAsync(NetworkStream stream)
    {
        var data = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await stream.ReadAsync(buffer);
            if (n == 0) throw new IOException("closed before the request head");
            data.AddRange(buffer.AsSpan(0, n));
            var all = data.ToArray();
            var end = all.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0) return (Encoding.ASCII.GetString(all, 0, end + 2), all[(end + 4)..]);
        }
    }

    private static string? Header(string head, string name)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return line[(colon + 1)..].Trim();
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        Task[] handlers;
        lock (_handlers) handlers = [.. _handlers];
        await Task.WhenAll(handlers).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
    }
}

/// <summary>One WebSocket connection of <see cref="ScriptedKisServer"/>, seen from the server.</summary>
internal sealed class ScriptedConnection(Socket socket, NetworkStream stream, byte[] initial, int number)
{
    private byte[] _pending = initial;

    /// <summary>The server this connection belongs to.</summary>
    public ScriptedKisServer Server { get; init; } = null!;

    /// <summary>1 for the first connection of the server, 2 for the next …</summary>
    public int Number { get; } = number;

    /// <summary>The next subscribe/unsubscribe request (tr_type, tr_id, tr_key), or null when the client closed.</summary>
    public async Task<(string TrType, string TrId, string TrKey)?> ReceiveRequestAsync()
    {
        while (await ReceiveFrameAsync() is { } frame)
        {
            if (frame.Opcode == 0x8) return null;
            if (frame.Opcode != 0x1) continue;
            var text = Encoding.UTF8.GetString(frame.Payload);
            if (!text.Contains("\"tr_type\"", StringComparison.Ordinal)) continue; // e.g. a PINGPONG echo
            using var doc = JsonDocument.Parse(text);
            var input = doc.RootElement.GetProperty("body").GetProperty("input");
            return (doc.RootElement.GetProperty("header").GetProperty("tr_type").GetString()!, input.GetProperty("tr_id").GetString()!,
                input.GetProperty("tr_key").GetString()!);
        }
        return null;
    }

    /// <summary>Answers requests like KIS (subscribe OPSP0000, release OPSP0001) and the close handshake, until the client leaves.</summary>
    public async Task ServeUntilClosedAsync()
    {
        while (await ReceiveFrameAsync() is { } frame)
        {
            if (frame.Opcode == 0x8)
            {
                await SendFrameAsync(0x8, frame.Payload);
                return;
            }
            if (frame.Opcode != 0x1) continue;
            var text = Encoding.UTF8.GetString(frame.Payload);
            if (!text.Contains("\"tr_type\"", StringComparison.Ordinal)) continue;
            using var doc = JsonDocument.Parse(text);
            var input = doc.RootElement.GetProperty("body").GetProperty("input");
            var release = doc.RootElement.GetProperty("header").GetProperty("tr_type").GetString() == "2";
            await ReplyAsync(input.GetProperty("tr_id").GetString()!, input.GetProperty("tr_key").GetString()!, release ? "OPSP0001" : "OPSP0000");
        }
    }

    /// <summary>Reads one frame (client frames are masked), or null at the end of the stream.</summary>
    public async Task<(int Opcode, byte[] Payload)?> ReceiveFrameAsync()
    {
        var head = await ReadExactlyAsync(2);
        if (head is null) return null;
        var opcode = head[0] & 0x0F;
        long length = head[1] & 0x7F;
        if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2) ?? throw new IOException());
        else if (length == 127) length = (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8) ?? throw new IOException());
        var mask = (head[1] & 0x80) != 0 ? await ReadExactlyAsync(4) : null;
        var payload = await ReadExactlyAsync((int)length) ?? throw new IOException("truncated frame");
        if (mask is not null)
            for (var i = 0; i < payload.Length; i++) payload[i] ^= mask[i & 3];
        return (opcode, payload);
    }

    private async Task<byte[]?> ReadExactlyAsync(int count)
    {
        var result = new byte[count];
        var filled = Math.Min(count, _pending.Length);
        _pending.AsSpan(0, filled).CopyTo(result);
        _pending = _pending[filled..];
        while (filled < count)
        {
            int n;
            try
            {
                n = await stream.ReadAsync(result.AsMemory(filled));
            }
            catch (IOException)
            {
                return null;
            }
            if (n == 0) return null;
            filled += n;
        }
        return result;
    }

    public Task SendTextAsync(string text) => SendFrameAsync(0x1, Encoding.UTF8.GetBytes(text));

    /// <summary>Sends any bytes as one text frame (invalid UTF-8 included).</summary>
    public async Task SendFrameAsync(int opcode, byte[] payload)
    {
        var header = payload.Length <= 125 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[header + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (header == 2) frame[1] = (byte)payload.Length;
        else if (header == 4)
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }
        payload.CopyTo(frame.AsSpan(header));
        await stream.WriteAsync(frame);
    }

    /// <summary>Sends a frame masked as only a client may (RFC 6455 §5.1: a client must fail the connection).</summary>
    public async Task SendMaskedFrameAsync(int opcode, byte[] payload)
    {
        if (payload.Length > 125) throw new ArgumentException("short payloads only", nameof(payload));
        byte[] mask = [0x11, 0x22, 0x33, 0x44];
        var frame = new byte[6 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        frame[1] = (byte)(0x80 | payload.Length);
        mask.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++) frame[6 + i] = (byte)(payload[i] ^ mask[i & 3]);
        await stream.WriteAsync(frame);
    }

    /// <summary>Reads frames until the client's close frame and returns its status (null: no status, or no close frame).</summary>
    public async Task<int?> ReceiveCloseStatusAsync()
    {
        while (await ReceiveFrameAsync() is { } frame)
            if (frame.Opcode == 0x8) return frame.Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(frame.Payload) : null;
        return null;
    }

    /// <summary>A success reply for a request, with notice key/iv (every KIS success reply carries them).</summary>
    public Task ReplyAsync(string trId, string trKey, string msgCd = "OPSP0000", string key = "abcdefghijklmnopabcdefghijklmnop",
        string iv = "0123456789abcdef")
        => SendTextAsync($"{{\"header\":{{\"tr_id\":\"{trId}\",\"tr_key\":\"{trKey}\",\"encrypt\":\"N\"}}," +
            $"\"body\":{{\"rt_cd\":\"{(msgCd is "OPSP0000" or "OPSP0001" ? "0" : "1")}\",\"msg_cd\":\"{msgCd}\",\"msg1\":\"X\"," +
            $"\"output\":{{\"iv\":\"{iv}\",\"key\":\"{key}\"}}}}}}");

    /// <summary>
    /// Sends a PINGPONG and reads until its pong: the client has then read everything sent before it. Needed before
    /// <see cref="Drop"/>, because a TCP reset discards data the peer has not read yet.
    /// </summary>
    public async Task SyncAsync()
    {
        await SendTextAsync("{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261121090000\"}}");
        while (await ReceiveFrameAsync() is { } frame)
            if (frame.Opcode == 0xA) return;
    }

    /// <summary>Shrinks the server's receive buffer: a script that then stops reading makes the client's writes block soon.</summary>
    public void ShrinkReceiveBuffer(int bytes) => socket.ReceiveBufferSize = bytes;

    /// <summary>Drops the TCP connection without a close handshake (reset).</summary>
    public void Drop()
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>Encrypts a notice record as KIS does (AES-256-CBC, PKCS7, base64).</summary>
    public static string Encrypt(string plain, string key, string iv)
    {
        using var aes = Aes.Create();
        aes.Key = Encoding.UTF8.GetBytes(key);
        return Convert.ToBase64String(aes.EncryptCbc(Encoding.UTF8.GetBytes(plain), Encoding.UTF8.GetBytes(iv)));
    }
}
