using static Kis.Realtime.Tests.Client.ClientTestKit;
using static Kis.Realtime.Tests.Client.ScriptedPeerTests;

namespace Kis.Realtime.Tests.Client;

/// <summary>
/// The registration life cycle where requests, replies, consumers and connections race: each test reproduces a defect
/// of the first session core against the raw-socket KIS stand-in, which keeps the server's view of what is registered.
/// </summary>
public sealed class RegistrationLifecycleTests
{
    private static string Index(string key, string time) =>
        $"0|H0UPCNT0|001|{key}^{time}^2600.00^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^1.27^0.70^0^670^72^" +
        $"177^0^0^0^19";

    /// <summary>What the server holds: subscribes it accepted minus releases it confirmed.</summary>
    private sealed class ServerView
    {
        private readonly HashSet<string> _held = new();
        public readonly List<string> Log = new();

        public void Record(int connection, string type, string key, bool heldAfter)
        {
            lock (this)
            {
                Log.Add($"{connection}:{type}:{key}");
                if (heldAfter) _held.Add(key);
                else _held.Remove(key);
            }
        }

        public void ConnectionEnded()
        {
            lock (this) _held.Clear();
        }

        public string[] Held
        {
            get
            {
                lock (this) return [.. _held];
            }
        }

        public string[] Snapshot()
        {
            lock (this) return [.. Log];
        }
    }

    [Fact]
    public async Task A_subscribe_held_up_by_an_approval_reissue_is_not_sent_after_its_consumer_left()
    {
        var view = new ServerView();
        var reissueWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var letReissueGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScriptedKisServer? serverRef = null;
        await using var server = serverRef = ScriptedKisServer.Start(async c =>
        {
            while (await c.ReceiveRequestAsync() is { } request)
            {
                var (type, trId, key) = request;
                if (type == "1" && view.Snapshot().Length == 0)
                {
                    view.Record(c.Number, type, key, heldAfter: false);
                    await c.SendTextAsync("{\"body\":{\"rt_cd\":\"1\",\"msg_cd\":\"OPSP0011\",\"msg1\":\"invalid approval : NOT FOUND\"}}");
                    continue;
                }
                view.Record(c.Number, type, key, heldAfter: type == "1");
                await c.ReplyAsync(trId, key, type == "1" ? "OPSP0000" : "OPSP0001");
            }
        });
        server.ApprovalGate = async () =>
        {
            if (serverRef!.ApprovalRequests.Count < 2) return;
            reissueWaiting.TrySetResult();
            await letReissueGo.Task;
        };

        var client = new KisRealtimeClient(OptionsFor(server));
        using var leave = new CancellationTokenSource();
        var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator(leave.Token);
        var first = ticks.MoveNextAsync().AsTask();
        await reissueWaiting.Task.WaitAsync(TestTimeout); // the first request was refused with OPSP0011; a new key is being issued
        leave.Cancel();
        await CancelledAsync(first);
        await ticks.DisposeAsync();
        letReissueGo.SetResult();
        await client.DisposeAsync();

        Assert.Empty(view.Held); // nothing leaked on the server
        Assert.Equal(["1:1:0001"], view.Snapshot()); // only the refused request went out
    }

    [Fact]
    public async Task A_release_without_reply_keeps_its_slot_until_the_connection_ends()
    {
        var view = new ServerView();
        var drop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refused = 0;
        await using var server = ScriptedKisServer.Start(async c =>
        {
            if (c.Number > 1)
            {
                var (_, trId, key) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
                view.Record(c.Number, "1", key, heldAfter: true);
                await c.ReplyAsync(trId, key);
                await c.SendTextAsync(Index(key, "090002"));
                await c.ServeUntilClosedAsync();
                return;
            }
            var receive = c.ReceiveRequestAsync();
            while (await Task.WhenAny(receive, drop.Task) == receive && await receive is { } request)
            {
                var (type, trId1, key1) = request;
                if (type == "2")
                {
                    view.Record(c.Number, "2-unanswered", key1, heldAfter: true); // this server never confirms releases
                    releaseSeen.TrySetResult();
                }
                else if (view.Held.Length >= 1)
                {
                    view.Record(c.Number, "1-refused", key1, heldAfter: false);
                    Interlocked.Increment(ref refused);
                    await c.SendTextAsync($"{{\"header\":{{\"tr_id\":\"{trId1}\",\"tr_key\":\"{key1}\"}},\"body\":{{\"rt_cd\":\"1\"," +
                        $"\"msg_cd\":\"OPSP0008\",\"msg1\":\"MAX SUBSCRIBE OVER\"}}}}");
                }
                else
                {
                    view.Record(c.Number, "1", key1, heldAfter: true);
                    await c.ReplyAsync(trId1, key1);
                    await c.SendTextAsync(Index(key1, "090001"));
                }
                receive = c.ReceiveRequestAsync();
            }
            view.ConnectionEnded();
            c.Drop();
        });

        await using var client = new KisRealtimeClient(OptionsFor(server)
            with { MaxRegistrationsPerSession = 1, RequestTimeout = TimeSpan.FromMilliseconds(200) });
        var a = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        Assert.Equal("0001", (await a.NextAsync()).IndexCode);
        await a.DisposeAsync(); // the release goes out and is never answered
        await releaseSeen.Task.WaitAsync(TestTimeout);

        await using var b = client.SubscribeIndexTicksAsync("1001").GetAsyncEnumerator();
        var bFirst = b.MoveNextAsync().AsTask();
        // The unconfirmed release still occupies the only slot, so 1001 waits instead of being refused (OPSP0008).
        await UntilAsync(() => client.Statistics.Registrations == 2 || Volatile.Read(ref refused) > 0, "1001 to wait or be sent");
        Assert.Equal(0, Volatile.Read(ref refused));
        drop.SetResult(); // the connection ends: the server forgets 0001, and 1001 goes out on the next connection
        Assert.True(await bFirst.WaitAsync(TestTimeout));
        Assert.Equal("1001", b.Current.IndexCode);
        Assert.Equal(0, Volatile.Read(ref refused));
        Assert.Equal(["1:1:0001", "1:2-unanswered:0001", "2:1:1001"], view.Snapshot());
    }

