using System.Net;
using System.Net.Sockets;
using System.Text;
using static Kis.Realtime.Tests.Client.ClientTestKit;
using static Kis.Realtime.Tests.Client.ScriptedPeerTests;

namespace Kis.Realtime.Tests.Client;

/// <summary>Connecting, failing to connect, reconnecting within a budget, and what the state and events say meanwhile.</summary>
public sealed class ConnectionLifecycleTests
{
    /// <summary>A raw TCP server that answers every connection with <paramref name="reply"/> (then keeps it open).</summary>
    private static (TcpListener Listener, Task Loop) RawServer(byte[] reply)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var loop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptSocketAsync();
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            await socket.SendAsync(reply);
                            var sink = new byte[1024];
                            while (await socket.ReceiveAsync(sink) > 0) { }
                        }
                        catch (SocketException)
                        {
                        }
                        finally
                        {
                            socket.Dispose();
                        }
                    });
                }
            }
            catch (Exception)
            {
                // stopped
            }
        });
        return (listener, loop);
    }

    public static TheoryData<string> Failures => new() { "nothing listening", "no upgrade", "oversized handshake" };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_first_connection_that_fails_surfaces_as_a_typed_exception(string failure)
    {
        await using var rest = ScriptedKisServer.Start(c => Task.CompletedTask);
        TcpListener? listener = null;
        Uri url;
        using var closed = new RefusingPort();
        if (failure == "nothing listening")
        {
            url = new Uri($"ws://127.0.0.1:{closed.Port}/");
        }
        else
        {
            var reply = failure == "no upgrade"
                ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray()
                : Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nX-Filler: " + new string('x', 200_000));
            (listener, _) = RawServer(reply);
            url = new Uri($"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        }
        try
        {
            await using var client = new KisRealtimeClient(OptionsFor(rest) with { WebSocketUrl = url, ConnectTimeout = TimeSpan.FromSeconds(5) });
            var e = await Assert.ThrowsAsync<KisConnectionException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
            Assert.Equal(url, e.Url);
            Assert.Equal(KisConnectionState.Faulted, client.State);

            // A subscription on the faulted client tries again and fails the same typed way, without hanging.
            await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
            await Assert.ThrowsAsync<KisConnectionException>(() => ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        }
        finally
        {
            listener?.Stop();
        }
    }

    [Fact]
    public async Task An_approval_server_that_cannot_be_reached_is_a_connection_failure()
    {
        // Nothing listens on either URL: the REST server issuing the approval key is the first one tried.
        using var closed = new RefusingPort();
        var port = closed.Port;
        var rest = new Uri($"http://127.0.0.1:{port}/");
        await using var client = new KisRealtimeClient(KisRealtimeOptions.Default with
        {
            Credentials = [new KisCredential("PSunreachableAppKey000000000000000", "unreachable-secret")],
            WebSocketUrl = new Uri($"ws://127.0.0.1:{port}/"),
            RestBaseUrl = rest,
        });
        var e = await Assert.ThrowsAsync<KisConnectionException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
        Assert.Equal(rest, e.Url);
        Assert.IsType<KisApprovalException>(e.InnerException);
        Assert.DoesNotContain("unreachable-secret", e.ToString());
        Assert.Equal(KisConnectionState.Faulted, client.State);
    }

    [Fact]
    public void Every_library_exception_shares_one_base_carrying_KIS_codes()
    {
        var refused = new KisSubscriptionException("H0STCNT0", "005930", Kis.Realtime.Protocol.OpspCode.InvalidTrKey, "OPSP8992", "invalid tr_key");
        KisException[] all =
        [
            new KisConnectionException(new Uri("ws://127.0.0.1:1/"), "connection refused"),
            new KisApprovalException("refused", 403, "EGW00103"),
            refused,
            new KisSlowConsumerException("H0STCNT0", "005930", TimeSpan.FromSeconds(10)),
        ];
        Assert.All(all, e => Assert.IsAssignableFrom<KisException>(e));
        Assert.Equal("OPSP8992", refused.ErrorCode);
        Assert.Equal(403, all[1].HttpStatus);
        Assert.Equal("EGW00103", all[1].ErrorCode);
    }

    [Fact]
    public async Task Subscriptions_racing_a_failing_first_connect_all_end()
    {
        await using var rest = ScriptedKisServer.Start(c => Task.CompletedTask);
        using var closed = new RefusingPort();
        var deadUrl = new Uri($"ws://127.0.0.1:{closed.Port}/");
        for (var round = 0; round < 10; round++)
        {
            await using var client = new KisRealtimeClient(OptionsFor(rest) with { WebSocketUrl = deadUrl });
            var connect = client.ConnectAsync();
            var moves = new List<Task<bool>>();
            for (var i = 1; i <= 20; i++)
            {
                var e = client.SubscribeIndexTicksAsync($"{i:D4}").GetAsyncEnumerator();
                moves.Add(e.MoveNextAsync().AsTask());
            }
            await Assert.ThrowsAsync<KisConnectionException>(() => connect.WaitAsync(TestTimeout));
            foreach (var m in moves) await Assert.ThrowsAsync<KisConnectionException>(() => m.WaitAsync(TestTimeout));
        }
    }

    [Fact]
    public async Task State_reads_Connecting_while_the_first_session_connects()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedKisServer.Start(c => c.ServeUntilClosedAsync());
        server.ApprovalGate = () => release.Task;
        await using var client = new KisRealtimeClient(OptionsFor(server));
        Assert.Equal(KisConnectionState.Closed, client.State);
        var connect = client.ConnectAsync();
        Assert.Equal(KisConnectionState.Connecting, client.State);
        release.SetResult();
        await connect.WaitAsync(TestTimeout);
        Assert.Equal(KisConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task A_StateChanged_handler_may_read_Statistics_from_another_thread()
    {
        await using var server = ScriptedKisServer.Start(c => c.ServeUntilClosedAsync());
        await using var client = new KisRealtimeClient(OptionsFor(server));
        var handled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            // Blocks this handler until another thread has read the statistics: a deadlock if handlers ran under a library lock.
            handled.TrySetResult(CompletesOnAnotherThread(() => _ = client.Statistics.Registrations));
        };
        await client.ConnectAsync().WaitAsync(TestTimeout);
        Assert.True(await handled.Task.WaitAsync(TestTimeout), "the handler could not read Statistics");
    }

    [Fact]
    public async Task An_approval_key_outage_is_reported_in_the_state_with_the_next_retry()
    {
        await using var server = ScriptedKisServer.Start(c => c.ServeUntilClosedAsync());
        server.ApprovalStatus = 503;
        await using var client = new KisRealtimeClient(OptionsFor(server)
            with { RetryOnInitialConnect = true, ReconnectMinDelay = TimeSpan.FromMilliseconds(50) });
        var outage = NextStateAsync(client, e => e.Reason?.Contains("approval key unavailable", StringComparison.Ordinal) == true && e.RetryIn is not null);
        var connect = client.ConnectAsync();
        var e = await outage;
        Assert.Equal(KisConnectionState.Connecting, e.Current);
        Assert.Contains("503", e.Reason);
        server.ApprovalStatus = 200; // the outage ends: the retry connects
        await connect.WaitAsync(TestTimeout);
        Assert.Equal(KisConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task A_server_that_accepts_and_closes_after_a_second_gets_at_most_the_budgeted_attempts_per_minute()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var start = time.GetUtcNow();
        var connectedAt = new List<TimeSpan>();
        var subscribed = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var close = new SemaphoreSlim(0);
        await using var server = ScriptedKisServer.Start(async c =>
        {
            lock (connectedAt) connectedAt.Add(time.GetUtcNow() - start);
            subscribed.Writer.TryWrite(c.Number);
            var serving = c.ServeUntilClosedAsync();
            var closing = close.WaitAsync();
            if (await Task.WhenAny(serving, closing) == closing)
            {
                await c.SendFrameAsync(0x8, [0x03, 0xE8]); // close 1000, as a server that ends sessions politely
                await serving;
            }
        });

        var retries = System.Threading.Channels.Channel.CreateUnbounded<TimeSpan>();
        await using var client = new KisRealtimeClient(OptionsFor(server) with
        {
            TimeProvider = time,
            SubscribePacing = TimeSpan.Zero, // nothing else waits on the fake clock, which only the test moves
            ReconnectMinDelay = TimeSpan.FromMilliseconds(500),
            ReconnectMaxDelay = TimeSpan.FromSeconds(2), // the backoff alone would allow ~20 connections a minute here
        });
        client.StateChanged += (_, e) =>
        {
            if (e.RetryIn is { } wait) retries.Writer.TryWrite(wait);
        };
        var connect = client.ConnectAsync(); // a session with no registration reconnects all the same

        Assert.Equal(1, await subscribed.Reader.ReadAsync().AsTask().WaitAsync(TestTimeout));
        Task<TimeSpan>? retry = null;
        for (var connection = 2; connection <= 13; connection++)
        {
            time.Advance(TimeSpan.FromSeconds(1.1)); // the connection lived 1.1 s
            close.Release();
            // Follow the client's waits on the fake clock (backoff, then the budget's) until it connects again.
            var next = subscribed.Reader.ReadAsync().AsTask();
            while (true)
            {
                retry ??= retries.Reader.ReadAsync().AsTask();
                if (await Task.WhenAny(next, retry).WaitAsync(TestTimeout) == next) break;
                time.Advance(await retry);
                retry = null;
            }
            Assert.Equal(connection, await next);
        }

        lock (connectedAt)
        {
            Assert.Equal(13, connectedAt.Count);
            // Seen from the server (its handler reads the shared fake clock when it runs), with 100 ms of slack for
            // that reading; without the budget, 13 connections would come in about 30 s here.
            for (var i = 0; i + 6 < connectedAt.Count; i++)
                Assert.True(connectedAt[i + 6] - connectedAt[i] >= TimeSpan.FromSeconds(59.9),
                    $"7 connections within {(connectedAt[i + 6] - connectedAt[i]).TotalSeconds:0.0} s: " +
                    $"{string.Join(", ", connectedAt.Select(t => t.TotalSeconds.ToString("0.0")))}");
        }
        Assert.Equal(13, client.Statistics.ConnectAttempts);
        await connect.WaitAsync(TestTimeout);
    }
}
