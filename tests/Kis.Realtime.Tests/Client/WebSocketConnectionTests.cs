using System.Net.WebSockets;
using System.Text;
using Kis.Realtime.Transport;
using Microsoft.AspNetCore.Builder;

namespace Kis.Realtime.Tests.Client;

public sealed class WebSocketConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static Task<WebSocketConnection> Connect(KestrelPeer peer, int max = 1 << 20)
        => WebSocketConnection.ConnectAsync(peer.WebSocketUrl, max, CancellationToken.None).WaitAsync(Timeout);

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ServerReceive(WebSocket ws)
    {
        var buffer = new byte[1 << 20];
        var total = 0;
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer.AsMemory(total), CancellationToken.None);
            total += r.Count;
            if (r.EndOfMessage) return (r.MessageType, buffer[..total]);
        }
    }

    [Fact]
    public async Task Text_round_trip_with_kestrel()
    {
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            var (_, data) = await ServerReceive(ws);
            await ws.SendAsync(data, WebSocketMessageType.Text, true, CancellationToken.None);
            await ServerReceive(ws); // wait for the client's close
        });
        await using var c = await Connect(peer);
        await c.SendTextAsync("{\"hello\":\"world\"}"u8.ToArray(), CancellationToken.None);
        var m = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal(ReceivedKind.Text, m.Kind);
        Assert.Equal("{\"hello\":\"world\"}", Encoding.UTF8.GetString(m.Data.Span));
    }

    [Fact]
    public async Task Closing_an_already_aborted_connection_does_not_throw()
    {
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) => await ServerReceive(ws));
        await using var c = await Connect(peer);
        c.Abort(); // what the liveness watchdog does to a dead connection
        // Shutdown then sends the close frame into a dead socket: it must be a no-op, not an exception that skips
        // the rest of the shutdown.
        await c.SendCloseAsync(WebSocketCloseStatus.NormalClosure, CancellationToken.None).AsTask().WaitAsync(Timeout);
    }

    [Fact]
    public async Task Invalid_utf8_text_frame_is_delivered_not_fatal()
    {
        var cp949 = new byte[] { (byte)'0', (byte)'|', 0xB1, 0xB9, 0xB0, 0xED, 0xFF }; // 국고 in cp949 + an invalid byte
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            await ws.SendAsync(cp949, WebSocketMessageType.Text, true, CancellationToken.None);
            await ws.SendAsync("after"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await ServerReceive(ws);
        });
        await using var c = await Connect(peer);
        var m1 = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal(cp949, m1.Data.ToArray());
        var m2 = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal("after", Encoding.ASCII.GetString(m2.Data.Span));
    }

    [Fact]
    public async Task Fragmented_and_large_messages_are_reassembled()
    {
        var big = Encoding.ASCII.GetBytes(new string('x', 300_000));
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            await ws.SendAsync("0|H0UP"u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
            await ws.SendAsync("CNT0|001|"u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
            await ws.SendAsync("payload"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await ws.SendAsync(big, WebSocketMessageType.Text, true, CancellationToken.None);
            await ws.SendAsync("small"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
            await ServerReceive(ws);
        });
        await using var c = await Connect(peer);
        var m1 = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal("0|H0UPCNT0|001|payload", Encoding.ASCII.GetString(m1.Data.Span));
        var m2 = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal(big.Length, m2.Data.Length);
        Assert.True(m2.Data.Span.SequenceEqual(big));
        var m3 = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal(ReceivedKind.Binary, m3.Kind);
    }

    [Fact]
    public async Task Server_initiated_close_handshake_completes()
    {
        var serverClosed = new TaskCompletionSource<WebSocketState>();
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            await ws.CloseAsync(WebSocketCloseStatus.PolicyViolation, "bye", CancellationToken.None);
            serverClosed.TrySetResult(ws.State);
        });
        await using var c = await Connect(peer);
        var m = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal(ReceivedKind.Closed, m.Kind);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, m.CloseStatus);
        Assert.Equal(WebSocketState.Closed, await serverClosed.Task.WaitAsync(Timeout)); // our close reply arrived
    }

    [Fact]
    public async Task Client_initiated_close_handshake_completes()
    {
        var serverSaw = new TaskCompletionSource<WebSocketCloseStatus?>();
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            var r = await ws.ReceiveAsync(new byte[16], CancellationToken.None);
            serverSaw.TrySetResult(r.CloseStatus);
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        });
        await using var c = await Connect(peer);
        await c.SendCloseAsync(WebSocketCloseStatus.NormalClosure, CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await serverSaw.Task.WaitAsync(Timeout));
        var m = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal(ReceivedKind.Closed, m.Kind);
    }

    [Fact]
    public async Task Peer_abort_ends_receive_without_exception()
    {
        await using var peer = await KestrelPeer.StartAsync(async (ws, ctx) =>
        {
            await ServerReceive(ws);
            ctx.Abort();
        });
        await using var c = await Connect(peer);
        await c.SendTextAsync("go"u8.ToArray(), CancellationToken.None);
        var m2 = await Task.Run(c.Receive).WaitAsync(Timeout);
        Assert.Equal(ReceivedKind.Closed, m2.Kind);
    }

    [Fact]
    public async Task Server_pings_are_answered_with_pongs()
    {
        // Kestrel's keep-alive with a timeout pings and aborts the connection when no pong comes back.
        var accept = new Microsoft.AspNetCore.Http.WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromMilliseconds(100),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(1000) };
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            var receive = ServerReceive(ws); // the server's keep-alive needs a pending receive to see pongs
            for (var i = 0; i < 10; i++)
            {
                await Task.Delay(150);
                await ws.SendAsync(Encoding.ASCII.GetBytes($"tick {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            await receive;
        }, accept: accept);
        await using var c = await Connect(peer);
        for (var i = 0; i < 10; i++)
        {
            var m = await Task.Run(c.Receive).WaitAsync(Timeout);
            Assert.True(m.Kind != ReceivedKind.Closed, $"closed at {i}: {m.CloseStatus}");
            Assert.Equal($"tick {i}", Encoding.ASCII.GetString(m.Data.Span));
        }
    }

    [Fact]
    public async Task Oversized_message_is_a_protocol_error()
    {
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            await ws.SendAsync(new byte[2048], WebSocketMessageType.Binary, true, CancellationToken.None);
            await ServerReceive(ws);
        });
        await using var c = await Connect(peer, max: 1024);
        await Assert.ThrowsAsync<WebSocketException>(() => Task.Run(c.Receive).WaitAsync(Timeout));
    }

    [Fact]
    public async Task Non_websocket_endpoint_fails_the_handshake()
    {
        await using var peer = await KestrelPeer.StartAsync(configure: app => app.Map("/", () => "not a websocket"));
        var e = await Assert.ThrowsAsync<WebSocketException>(() => Connect(peer));
        Assert.Contains("did not switch", e.Message);
    }
}
