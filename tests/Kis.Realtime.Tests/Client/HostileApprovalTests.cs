using System.Text;
using Kis.Realtime.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// The approval request against servers that misbehave on purpose (Kestrel stand-ins on 127.0.0.1): it carries the
/// app secret, so it never follows a redirect, reads a bounded answer, and shows the server's words only sanitised.
/// </summary>
public sealed class HostileApprovalTests
{
    private const string AppKey = "PShostileAppKey00000000000000000000X";
    private const string Secret = "hostile-secret-Zq8v0aW7cXfR2mN4pL6tY9bK3jH5gD1s";

    private static KisRealtimeOptions OptionsFor(KestrelPeer peer) => KisRealtimeOptions.Default with
    {
        Credentials = [new KisCredential(AppKey, Secret)],
        WebSocketUrl = peer.WebSocketUrl,
        RestBaseUrl = peer.BaseUrl,
        RequestTimeout = TimeSpan.FromSeconds(5),
        LivenessTimeout = null,
    };

    [Fact]
    public async Task A_redirect_is_not_followed_and_the_other_host_never_sees_the_secret()
    {
        var elsewhere = 0;
        await using var other = await KestrelPeer.StartAsync(configure: app => app.MapPost("/oauth2/Approval", () =>
        {
            Interlocked.Increment(ref elsewhere);
            return Results.Json(new { approval_key = "stolen-key-0000" });
        }));
        await using var peer = await KestrelPeer.StartAsync(configure: app => app.MapPost("/oauth2/Approval",
            (HttpContext ctx) => { ctx.Response.StatusCode = 307; ctx.Response.Headers.Location = new Uri(other.BaseUrl, "/oauth2/Approval").ToString(); }));

        await using var client = new KisRealtimeClient(OptionsFor(peer));
        var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
        Assert.Equal(307, e.HttpStatus);
        Assert.Contains("redirect", e.Message);
        Assert.DoesNotContain(other.BaseUrl.Authority, e.Message); // the Location is not echoed either
        Assert.Equal(0, Volatile.Read(ref elsewhere)); // failed before: the POST (with the secret) was re-sent there
    }

    [Fact]
    public async Task A_100_MB_answer_fails_fast_with_a_typed_error_and_is_not_read()
    {
        // A raw socket, not Kestrel: Kestrel may complete writes after the client hung up (they are discarded until it
        // notices), so "the server wrote it all" proved nothing there. A socket's send fails once the client has closed,
        // so the bytes it could send bound what the client read (plus the kernel's buffers).
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var sent = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            var request = new byte[64 * 1024];
            await socket.ReceiveAsync(request); // the request's head (and body): what it says does not matter here
            long total = 0;
            try
            {
                total += await socket.SendAsync(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"approval_key\":\""u8.ToArray());
                var chunk = Encoding.ASCII.GetBytes(new string('a', 1 << 20));
                for (var i = 0; i < 100; i++) total += await socket.SendAsync(chunk);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // the client hung up: what it could not take was never sent
            }
            return total;
        });

        await using var client = new KisRealtimeClient(KisRealtimeOptions.Default with
        {
            Credentials = [new KisCredential(AppKey, Secret)],
            WebSocketUrl = new Uri($"ws://127.0.0.1:{port}/"),
            RestBaseUrl = new Uri($"http://127.0.0.1:{port}/"),
            RequestTimeout = TimeSpan.FromSeconds(5),
            LivenessTimeout = null,
        });
        var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
        Assert.Contains("longer than 64 KiB", e.Message);
        // Failed before: the client read all 100 MB (and kept it as a string) before parsing.
        var bytesSent = await sent.WaitAsync(TestTimeout);
        Assert.True(bytesSent < 50L << 20, $"the server could send {bytesSent:N0} bytes of a 100 MB answer");
    }

    [Fact]
    public async Task A_declared_oversize_answer_fails_before_its_body_is_read()
    {
        await using var peer = await KestrelPeer.StartAsync(configure: app => app.MapPost("/oauth2/Approval", async (HttpContext ctx) =>
        {
            ctx.Response.ContentLength = 100L << 20;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.FlushAsync(); // headers only: the client must not wait for 100 MB
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { });
        }));
        await using var client = new KisRealtimeClient(OptionsFor(peer));
        var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
        Assert.Contains("longer than 64 KiB", e.Message);
    }

    [Fact]
    public async Task The_servers_error_text_is_sanitised_never_echoing_the_secret_or_the_app_key()
    {
        // A server that echoes the request back in its error text, with terminal escapes, a forged log line and padding.
        await using var peer = await KestrelPeer.StartAsync(configure: app => app.MapPost("/oauth2/Approval", async (HttpContext ctx) =>
        {
            var request = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
            var text = "bad request \u001b[31m" + request + "\nINFO forged line approval : my-own-key-shape-1234 " + new string('x', 5000);
            return Results.Json(new Dictionary<string, string> { ["error_code"] = "EGW00105", ["error_description"] = text }, statusCode: 403);
        }));
        var sink = new CapturingLoggerProvider();
        using var factory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(sink));
        await using var client = new KisRealtimeClient(OptionsFor(peer) with { LoggerFactory = factory });
        var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TestTimeout));

        Assert.Equal(403, e.HttpStatus);
        Assert.Equal("EGW00105", e.ErrorCode);
        var shown = e.ToString() + string.Join("\n", sink.Lines);
        Assert.DoesNotContain(Secret, shown);
        Assert.DoesNotContain(Secret[..12], shown); // not even a prefix
        Assert.DoesNotContain(AppKey, shown);
        Assert.DoesNotContain("my-own-key-shape-1234", shown);
        Assert.DoesNotContain('\u001b', e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(e.Message.Length < 500, $"{e.Message.Length} characters");
        Assert.Contains("bad request", e.Message); // still says what the server said
    }

    [Fact]
    public async Task A_wrong_secret_after_a_good_run_fails_like_a_wrong_secret_though_a_key_is_cached()
    {
        await using var sim = await StartSimAsync();
        var dir = Path.Combine(Path.GetTempPath(), $"kisrt-test-{Guid.NewGuid():N}");
        var file = Path.Combine(dir, "approval.json");
        try
        {
            await using (var good = new KisRealtimeClient(Options(sim) with { ApprovalKeyCacheFile = file }))
                await good.ConnectAsync().WaitAsync(TestTimeout);
            Assert.DoesNotContain(SimulatorOptions.DefaultAppSecret, await File.ReadAllTextAsync(file)); // a hash, never the secret

            var wrong = new KisCredential(SimulatorOptions.DefaultAppKey, "WRONG-secret");
            await using var client = new KisRealtimeClient(Options(sim, wrong) with { ApprovalKeyCacheFile = file });
            // Failed before: the key cached for (host, app key) was served and the session ran.
            var e = await Assert.ThrowsAsync<KisApprovalException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
            Assert.NotNull(e.HttpStatus);
            Assert.Equal(1, sim.Counters.ApprovalKeysIssued);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
