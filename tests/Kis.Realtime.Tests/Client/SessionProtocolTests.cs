using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

/// <summary>Session behaviour checked against a scripted KIS peer (Kestrel), where the exact bytes and timing matter.</summary>
public sealed class SessionProtocolTests
{
    private static void MapApproval(WebApplication app) =>
        app.MapPost("/oauth2/Approval", () => Results.Json(new { approval_key = "11111111-2222-3333-4444-555555555555" }));

    private static KisRealtimeOptions OptionsFor(KestrelPeer peer) => KisRealtimeOptions.Default with
    {
        Credentials = [new KisCredential("PSpeerAppKey000000000000000000000000", "peer-secret")],
        WebSocketUrl = peer.WebSocketUrl,
        RestBaseUrl = peer.BaseUrl,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        LivenessTimeout = null,
    };

    private static async Task<string?> ReceiveText(WebSocket ws)
    {
        var buffer = new byte[8192];
        var total = 0;
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer.AsMemory(total), CancellationToken.None);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            total += r.Count;
            if (r.EndOfMessage) return Encoding.UTF8.GetString(buffer, 0, total);
        }
    }

    private static byte[] Reply(string trId, string trKey, string msgCd) => Encoding.UTF8.GetBytes(
        $"{{\"header\":{{\"tr_id\":\"{trId}\",\"tr_key\":\"{trKey}\",\"encrypt\":\"N\"}},\"body\":{{\"rt_cd\":\"0\",\"msg_cd\":\"{msgCd}\"," +
        $"\"msg1\":\"OK\"}}}}");

    [Fact]
    public async Task A_key_the_server_never_answers_fails_after_three_connections_instead_of_reconnecting_forever()
    {
        var connections = 0;
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            Interlocked.Increment(ref connections);
            while (await ReceiveText(ws) is not null) { } // reads every request, answers none
        }, MapApproval);
        await using var client = new KisRealtimeClient(OptionsFor(peer) with { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await Assert.ThrowsAsync<TimeoutException>(() => ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        // The server counts a connection after its upgrade answer: on a busy machine possibly after the client gave up.
        await UntilAsync(() => Volatile.Read(ref connections) >= 3, "the server's side of the third connection");
        Assert.Equal(3, Volatile.Read(ref connections));
    }

    [Fact]
    public async Task Pingpong_is_echoed_as_the_same_text_frame()
    {
        var ping = "{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261121093000\"}}";
        var echoed = new TaskCompletionSource<string?>();
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            await ws.SendAsync(Encoding.UTF8.GetBytes(ping), WebSocketMessageType.Text, true, CancellationToken.None);
            echoed.TrySetResult(await ReceiveText(ws));
            await ReceiveText(ws);
        }, MapApproval);
        await using var client = new KisRealtimeClient(OptionsFor(peer));
        await client.ConnectAsync().WaitAsync(TestTimeout);
        Assert.Equal(ping, await echoed.Task.WaitAsync(TestTimeout));
        await UntilAsync(() => client.Statistics.HeartbeatsAnswered == 1, "the heartbeat count");
    }

    /// <summary>Real time whose timers fire <paramref name="early"/> before they are due, as coarse OS timers may.</summary>
    private sealed class EarlyTimers(TimeSpan early) : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, dueTime > early ? dueTime - early : dueTime, period);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(30)] // a timer that fires early must not make a request early: the pacing waits out the remainder
    public async Task Requests_are_paced_never_early_and_replies_without_header_match_the_oldest_request(int timersFireEarlyMs)
    {
        var arrivals = new List<(long At, string TrKey, string TrType)>();
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            while (await ReceiveText(ws) is { } text)
            {
                using var doc = JsonDocument.Parse(text);
                var key = doc.RootElement.GetProperty("body").GetProperty("input").GetProperty("tr_key").GetString()!;
                var type = doc.RootElement.GetProperty("header").GetProperty("tr_type").GetString()!;
                lock (arrivals) arrivals.Add((Stopwatch.GetTimestamp(), key, type));
                // Success replies for subscribes; an unsubscribe is answered the way KIS answers "not found": no header.
                var reply = type == "1" ? Reply("H0UPCNT0", key, "OPSP0000")
                    : "{\"body\":{\"rt_cd\":\"1\",\"msg_cd\":\"OPSP0003\",\"msg1\":\"UNSUBSCRIBE ERROR(not found!)\"}}"u8.ToArray();
                await ws.SendAsync(reply, WebSocketMessageType.Text, true, CancellationToken.None);
            }
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }, MapApproval);

        var pacing = TimeSpan.FromMilliseconds(200);
        var time = timersFireEarlyMs == 0 ? TimeProvider.System : new EarlyTimers(TimeSpan.FromMilliseconds(timersFireEarlyMs));
        var client = new KisRealtimeClient(OptionsFor(peer) with { SubscribePacing = pacing, TimeProvider = time });
        using var cts = new CancellationTokenSource();
        // Connected first, so that the schedule below starts at the first request, not after a connection that a loaded
        // machine may make slow (unpaced requests after a slow connect would pass a check from the start).
        await client.ConnectAsync().WaitAsync(TestTimeout);
        // Taken before the client sends any request: an arrival can only be observed later than it happened.
        var start = Stopwatch.GetTimestamp();
        var enumerators = Enumerable.Range(1, 4).Select(i => client.SubscribeIndexTicksAsync($"{i:D4}").GetAsyncEnumerator(cts.Token)).ToList();
        var moves = enumerators.Select(e => e.MoveNextAsync().AsTask()).ToList();
        await UntilAsync(() => { lock (arrivals) return arrivals.Count == 4; }, "four subscribe requests");
        await UntilAsync(() => client.Statistics.Registrations == 4, "four registrations");
        await client.DisposeAsync(); // four releases, answered without a header: each matched, none left pending
        // Every enumeration ends. One whose subscribe reply had not been read yet when the client was disposed ends
        // with ObjectDisposedException (documented); the four requests were counted before their replies were read.
        foreach (var m in moves)
        {
            var ended = await Record.ExceptionAsync(async () => Assert.False(await m.WaitAsync(TestTimeout)));
            Assert.True(ended is null or ObjectDisposedException, $"enumeration ended with {ended}");
        }

        lock (arrivals)
        {
            Assert.Equal(8, arrivals.Count);
            Assert.Equal(["1", "1", "1", "1", "2", "2", "2", "2"], arrivals.Select(a => a.TrType));
            // The cumulative schedule: request i is sent at least i pacing intervals after the first, so it arrives at
            // least that long after the start, taken before the first was sent: with no tolerance, as the pacing waits
            // again when a timer fires early. Only a bound from the start is sound: the server may observe any arrival
            // late, the first included, and a late observation never makes an arrival look early.
            for (var i = 1; i < arrivals.Count; i++)
            {
                var sinceStart = Stopwatch.GetElapsedTime(start, arrivals[i].At);
                Assert.True(sinceStart >= pacing * i,
                    $"request {i} came {sinceStart.TotalMilliseconds:0.0} ms after the start");
            }
        }
        foreach (var e in enumerators) await e.DisposeAsync();
    }

    [Fact]
    public async Task A_stray_OPSP8996_for_no_pending_request_does_not_end_the_session()
    {
        var ping = "{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261121093000\"}}";
        var afterStray = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            await ReceiveText(ws); // the subscribe
            await ws.SendAsync(Reply("H0UPCNT0", "0001", "OPSP0000"), WebSocketMessageType.Text, true, CancellationToken.None);
            // An OPSP8996 naming a request this session never made (e.g. replayed from a recording), then a PINGPONG.
            await ws.SendAsync(Encoding.UTF8.GetBytes(
                "{\"header\":{\"tr_id\":\"H0UPCNT0\",\"tr_key\":\"9999\",\"encrypt\":\"N\"},\"body\":{\"rt_cd\":\"9\",\"msg_cd\":\"OPSP8996\"," +
                "\"msg1\":\"ALREADY IN USE appkey\"}}"),
                WebSocketMessageType.Text, true, CancellationToken.None);
            await ws.SendAsync(Encoding.UTF8.GetBytes(ping), WebSocketMessageType.Text, true, CancellationToken.None);
            afterStray.TrySetResult(await ReceiveText(ws)); // the echo, or null if the client closed
            while (await ReceiveText(ws) is not null) { }
        }, MapApproval);
        await using var client = new KisRealtimeClient(OptionsFor(peer));
        using var cts = new CancellationTokenSource();
        var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator(cts.Token);
        var first = ticks.MoveNextAsync().AsTask();
        Assert.Equal(ping, await afterStray.Task.WaitAsync(TestTimeout)); // still up: it answered the heartbeat
        Assert.Equal(KisConnectionState.Connected, client.State);
        Assert.Equal(0, client.Statistics.Reconnects);
        cts.Cancel();
        await CancelledAsync(first);
        await ticks.DisposeAsync();
    }

    [Fact]
    public async Task Garbage_messages_are_counted_and_the_session_goes_on()
    {
        var done = new TaskCompletionSource();
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            byte[][] garbage =
            [
                "{\"header\":"u8.ToArray(),                       // truncated JSON
                "hello"u8.ToArray(),                                 // neither data nor JSON
                "0|H0UPCNT0|abc|0001"u8.ToArray(),                   // bad record count
                "0|H0ZZZZZ0|001|x"u8.ToArray(),                      // unknown TR
                "1|H0IFCNI0|001|bm90IGVuY3J5cHRlZA=="u8.ToArray(),   // encrypted without a key
                [(byte)'{', 0xFF, 0xFE, (byte)'}'],                  // invalid UTF-8 JSON
                "{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"1\"}}"u8.ToArray(),
            ];
            foreach (var g in garbage) await ws.SendAsync(g, WebSocketMessageType.Text, true, CancellationToken.None);
            await ReceiveText(ws); // the PINGPONG echo: everything before it was read
            done.TrySetResult();
            await ReceiveText(ws);
        }, MapApproval);
        await using var client = new KisRealtimeClient(OptionsFor(peer));
        await client.ConnectAsync().WaitAsync(TestTimeout);
        await done.Task.WaitAsync(TestTimeout);
        Assert.Equal(6, client.Statistics.DecodeErrors);
        Assert.Equal(KisConnectionState.Connected, client.State);
        Assert.Equal(0, client.Statistics.Reconnects);
    }

    [Fact]
    public async Task Approval_key_echoed_by_the_server_is_masked_in_exceptions_and_logs()
    {
        const string approvalKey = "11111111-2222-3333-4444-555555555555"; // what MapApproval issues
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            // The live server echoes the rejected key in msg1 (and sends no header).
            while (await ReceiveText(ws) is not null)
                await ws.SendAsync(Encoding.UTF8.GetBytes(
                    $"{{\"body\":{{\"rt_cd\":\"1\",\"msg_cd\":\"OPSP0011\",\"msg1\":\"invalid approval : {approvalKey}\"}}}}"),
                    WebSocketMessageType.Text, true, CancellationToken.None);
        }, MapApproval);
        var sink = new CapturingLoggerProvider();
        using var factory = Microsoft.Extensions.Logging.LoggerFactory.Create(
            b => b.AddProvider(sink).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace));
        await using var client = new KisRealtimeClient(OptionsFor(peer) with { LoggerFactory = factory, SubscribePacing = TimeSpan.Zero });
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        var e = await Assert.ThrowsAsync<KisSubscriptionException>(async () => await ticks.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        Assert.Equal(Kis.Realtime.Protocol.OpspCode.InvalidApproval, e.Code); // reissued once, refused again: reported
        Assert.DoesNotContain(approvalKey, e.ToString());
        Assert.Contains("1111****", e.Message);
        Assert.DoesNotContain(approvalKey, string.Join("\n", sink.Lines));
    }

    [Fact]
    public async Task Liveness_and_backoff_run_on_the_injected_clock()
    {
        var connections = 0;
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            Interlocked.Increment(ref connections);
            await ReceiveText(ws); // a server that never sends anything: a stalled connection
        }, MapApproval);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var client = new KisRealtimeClient(OptionsFor(peer) with
        {
            TimeProvider = time,
            LivenessTimeout = TimeSpan.FromSeconds(300),
            ReconnectMinDelay = TimeSpan.FromSeconds(10),
        });
        await client.ConnectAsync().WaitAsync(TestTimeout);
        // The server counts a connection after it has sent the upgrade answer, so possibly after the client saw it.
        await UntilAsync(() => Volatile.Read(ref connections) == 1, "the server's side of the connection");

        var lost = NextStateAsync(client, e => e.Current == KisConnectionState.Reconnecting);
        time.Advance(TimeSpan.FromSeconds(299)); // quiet, but not for long enough
        Assert.Equal(KisConnectionState.Connected, client.State);
        time.Advance(TimeSpan.FromSeconds(1)); // 300 s of silence: the documented limit, not up to 75 s later (failed before: checked every 75 s)
        var e = await lost;
        Assert.Equal("stalled", e.Reason);
        Assert.InRange(e.RetryIn!.Value, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12)); // min delay ±20 %

        var back = NextStateAsync(client, e => e.Current == KisConnectionState.Connected);
        Assert.Equal(1, Volatile.Read(ref connections)); // no reconnect before the backoff delay passed
        await UntilAsync(() => { time.Advance(TimeSpan.FromSeconds(1)); return client.State == KisConnectionState.Connected; }, "the reconnect");
        await back;
        Assert.Equal(1, client.Statistics.Reconnects);
    }

    [Fact]
    public async Task Liveness_counts_from_the_last_message_received()
    {
        var sendPing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            await sendPing.Task;
            await ws.SendAsync("{\"header\":{\"tr_id\":\"PINGPONG\",\"datetime\":\"20261121090000\"}}"u8.ToArray(), WebSocketMessageType.Text, true,
                CancellationToken.None);
            while (await ReceiveText(ws) is not null) { } // reads the answers, sends nothing more
        }, MapApproval);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var client = new KisRealtimeClient(OptionsFor(peer) with { TimeProvider = time, LivenessTimeout = TimeSpan.FromSeconds(300) });
        await client.ConnectAsync().WaitAsync(TestTimeout);

        time.Advance(TimeSpan.FromSeconds(200));
        sendPing.SetResult();
        await UntilAsync(() => client.Statistics.HeartbeatsAnswered == 1, "the server's PINGPONG");
        var lost = NextStateAsync(client, e => e.Current == KisConnectionState.Reconnecting);
        time.Advance(TimeSpan.FromSeconds(299)); // 499 s since connecting, 299 s since the ping
        Assert.Equal(KisConnectionState.Connected, client.State);
        time.Advance(TimeSpan.FromSeconds(1)); // 300 s since the ping
        Assert.Equal("stalled", (await lost).Reason);
    }

    [Fact]
    public async Task Replies_with_a_header_match_their_request_even_out_of_order()
    {
        // The second subscribe starts once the peer HAS the first request: the registration is counted before its
        // request is sent, so waiting on Statistics.Registrations let 0002's request overtake 0001's (a CI flake).
        var firstReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peer = await KestrelPeer.StartAsync(async (ws, _) =>
        {
            var first = await ReceiveText(ws);
            firstReceived.TrySetResult();
            var second = await ReceiveText(ws);
            Assert.Contains("\"0001\"", first);
            Assert.Contains("\"0002\"", second);
            // Answer the second request first, then refuse the first one.
            await ws.SendAsync(Reply("H0UPCNT0", "0002", "OPSP0000"), WebSocketMessageType.Text, true, CancellationToken.None);
            await ws.SendAsync(("{\"header\":{\"tr_id\":\"H0UPCNT0\",\"tr_key\":\"0001\",\"encrypt\":\"N\"},"u8
                + "\"body\":{\"rt_cd\":\"1\",\"msg_cd\":\"OPSP8992\",\"msg1\":\"SUBSCRIBE ERROR : invalid tr_key\"}}"u8).ToArray(),
                WebSocketMessageType.Text, true, CancellationToken.None);
            await ws.SendAsync(("0|H0UPCNT0|001|0002^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^"u8
                + "2^18.14^2^0.92^1.27^0.70^0^670^72^177^0^0^0^19"u8).ToArray(),
                WebSocketMessageType.Text, true, CancellationToken.None);
            while (await ReceiveText(ws) is not null) // the release of 0002
                await ws.SendAsync(Reply("H0UPCNT0", "0002", "OPSP0001"), WebSocketMessageType.Text, true, CancellationToken.None);
        }, MapApproval);
        await using var client = new KisRealtimeClient(OptionsFor(peer) with { SubscribePacing = TimeSpan.Zero });
        await client.ConnectAsync().WaitAsync(TestTimeout);
        await using var a = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        var aFirst = a.MoveNextAsync().AsTask();
        await firstReceived.Task.WaitAsync(TestTimeout);
        await using var b = client.SubscribeIndexTicksAsync("0002").GetAsyncEnumerator();
        var tick = await b.NextAsync();
        Assert.Equal(2624.54m, tick.Value);
        var e = await Assert.ThrowsAsync<KisSubscriptionException>(() => aFirst.WaitAsync(TestTimeout));
        Assert.Equal(Kis.Realtime.Protocol.OpspCode.InvalidTrKey, e.Code);
        Assert.Equal("0001", e.TrKey);
    }

    [Fact]
    public async Task Unreachable_server_faults_the_first_connect()
    {
        await using var peer = await KestrelPeer.StartAsync(configure: MapApproval); // REST only: no WebSocket endpoint
        var states = new List<KisConnectionState>();
        await using var client = new KisRealtimeClient(OptionsFor(peer));
        client.StateChanged += (_, e) => { lock (states) states.Add(e.Current); };
        await Assert.ThrowsAsync<KisConnectionException>(() => client.ConnectAsync().WaitAsync(TestTimeout));
        Assert.Equal(KisConnectionState.Faulted, client.State);
        await Assert.ThrowsAsync<KisConnectionException>(() => client.ConnectAsync().WaitAsync(TestTimeout)); // tries again
        // Events are dispatched off the session's thread, in order: wait for the fourth.
        await UntilAsync(() => { lock (states) return states.Count >= 4; }, "four state changes");
        lock (states)
            Assert.Equal([KisConnectionState.Connecting, KisConnectionState.Faulted, KisConnectionState.Connecting, KisConnectionState.Faulted], states);
    }
}
