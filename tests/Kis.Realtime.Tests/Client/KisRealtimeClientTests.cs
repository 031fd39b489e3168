using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Client;

public sealed class KisRealtimeClientTests
{
    [Fact]
    public async Task All_five_trs_are_delivered_typed()
    {
        await using var sim = await StartSimAsync();
        await using var client = new KisRealtimeClient(Options(sim));
        await client.ConnectAsync().WaitAsync(TestTimeout);
        Assert.Equal(KisConnectionState.Connected, client.State);

        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await using var bonds = client.SubscribeBondTradesAsync("KR103502GD31").GetAsyncEnumerator();
        await using var nxt = client.SubscribeProgramTradesAsync("005930", StockVenue.Nxt).GetAsyncEnumerator();
        await using var unified = client.SubscribeProgramTradesAsync("005930", StockVenue.Unified).GetAsyncEnumerator();
        await using var notices = client.SubscribeFuturesOptionsNoticesAsync().GetAsyncEnumerator();

        var tick = await ticks.NextAsync();
        Assert.Equal("0001", tick.IndexCode);
        Assert.True(tick.Value > 0);
        Assert.Equal("KR103502GD31", (await bonds.NextAsync()).Isin);
        var n = await nxt.NextAsync();
        Assert.Equal(("005930", StockVenue.Nxt), (n.StockCode, n.Venue));
        var u = await unified.NextAsync();
        Assert.Equal(("005930", StockVenue.Unified), (u.StockCode, u.Venue));
        var notice = await notices.NextAsync(); // encrypted on the wire: decrypted with this session's key
        Assert.Equal(SimulatorOptions.DefaultHtsId, notice.CustomerId);
        await using var upper = client.SubscribeFuturesOptionsNoticesAsync(SimulatorOptions.DefaultHtsId.ToUpperInvariant()).GetAsyncEnumerator();
        Assert.Equal(SimulatorOptions.DefaultHtsId, (await upper.NextAsync()).CustomerId); // HTS IDs route regardless of case

        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 5); // the upper-case HTS ID shares the registration
        Assert.Equal(0, client.Statistics.DecodeErrors);
        Assert.True(client.Statistics.RecordsDelivered >= 5);
    }

    [Fact]
    public async Task With_inline_delivery_every_subscription_gets_its_records_in_order()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(2_000) });
        await using var client = new KisRealtimeClient(Options(sim) with { InlineDelivery = true });
        var streams = new[] { "0001", "1001", "2001" }.Select(async code =>
        {
            var times = new List<TimeOnly>();
            // A body that awaits between records: inline delivery resumes it on the receive loop each time.
            await foreach (var tick in client.SubscribeIndexTicksAsync(code))
            {
                Assert.Equal(code, tick.IndexCode);
                times.Add(tick.Time);
                if (times.Count == 200) break;
                await Task.Yield();
            }
            return times;
        }).ToList();
        foreach (var times in await Task.WhenAll(streams).WaitAsync(TestTimeout))
            Assert.True(times.Zip(times.Skip(1)).All(p => p.First <= p.Second), "times go back");
        Assert.Equal(0, client.Statistics.Dropped);
        Assert.Equal(0, client.Statistics.DecodeErrors);
    }

    [Fact]
    public async Task Paper_environment_uses_H0IFCNI9_for_notices()
    {
        await using var sim = await StartSimAsync(o => o with { Profile = SimulatorProfile.Paper });
        await using var client = new KisRealtimeClient(Options(sim));
        var subscription = client.SubscribeAsync<FuturesOptionsNotice>(KisTrs.FuturesOptionsNotices, SimulatorOptions.DefaultHtsId);
        Assert.Equal("H0IFCNI9", subscription.Tr.Id);
        await using var notices = subscription.GetAsyncEnumerator();
        Assert.Equal(SimulatorOptions.DefaultHtsId, (await notices.NextAsync()).CustomerId);
        Assert.Throws<ArgumentException>(() => client.SubscribeIndexTicksAsync("0001")); // real-only TR
    }

    public enum Fault { Drop, Close, Stall, Malformed, NonUtf8 }

    [Theory]
    [InlineData(Fault.Drop)]
    [InlineData(Fault.Close)]
    [InlineData(Fault.Stall)]
    [InlineData(Fault.Malformed)]
    [InlineData(Fault.NonUtf8)]
    public async Task Survives_fault_and_resubscribes_without_duplicates(Fault fault)
    {
        await using var sim = await StartSimAsync();
        // A stall is detected by the liveness watchdog: short here (data flows at 50 records/s until the stall).
        await using var client = new KisRealtimeClient(Options(sim) with
        {
            LivenessTimeout = fault == Fault.Stall ? TimeSpan.FromSeconds(1) : Options(sim).LivenessTimeout,
        });
        await client.ConnectAsync().WaitAsync(TestTimeout);
        await using var ticks = client.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001").GetAsyncEnumerator();
        await using var bonds = client.SubscribeBondTradesAsync("KR103502GD31").GetAsyncEnumerator();
        await using var notices = client.SubscribeRecordsAsync(KisTrs.FuturesOptionsNotices, SimulatorOptions.DefaultHtsId).GetAsyncEnumerator();
        await ticks.NextAsync();
        await bonds.NextAsync();
        await notices.NextAsync();

        var reconnected = NextStateAsync(client, e => e.Previous == KisConnectionState.Reconnecting && e.Current == KisConnectionState.Connected);
        var before = client.Statistics;
        switch (fault)
        {
            case Fault.Drop: await sim.Faults.DropConnections(); break;
            case Fault.Close: await sim.Faults.CloseConnections(); break;
            case Fault.Stall:
                var lost = NextStateAsync(client, e => e.Current == KisConnectionState.Reconnecting);
                await sim.Faults.Stall();
                Assert.Contains("stalled", (await lost).Reason);
                await sim.Faults.Unstall();
                break;
            case Fault.Malformed: await sim.Faults.SendMalformedFrame(); break;
            case Fault.NonUtf8:
                await sim.Faults.SendNonUtf8Frame();
                BondTrade bond;
                do bond = await bonds.NextAsync(); while (bond.Name != "국고03250-5303(23-2)"); // cp949 decoded
                break;
        }

        var resumeAfter = DateTimeOffset.UtcNow;
        if (fault is Fault.Drop or Fault.Close or Fault.Stall)
        {
            await reconnected;
            Assert.Equal(before.Reconnects + 1, client.Statistics.Reconnects);
        }
        else
        {
            Assert.Equal(0, client.Statistics.Reconnects);
            if (fault == Fault.Malformed) await UntilAsync(() => client.Statistics.DecodeErrors == before.DecodeErrors + 1, "the decode error");
        }

        // Data flows again on every subscription.
        KisRecord record;
        do record = await ticks.NextAsync(); while (record.ReceivedAt < resumeAfter);
        Assert.Equal("0001", record.TrKey);
        Assert.StartsWith("0001^", System.Text.Encoding.ASCII.GetString(record.Data.Span));
        await bonds.NextAsync();
        // Notices are encrypted with per-session keys: after a reconnect they decrypt with the new session's key.
        do record = await notices.NextAsync(); while (record.ReceivedAt < resumeAfter);
        Assert.True(FuturesOptionsNotice.TryDecode(record.Tr, record.Data.Span, out var notice, out var error), error.Describe(record.Tr));
        Assert.Equal(SimulatorOptions.DefaultHtsId, notice.CustomerId);
        Assert.Equal(before.DecodeErrors + (fault == Fault.Malformed ? 1 : 0), client.Statistics.DecodeErrors);

        // Exactly one session holding each registration once: nothing was registered twice.
        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 3);
        var subs = sim.Sessions[0].Subscriptions;
        Assert.Equal(3, subs.Distinct().Count());
        Assert.Equal(0, sim.Counters.Replies("OPSP0002"));
        Assert.Equal(KisConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task Expired_approval_key_is_reissued_once_and_everything_resubscribed()
    {
        await using var sim = await StartSimAsync();
        await using var client = new KisRealtimeClient(Options(sim));
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await ticks.NextAsync();
        Assert.Equal(1, sim.Counters.ApprovalKeysIssued);

        await sim.Faults.ExpireApprovalKeys();
        // A new subscription on the live session meets OPSP0011, reissues, retries.
        await using var bonds = client.SubscribeBondTradesAsync("KR103502GD31").GetAsyncEnumerator();
        await bonds.NextAsync();
        Assert.Equal(2, sim.Counters.ApprovalKeysIssued);
        Assert.Equal(1, sim.Counters.Replies("OPSP0011"));

        // Again, on a reconnect: the replay meets OPSP0011 once and every registration comes back.
        await sim.Faults.ExpireApprovalKeys();
        var reconnected = NextStateAsync(client, e => e.Previous == KisConnectionState.Reconnecting && e.Current == KisConnectionState.Connected);
        await sim.Faults.DropConnections();
        await reconnected;
        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 2);
        Assert.Equal(3, sim.Counters.ApprovalKeysIssued);
        Assert.Equal(2, sim.Counters.Replies("OPSP0011"));
    }

    [Fact]
    public async Task App_key_in_use_reports_a_clear_state_and_backs_off()
    {
        await using var sim = await StartSimAsync();
        sim.Faults.RefuseNewSessions(true);
        await using var client = new KisRealtimeClient(Options(sim) with { AppKeyInUseRetryDelay = TimeSpan.FromMilliseconds(600) });
        var inUse = NextStateAsync(client, e => e.Code == OpspCode.AppKeyInUse);
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        var first = ticks.MoveNextAsync().AsTask();

        var e = await inUse;
        Assert.Equal(KisConnectionState.Reconnecting, e.Current);
        Assert.Contains("OPSP8996", e.Reason);
        Assert.True(e.RetryIn >= TimeSpan.FromMilliseconds(480), $"retry in {e.RetryIn}"); // the long delay (±20 %), not the 50 ms backoff
        Assert.False(first.IsCompleted);

        sim.Faults.RefuseNewSessions(false);
        Assert.True(await first.WaitAsync(TestTimeout)); // registered once the key is free, data flows
        Assert.Equal("0001", ticks.Current.IndexCode);
    }

    [Fact]
    public async Task Second_client_with_the_same_app_key_gets_OPSP8996()
    {
        await using var sim = await StartSimAsync();
        await using var a = new KisRealtimeClient(Options(sim));
        await using var ta = a.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await ta.NextAsync();
        await using var b = new KisRealtimeClient(Options(sim) with { AppKeyInUseRetryDelay = TimeSpan.FromSeconds(30) });
        var inUse = NextStateAsync(b, e => e.Code == OpspCode.AppKeyInUse);
        using var cts = new CancellationTokenSource();
        var tb = b.SubscribeIndexTicksAsync("1001").GetAsyncEnumerator(cts.Token);
        var pending = tb.MoveNextAsync().AsTask();
        Assert.Equal(KisConnectionState.Reconnecting, (await inUse).Current);
        Assert.Equal(KisConnectionState.Reconnecting, b.State);
        cts.Cancel();
        await CancelledAsync(pending);
        await tb.DisposeAsync();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await b.DisposeAsync(); // waiting out the 30 s OPSP8996 delay: shutdown does not wait for it
        // Well under the 30 s a shutdown that waited would take, well over what a loaded machine needs to close.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"dispose took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task The_41_registration_cap_is_enforced_locally()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.Off });
        await using var client = new KisRealtimeClient(Options(sim));
        using var cts = new CancellationTokenSource();
        var enumerators = Enumerable.Range(1, 41).Select(i => client.SubscribeIndexTicksAsync($"{i:D4}").GetAsyncEnumerator(cts.Token)).ToList();
        var pending = enumerators.Select(e => e.MoveNextAsync().AsTask()).ToList();
        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 41);
        await UntilAsync(() => client.Statistics.Registrations == 41, "41 registrations");

        await using var extra = client.SubscribeIndexTicksAsync("0042").GetAsyncEnumerator();
        var error = await Assert.ThrowsAsync<KisSubscriptionLimitException>(async () => await extra.MoveNextAsync());
        Assert.Equal(41, error.LimitPerSession);
        Assert.Equal(0, sim.Counters.Replies("OPSP0008")); // never sent

        // A second consumer of a key already held needs no new registration.
        var shared = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator(cts.Token);
        pending.Add(shared.MoveNextAsync().AsTask());
        await UntilAsync(() => client.Statistics.Registrations == 41, "still 41");
        cts.Cancel();
        foreach (var p in pending) await CancelledAsync(p);
        foreach (var e in enumerators) await e.DisposeAsync();
        await shared.DisposeAsync();
        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 0);
    }

    [Fact]
    public async Task More_than_41_registrations_spread_over_app_keys()
    {
        var second = new SimulatorCredential("PSsecondAppKeyForSpreadingTest000000", "second-secret", "simuser02");
        await using var sim = await StartSimAsync(o => o with
        {
            Pace = MarketPace.PerSecond(5),
            Credentials = [new(SimulatorOptions.DefaultAppKey, SimulatorOptions.DefaultAppSecret, SimulatorOptions.DefaultHtsId), second],
        });
        await using var client = new KisRealtimeClient(Options(sim, DefaultCredential, new KisCredential(second.AppKey, second.AppSecret)));
        var enumerators = Enumerable.Range(1, 50).Select(i => client.SubscribeIndexTicksAsync($"{i:D4}").GetAsyncEnumerator()).ToList();
        try
        {
            var firsts = await Task.WhenAll(enumerators.Select(e => e.NextAsync()));
            Assert.Equal(Enumerable.Range(1, 50).Select(i => $"{i:D4}"), firsts.Select(t => t.IndexCode));
            await SessionsAsync(sim, s => s.Count == 2 && s.Sum(x => x.Subscriptions.Count) == 50);
            Assert.Equal([41, 9], sim.Sessions.Select(s => s.Subscriptions.Count).OrderDescending());
            Assert.Equal(50, sim.Sessions.SelectMany(s => s.Subscriptions).Distinct().Count());
        }
        finally
        {
            foreach (var e in enumerators) await e.DisposeAsync();
        }
    }

    [Fact]
    public async Task Refused_subscription_throws_typed_exception()
    {
        await using var sim = await StartSimAsync();
        await using var client = new KisRealtimeClient(Options(sim));
        await using var notices = client.SubscribeFuturesOptionsNoticesAsync("wronguser").GetAsyncEnumerator();
        var e = await Assert.ThrowsAsync<KisSubscriptionException>(async () => await notices.MoveNextAsync());
        Assert.Equal(OpspCode.InvalidHtsId, e.Code);
        Assert.Equal("OPSP0017", e.MsgCd);

        sim.Faults.FailNextRequests(OpspCode.InvalidTrKey);
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        e = await Assert.ThrowsAsync<KisSubscriptionException>(async () => await ticks.MoveNextAsync());
        Assert.Equal(OpspCode.InvalidTrKey, e.Code);

        // The session goes on.
        await using var bonds = client.SubscribeBondTradesAsync("KR103502GD31").GetAsyncEnumerator();
        await bonds.NextAsync();
        Assert.Equal(0, client.Statistics.Reconnects);
        Assert.Throws<ArgumentException>(() => client.SubscribeIndexTicksAsync("KOSPI"));
    }

    [Fact]
    public async Task Leaving_the_loop_and_disposing_release_every_registration()
    {
        await using var sim = await StartSimAsync();
        var client = new KisRealtimeClient(Options(sim));
        await foreach (var tick in client.SubscribeIndexTicksAsync("0001"))
        {
            Assert.Equal("0001", tick.IndexCode);
            break; // releases 0001
        }
        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 0);
        Assert.Equal(1, sim.Counters.Replies("OPSP0001"));

        var a = client.SubscribeIndexTicksAsync("1001").GetAsyncEnumerator();
        var b = client.SubscribeBondTradesAsync("KR103502GD31").GetAsyncEnumerator();
        var c = client.SubscribeProgramTradesAsync("005930").GetAsyncEnumerator();
        await a.NextAsync();
        await b.NextAsync();
        await c.NextAsync();

        await client.DisposeAsync();
        Assert.Equal(4, sim.Counters.Replies("OPSP0001")); // each release answered before the close frame
        await SessionsAsync(sim, s => s.Count == 0);
        Assert.Equal(KisConnectionState.Closed, client.State);
        var left = 0;
        while (await a.MoveNextAsync().AsTask().WaitAsync(TestTimeout)) Assert.True(++left < 10_000); // buffered records, then a normal end
        await a.DisposeAsync();
        await b.DisposeAsync();
        await c.DisposeAsync();
    }

    [Fact]
    public async Task Raw_tap_sees_replies_heartbeats_and_data()
    {
        await using var sim = await StartSimAsync(o => o with { PingInterval = TimeSpan.FromMilliseconds(500) }); // needs a PINGPONG soon
        await using var client = new KisRealtimeClient(Options(sim));
        var raw = client.ReadRawMessagesAsync().GetAsyncEnumerator();
        await using var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        await ticks.NextAsync();
        bool reply = false, ping = false, data = false;
        while (!(reply && ping && data))
        {
            var m = await raw.NextAsync();
            var text = System.Text.Encoding.UTF8.GetString(m.Data.Span);
            reply |= text.Contains("OPSP0000");
            ping |= text.Contains("PINGPONG");
            data |= text.StartsWith("0|H0UPCNT0|");
        }
        await raw.DisposeAsync();
    }

    [Fact]
    public async Task Slow_consumer_drops_are_counted()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.FlatOut });
        await using var client = new KisRealtimeClient(Options(sim) with { SubscriptionCapacity = 8, FullMode = KisFullMode.DropOldest });
        long reportedTotal = 0; // drop events carry the running total (drops folded while an event waits)
        client.ItemDropped += d => Interlocked.Exchange(ref reportedTotal, d.DroppedBySubscription);
        var subscription = client.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001");
        await using var ticks = subscription.GetAsyncEnumerator();
        await ticks.NextAsync();
        await UntilAsync(() => subscription.Dropped > 100, "drops");
        var own = subscription.Dropped;
        Assert.True(client.Statistics.Dropped >= own);
        await UntilAsync(() => Interlocked.Read(ref reportedTotal) >= own, "drop events up to the subscription's count");
    }

    [Fact]
    public async Task Wait_mode_loses_nothing_with_a_slow_consumer()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.FlatOut });
        await using var client = new KisRealtimeClient(Options(sim) with { SubscriptionCapacity = 16, FullMode = KisFullMode.Wait });
        var subscription = client.SubscribeAsync<IndexTick>(KisTrs.IndexTicks, "0001");
        long lastVolume = -1, n = 0;
        await foreach (var tick in subscription.WithCancellation(new CancellationTokenSource(TestTimeout).Token))
        {
            Assert.True(tick.CumulativeVolume >= lastVolume); // cumulative: in order
            lastVolume = tick.CumulativeVolume;
            if (++n % 500 == 0) await Task.Yield(); // a consumer slower than the flat-out feed
            if (n == 20_000) break;
        }
        Assert.Equal(0, subscription.Dropped);
        Assert.Equal(0, client.Statistics.Dropped);
    }
}