    [Fact]
    public async Task Dispose_during_resubscription_sends_no_new_subscribe_and_leaves_nothing_registered()
    {
        var view = new ServerView();
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedKisServer.Start(async c =>
        {
            if (c.Number == 1)
            {
                for (var i = 0; i < 5; i++)
                {
                    var (_, trId, key) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
                    await c.ReplyAsync(trId, key);
                }
                await c.SyncAsync();
                c.Drop();
                return;
            }
            var first = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            view.Record(c.Number, first.TrType, first.TrKey, heldAfter: true);
            inFlight.TrySetResult();
            await answer.Task;
            await c.ReplyAsync(first.TrId, first.TrKey);
            while (await c.ReceiveRequestAsync() is { } request)
            {
                var (type, trId2, key2) = request;
                view.Record(c.Number, type, key2, heldAfter: type == "1");
                await c.ReplyAsync(trId2, key2, type == "1" ? "OPSP0000" : "OPSP0001");
            }
        });

        var client = new KisRealtimeClient(OptionsFor(server) with { SubscribePacing = TimeSpan.FromMilliseconds(20) });
        var subscriptions = Enumerable.Range(1, 5).Select(i => client.SubscribeIndexTicksAsync($"{i:D4}").GetAsyncEnumerator()).ToList();
        var moves = subscriptions.Select(s => s.MoveNextAsync().AsTask()).ToList();
        await inFlight.Task.WaitAsync(TestTimeout); // reconnected; the first re-subscription awaits its reply
        var disposing = client.DisposeAsync().AsTask();
        answer.SetResult();
        await disposing.WaitAsync(TestTimeout);

        var log = view.Snapshot();
        Assert.Single(log, l => l.StartsWith("2:1:", StringComparison.Ordinal)); // only the one in flight
        Assert.Empty(view.Held); // and it was released once accepted
        foreach (var m in moves) await m.ContinueWith(_ => { }).WaitAsync(TestTimeout); // every first MoveNext ended
    }

    [Fact]
    public async Task A_registration_refused_once_after_a_reconnect_is_retried_not_ended()
    {
        await using var server = ScriptedKisServer.Start(async c =>
        {
            var (_, trId, key) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            if (c.Number == 1)
            {
                await c.ReplyAsync(trId, key);
                await c.SendTextAsync(Index(key, "090001"));
                await c.SyncAsync();
                c.Drop();
                return;
            }
            // The old session's registrations are still held: the first re-subscription is refused.
            await c.SendTextAsync($"{{\"header\":{{\"tr_id\":\"{trId}\",\"tr_key\":\"{key}\"}},\"body\":{{\"rt_cd\":\"1\",\"msg_cd\":\"OPSP0008\"," +
                $"\"msg1\":\"MAX SUBSCRIBE OVER\"}}}}");
            (_, trId, key) = await c.ReceiveRequestAsync() ?? throw new IOException("closed");
            await c.ReplyAsync(trId, key);
            await c.SendTextAsync(Index(key, "090002"));
            await c.ServeUntilClosedAsync();
        });
        await using var client = new KisRealtimeClient(OptionsFor(server));
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        Assert.Equal("09:00:01", (await ticks.NextAsync()).Time.ToString("HH:mm:ss"));
        Assert.Equal("09:00:02", (await ticks.NextAsync()).Time.ToString("HH:mm:ss"));
        Assert.Equal(1, client.Statistics.ResubscribeRefusals);
    }

    [Fact]
    public async Task A_registration_left_while_its_subscribe_is_unanswered_is_gone_after_the_connection_drops()
    {
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var drop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondConnectionRequests = 0;
        var secondConnection = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedKisServer.Start(async c =>
        {
            if (c.Number == 1)
            {
                await c.ReceiveRequestAsync(); // never answered
                requested.TrySetResult();
                await drop.Task;
                c.Drop();
                return;
            }
            secondConnection.TrySetResult();
            while (await c.ReceiveRequestAsync() is not null) Interlocked.Increment(ref secondConnectionRequests);
        });
        await using var client = new KisRealtimeClient(OptionsFor(server));
        await client.ConnectAsync().WaitAsync(TestTimeout);
        using var leave = new CancellationTokenSource();
        var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator(leave.Token);
        var first = ticks.MoveNextAsync().AsTask();
        await requested.Task.WaitAsync(TestTimeout);
        leave.Cancel();
        await CancelledAsync(first);
        await ticks.DisposeAsync();
        drop.SetResult();
        await secondConnection.Task.WaitAsync(TestTimeout);
        await UntilAsync(() => client.State == KisConnectionState.Connected, "the reconnect");
        Assert.Equal(0, client.Statistics.Registrations); // not held locally, not replayed
        await client.DisposeAsync();
        Assert.Equal(0, Volatile.Read(ref secondConnectionRequests));
    }
}
