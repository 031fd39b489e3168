using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Simulator;
using Kis.Realtime.Transport;

namespace Kis.Realtime.Tests.Transport;

/// <summary>
/// The shared codec against .NET's own RFC 6455 implementation
/// (<see cref="WebSocket.CreateFromStream(Stream, bool, string?, TimeSpan)"/>) as the independent peer: in the client
/// role and in the simulator's server role, each way. And the client transport against the simulator writing
/// deliberately invalid frames with it.
/// </summary>
public sealed class FramingPeerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly int[] Sizes = [0, 5, 125, 126, 300, 65_535, 65_536, 200_000];

    [Fact]
    public async Task Client_codec_and_dotnet_server_websocket_understand_each_other()
    {
        var (clientStream, serverStream) = await ConnectedStreamsAsync();
        await using var _ = clientStream;
        using var server = WebSocket.CreateFromStream(serverStream, isServer: true, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        using var reader = new WebSocketFrameReader(clientStream, 1 << 20, requireMask: false);

        // Client → server: masked frames in every length form, then a fragmented message.
        foreach (var size in Sizes)
        {
            var payload = Payload(size);
            var receive = ReceiveWholeAsync(server); // reading before writing: a big frame does not fit the socket's buffers
            await clientStream.WriteAsync(ClientFrame(WebSocketOpcode.Binary, payload));
            var (type, data) = await receive;
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(payload, data);
        }
        var fragmented = ReceiveWholeAsync(server);
        byte[] fragments = [.. ClientFrame(WebSocketOpcode.Text, "0|H0UP"u8, fin: false), .. ClientFrame(WebSocketOpcode.Continuation, "CNT0"u8)];
        await clientStream.WriteAsync(fragments);
        Assert.Equal("0|H0UPCNT0"u8.ToArray(), (await fragmented).Data);

        // Server → client: every length form, a fragmented message, and the close.
        foreach (var size in Sizes)
        {
            var payload = Payload(size);
            var receive = reader.ReceiveAsync(CancellationToken.None).AsTask();
            await server.SendAsync(payload, WebSocketMessageType.Text, true, CancellationToken.None);
            var m = await receive.WaitAsync(Timeout);
            Assert.Equal(WebSocketOpcode.Text, m.Opcode);
            Assert.True(m.Payload.Span.SequenceEqual(payload), $"size {size}");
        }
        await server.SendAsync("0|H0UP"u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await server.SendAsync("CNT0"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("0|H0UPCNT0"u8.ToArray(), (await reader.ReceiveAsync(CancellationToken.None)).Payload.ToArray());
        await server.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "bye", CancellationToken.None);
        var close = await reader.ReceiveAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal(WebSocketOpcode.Close, close.Opcode);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, WebSocketFraming.CloseStatusOf(close.Payload.Span));
    }

    [Fact]
    public async Task Simulator_codec_and_dotnet_client_websocket_understand_each_other()
    {
        var (clientStream, serverStream) = await ConnectedStreamsAsync();
        await using var _ = serverStream;
        using var client = WebSocket.CreateFromStream(clientStream, isServer: false, subProtocol: null, keepAliveInterval: TimeSpan.Zero);
        using var reader = new WebSocketFrameReader(serverStream, 1 << 20, requireMask: true);

        // Client → server: .NET masks, the simulator's server role unmasks and reassembles.
        foreach (var size in Sizes)
        {
            var payload = Payload(size);
            var receive = reader.ReceiveAsync(CancellationToken.None).AsTask();
            await client.SendAsync(payload, WebSocketMessageType.Text, true, CancellationToken.None);
            var m = await receive.WaitAsync(Timeout);
            Assert.Equal(WebSocketOpcode.Text, m.Opcode);
            Assert.True(m.Payload.Span.SequenceEqual(payload), $"size {size}");
        }
        await client.SendAsync("{\"hea"u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await client.SendAsync("der\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("{\"header\"}"u8.ToArray(), (await reader.ReceiveAsync(CancellationToken.None)).Payload.ToArray());

        // Server → client: the simulator's unmasked frames in every length form, then its close.
        foreach (var size in Sizes)
        {
            var payload = Payload(size);
            var receive = ReceiveWholeAsync(client);
            await serverStream.WriteAsync(WebSocketFraming.BuildFrame(WebSocketOpcode.Binary, payload));
            var (type, data) = await receive;
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(payload, data);
        }
        await serverStream.WriteAsync(WebSocketFraming.BuildFrame(WebSocketOpcode.Close,
            WebSocketFraming.ClosePayload(WebSocketCloseStatus.MessageTooBig, "too big")));
        var result = await client.ReceiveAsync(new byte[16], CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseStatus.MessageTooBig, "too big"),
            (result.MessageType, result.CloseStatus, result.CloseStatusDescription));
    }

    public static TheoryData<byte[], string> InvalidServerFrames()
    {
        var rsv = WebSocketFraming.BuildFrame(WebSocketOpcode.Text, "0|x"u8);
        rsv[0] |= 0x40;
        return new TheoryData<byte[], string>
        {
            { rsv, nameof(WebSocketFrameError.ReservedBitsSet) },
            { WebSocketFraming.BuildFrame((WebSocketOpcode)0x3, "x"u8), nameof(WebSocketFrameError.UnknownOpcode) },
            { SimFrame(WebSocketOpcode.Ping, "p"u8, fin: false), nameof(WebSocketFrameError.ControlFrameFragmented) },
            { WebSocketFraming.BuildFrame(WebSocketOpcode.Ping, new byte[200]), nameof(WebSocketFrameError.ControlFrameTooLong) },
            { WebSocketFraming.BuildFrame(WebSocketOpcode.Continuation, "x"u8), nameof(WebSocketFrameError.UnexpectedContinuation) },
            { [.. SimFrame(WebSocketOpcode.Text, "a"u8, fin: false), .. SimFrame(WebSocketOpcode.Text, "b"u8)],
                nameof(WebSocketFrameError.MessageInsideFragmentedMessage) },
            { WebSocketFraming.BuildFrame(WebSocketOpcode.Text, new byte[5000]), nameof(WebSocketFrameError.MessageTooBig) },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidServerFrames))]
    public async Task The_client_fails_on_invalid_frames_the_simulator_writes_on_purpose(byte[] frame, string error)
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.Off });
        await using var connection = await WebSocketConnection.ConnectAsync(sim.WebSocketUrl, 4096, CancellationToken.None).WaitAsync(Timeout);
        await Sim.SessionsAsync(sim, s => s.Count == 1);
        var session = Assert.Single(sim.Hub.Sessions);

        // A valid frame first (the normal path), then the bad one, written byte for byte.
        await session.SendRawAsync("0|H0UPCNT0|001|x"u8, isFault: true).WaitAsync(Timeout);
        await session.SendFrameBytesAsync(frame).WaitAsync(Timeout);
        Assert.Equal("0|H0UPCNT0|001|x"u8.ToArray(), (await Task.Run(connection.Receive).WaitAsync(Timeout)).Data.ToArray());
        var e = await Assert.ThrowsAsync<WebSocketException>(() => Task.Run(connection.Receive).WaitAsync(Timeout));
        Assert.Equal(error, Assert.IsType<WebSocketFrameException>(e.InnerException).Error.ToString());
        Assert.StartsWith("Invalid frame from the server", e.Message, StringComparison.Ordinal);
    }

    private static byte[] SimFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        var frame = new byte[WebSocketFraming.FrameLength(payload.Length, masked: false)];
        WebSocketFraming.WriteFrame(frame, opcode, payload, fin);
        return frame;
    }

    private static byte[] ClientFrame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true)
    {
        var frame = new byte[WebSocketFraming.FrameLength(payload.Length, masked: true)];
        WebSocketFraming.WriteFrame(frame, opcode, payload, fin, RandomNumberGenerator.GetBytes(4));
        return frame;
    }

    private static byte[] Payload(int size)
    {
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        return payload;
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveWholeAsync(WebSocket ws)
    {
        var buffer = new byte[1 << 20];
        var total = 0;
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer.AsMemory(total), CancellationToken.None).AsTask().WaitAsync(Timeout);
            total += r.Count;
            if (r.EndOfMessage) return (r.MessageType, buffer[..total]);
        }
    }

    /// <summary>Two ends of a loopback TCP connection (port 0), as streams.</summary>
    private static async Task<(NetworkStream Client, NetworkStream Server)> ConnectedStreamsAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accept = listener.AcceptSocketAsync();
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accept.WaitAsync(Timeout);
        return (new NetworkStream(client, ownsSocket: true), new NetworkStream(server, ownsSocket: true));
    }
}