/// <summary>Client heartbeat tests on real time: serial with the simulator's timing tests, intervals generous for a loaded machine.</summary>
[Collection("Simulator timing")]
public sealed class ClientHeartbeatTimingTests
{
    [Fact]
    public async Task Heartbeats_keep_the_session_up_for_many_intervals()
    {
        // One manual clock for both ends, moved an interval only once the last PINGPONG's echo is counted: on real time a
        // loaded machine could make an echo a whole interval late, which the simulator rightly takes for a missed one.
        var interval = TimeSpan.FromMilliseconds(500);
        var clock = new Kis.Realtime.Tests.Simulator.ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var sim = await StartSimAsync(o => o with { PingInterval = interval, Pace = MarketPace.Off, TimeProvider = clock });
        await using var client = new KisRealtimeClient(Options(sim) with { LivenessTimeout = TimeSpan.FromSeconds(3), TimeProvider = clock });
        await client.ConnectAsync().WaitAsync(TestTimeout);
        using var cts = new CancellationTokenSource();
        var subscription = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator(cts.Token);
        var first = subscription.MoveNextAsync().AsTask(); // registers; no data comes (pace off)
        await SessionsAsync(sim, s => s.Count == 1 && s[0].Subscriptions.Count == 1);

        // Eight answered PINGPONGs (4 s, past the watchdog's 3 s): with pace off they alone keep the client's watchdog
        // quiet, and the simulator closes a session at the first tick that finds its last PINGPONG unanswered.
        for (var pings = 1; pings <= 8; pings++)
        {
            clock.Advance(interval);
            var expected = pings;
            await UntilAsync(() => sim.Counters.PingsAnswered >= expected, $"PINGPONG {expected} answered");
        }
        Assert.Equal(8, client.Statistics.HeartbeatsAnswered);
        Assert.Equal(0, client.Statistics.Reconnects);
        Assert.Equal(0, sim.Counters.ClosesForMissedPing);
        Assert.Equal(8, sim.Counters.PingsAnswered);
        Assert.Equal(KisConnectionState.Connected, client.State);
        Assert.False(first.IsCompleted);
        cts.Cancel();
        await CancelledAsync(first);
        await subscription.DisposeAsync();
    }
}

