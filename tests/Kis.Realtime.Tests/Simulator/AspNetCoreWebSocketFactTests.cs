using System.Net;
using System.Net.WebSockets;
using Kis.Realtime.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// Checks the platform fact the brief asked about: ASP.NET Core's server-side WebSocket sends a Text frame whose bytes
/// are not UTF-8 without complaint (only receivers validate). The simulator frames by hand anyway, but a simpler
/// server built on AcceptWebSocketAsync could also produce KIS's cp949 frames.
/// </summary>
public sealed class AspNetCoreWebSocketFactTests
{
    [Fact]
    public async Task Server_websocket_SendAsync_does_not_validate_outgoing_utf8()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.UseWebSockets();
        var cp949 = KisText.Korean.GetBytes("국고03250-5303(23-2)");
        var sent = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Run(async ctx =>
        {
            using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
            try
            {
                await ws.SendAsync(cp949, WebSocketMessageType.Text, true, CancellationToken.None);
                sent.TrySetResult(null);
            }
            catch (Exception ex)
            {
                sent.TrySetResult(ex);
            }
            var buffer = new byte[16];
            try { await ws.ReceiveAsync(buffer, CancellationToken.None); } catch (WebSocketException) { }
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
            $"dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        Assert.Null(await sent.Task.WaitAsync(SimTestClient.Timeout));

        // Read past the HTTP response to the frame and check the bytes arrived untouched.
        var all = new List<byte>();
        var buf = new byte[1024];
        using var cts = new CancellationTokenSource(SimTestClient.Timeout);
        while (true)
        {
            var n = await stream.ReadAsync(buf, cts.Token);
            Assert.NotEqual(0, n);
            all.AddRange(buf.AsSpan(0, n).ToArray());
            var text = all.ToArray();
            var end = text.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0 && text.Length >= end + 4 + 2 + cp949.Length)
            {
                var frame = text.AsSpan(end + 4);
                Assert.Equal(0x81, frame[0]); // FIN + text
                Assert.Equal(cp949, frame.Slice(2, cp949.Length).ToArray());
                break;
            }
        }
        tcp.Close(); // ends the server's pending receive, so stopping does not wait out the shutdown timeout
        await app.StopAsync();
    }
}