/// <summary>Shutdown and Wait-mode liveness (found in review: each failed before its fix).</summary>
public sealed class ClientShutdownTests
{
    [Fact]
    public async Task Dispose_ends_a_first_MoveNext_still_waiting_for_its_registration()
    {
        await using var sim = await StartSimAsync();
        sim.Faults.RefuseNewSessions(true);
        var client = new KisRealtimeClient(Options(sim) with { AppKeyInUseRetryDelay = TimeSpan.FromSeconds(30) });
        var inUse = NextStateAsync(client, e => e.Code == OpspCode.AppKeyInUse);
        var ticks = client.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator(); // no cancellation token
        var first = ticks.MoveNextAsync().AsTask();
        await inUse.WaitAsync(TestTimeout);
        await client.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.WaitAsync(TestTimeout));
    }

    [Fact]
    public async Task In_wait_mode_a_consumer_leaving_a_shared_key_does_not_stall_the_session()
    {
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(500) });
        // A slow-consumer timeout far beyond the test: here the session must resume because the consumer leaves.
        await using var client = new KisRealtimeClient(Options(sim) with { FullMode = KisFullMode.Wait, SubscriptionCapacity = 2, LivenessTimeout = null,
            SlowConsumerTimeout = TimeSpan.FromMinutes(5) });
        var sub = client.SubscribeIndexTicksAsync("0001");
        var slow = sub.GetAsyncEnumerator();
        var fast = sub.GetAsyncEnumerator();
        // Both consumers attach before the first record: each first MoveNextAsync joins the registration synchronously.
        // (Awaiting the slow one first let its 2-record buffer fill before the fast one attached: a flaky test.)
        var slowFirst = slow.MoveNextAsync().AsTask();
        var fastFirst = fast.MoveNextAsync().AsTask();
        Assert.True(await slowFirst.WaitAsync(TestTimeout));
        Assert.True(await fastFirst.WaitAsync(TestTimeout));

        // The slow consumer stops reading: its 2-record buffer fills and the session waits for it (Wait mode), so the
        // fast consumer soon gets nothing more. Reading until that happens needs no clock: the fast reader blocks.
        var fastReads = 0;
        var blocked = false;
        while (!blocked)
        {
            var next = fast.MoveNextAsync().AsTask();
            // A bounded probe for "nothing arrives any more" (the session waits on the slow consumer), not a sleep.
            blocked = await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(500))) != next;
            if (!blocked) fastReads++;
            else
            {
                // The slow consumer leaves: the session must resume and the pending read must complete.
                await slow.DisposeAsync();
                Assert.True(await next.WaitAsync(TestTimeout));
            }
            Assert.True(fastReads < 100_000, "the session never blocked on the slow consumer");
        }
        Assert.True(await fast.MoveNextAsync().AsTask().WaitAsync(TestTimeout));
        await fast.DisposeAsync();
    }
}
