using Kis.Realtime.Gateway;
using Kis.Realtime.Protocol;
using Kis.Realtime.Simulator;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>Simulator → gateway → real RabbitMQ (started by scripts/services.sh) → consumers.</summary>
public class GatewayTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private static KisGatewayOptions GatewayOptions(KisSimulator sim, RabbitTestBroker broker) => KisGatewayOptions.Default with
    {
        Client = Options(sim),
        Endpoint = broker.Endpoint,
        Linger = TimeSpan.FromMilliseconds(300),
        Lease = TimeSpan.FromSeconds(10),
        StreamMaxSegmentSizeBytes = 1024 * 1024,
        StreamMaxLengthBytes = 64L * 1024 * 1024,
        StatusInterval = TimeSpan.FromSeconds(1),
    };

    private static KisGatewayClient Consumer(RabbitTestBroker broker, GatewayStart start, string name) => new(KisGatewayClientOptions.Default with
    {
        Endpoint = broker.Endpoint,
        Start = start,
        ConsumerId = name,
        RequestTimeout = TimeSpan.FromSeconds(20),
    });

    private static async Task<List<KisRecord>> TakeAsync(IAsyncEnumerable<KisRecord> records, int count)
    {
        var list = new List<KisRecord>(count);
        using var cts = new CancellationTokenSource(Long);
        await foreach (var record in records.WithCancellation(cts.Token))
        {
            list.Add(record);
            if (list.Count == count) break;
        }
        return list;
    }

    private static string Text(KisRecord r) => System.Text.Encoding.UTF8.GetString(r.Data.Span);

    [RabbitFact]
    public async Task Three_consumers_get_every_record_once_in_order_and_a_late_one_replays_from_the_start()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker));
        const int count = 120;
        string[] keys = ["0001", "1001"];

        // Two consumers from the first record of the stream, both keys each.
        await using var a = Consumer(broker, GatewayStart.First, "a");
        await using var b = Consumer(broker, GatewayStart.First, "b");
        var early = await Task.WhenAll(
            from c in new[] { a, b } from key in keys select TakeAsync(c.SubscribeRecordsAsync(KisTrs.IndexTicks, key), count));

        // The ground truth: the stream as published, read by a plain AMQP consumer. Sequence numbers 1, 2, 3 … per key: once each, in order.
        var stream = await broker.ReadStreamAsync("H0UPCNT0", 2 * count);
        foreach (var key in keys)
        {
            var ofKey = stream.Where(r => r.Key == key).ToList();
            Assert.Equal(Enumerable.Range(1, ofKey.Count).Select(i => (long)i), ofKey.Select(r => r.Seq));
        }

        // A consumer that starts late replays from the start: the same records, in the same order, no gap.
        await using var late = Consumer(broker, GatewayStart.First, "late");
        var replayed = await Task.WhenAll(keys.Select(key => TakeAsync(late.SubscribeRecordsAsync(KisTrs.IndexTicks, key), count)));

        for (var k = 0; k < keys.Length; k++)
        {
            var truth = stream.Where(r => r.Key == keys[k]).Select(r => System.Text.Encoding.UTF8.GetString(r.Body)).ToList();
            foreach (var list in new[] { early[k], early[keys.Length + k], replayed[k] })
            {
                Assert.All(list, r => Assert.Equal(keys[k], r.TrKey));
                var texts = list.Select(Text).ToList();
                Assert.Equal(truth.Take(Math.Min(truth.Count, count)), texts.Take(truth.Count));
            }
        }
        // Every record decodes with the library's views, on the consumer's side.
        await using var typed = Consumer(broker, GatewayStart.First, "typed");
        await using var ticks = typed.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        Assert.True(await ticks.MoveNextAsync().AsTask().WaitAsync(Long));
        Assert.Equal("0001", ticks.Current.IndexCode);
    }

    [RabbitFact]
    public async Task Live_subscriptions_of_one_TR_share_one_reader_of_its_stream_and_each_key_gets_its_own_records_once_in_order()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker));
        string[] keys = ["0001", "1001", "2001"];
        await using var consumer = Consumer(broker, GatewayStart.Live, "shared");

        // Three keys of H0UPCNT0, live: one reader of the stream (one AMQP consumer), not three.
        using var stop = new CancellationTokenSource(Long);
        var received = keys.ToDictionary(k => k, _ => new List<KisRecord>());
        using var firstOfEach = new CountdownEvent(keys.Length);
        var readers = keys.Select(key => Task.Run(async () =>
        {
            await foreach (var record in consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, key, stop.Token))
            {
                int count;
                lock (received)
                {
                    received[key].Add(record);
                    count = received[key].Count;
                }
                if (count == 1) firstOfEach.Signal();
                if (count == 60) break;
            }
        })).ToArray();
        Assert.True(await Task.Run(() => firstOfEach.Wait(Long)), "every key delivered");
        Assert.Equal(1, consumer.OpenReaders);
        await Task.WhenAll(readers);

        // Each key's records are its own and a gap-free run of the stream's records of that key.
        var lastOfEach = keys.Select(k => Text(received[k][^1])).ToHashSet();
        // Read until each key's last record is in: every record is looked at once (a message may carry several).
        var scanned = 0;
        var stream = await broker.ReadStreamAsync("H0UPCNT0", list =>
        {
            for (; scanned < list.Count; scanned++) lastOfEach.Remove(System.Text.Encoding.UTF8.GetString(list[scanned].Body));
            return lastOfEach.Count == 0;
        });
        foreach (var key in keys)
        {
            var mine = received[key].Select(Text).ToList();
            Assert.All(received[key], r => Assert.Equal(key, r.TrKey));
            var truth = stream.Where(r => r.Key == key).Select(r => System.Text.Encoding.UTF8.GetString(r.Body)).ToList();
            var start = truth.IndexOf(mine[0]);
            Assert.True(start >= 0, $"{key}: the first record is on the stream");
            Assert.Equal(truth.Skip(start).Take(mine.Count), mine);
        }

        // The last subscription gone, the shared reader is closed.
        Assert.Equal(0, consumer.OpenReaders);
    }

    [RabbitFact]
    public async Task A_subscription_that_does_not_keep_up_moves_to_a_reader_of_its_own_and_neither_it_nor_the_others_stall_or_lose_records()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker));
        await using var consumer = new KisGatewayClient(KisGatewayClientOptions.Default with
        {
            Endpoint = broker.Endpoint,
            ConsumerId = "slow",
            RequestTimeout = TimeSpan.FromSeconds(20),
            SubscriptionCapacity = 4,
        });
        using var stop = new CancellationTokenSource(Long);

        // The loop over 0001 waits, inside its body, for records of 1001 (same TR, same shared reader): 0001's small
        // buffer fills meanwhile. Sharing must not turn that into a deadlock.
        await using var slow = consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001", stop.Token).GetAsyncEnumerator();
        Assert.True(await slow.MoveNextAsync());
        var slowTexts = new List<string> { Text(slow.Current) };
        var others = await TakeAsync(consumer.SubscribeRecordsAsync(KisTrs.IndexTicks, "1001", stop.Token), 50);
        Assert.All(others, r => Assert.Equal("1001", r.TrKey));
        await UntilAsync(() => consumer.OpenReaders == 1, "only 0001's own reader left (1001's subscription ended, the shared reader with it)");

        // The slow one goes on from where it was: a gap-free run of the stream's records of its key.
        while (slowTexts.Count < 120 && await slow.MoveNextAsync()) slowTexts.Add(Text(slow.Current));
        // Read until the slow key's last record is in (not necessarily the last of its message).
        var scanned = 0;
        var stream = await broker.ReadStreamAsync("H0UPCNT0", list =>
        {
            for (; scanned < list.Count; scanned++)
                if (list[scanned].Key == "0001" && System.Text.Encoding.UTF8.GetString(list[scanned].Body) == slowTexts[^1]) return true;
            return false;
        });
        var truth = stream.Where(r => r.Key == "0001").Select(r => System.Text.Encoding.UTF8.GetString(r.Body)).ToList();
        var start = truth.IndexOf(slowTexts[0]);
        Assert.True(start >= 0, "the slow subscription's first record is on the stream");
        Assert.Equal(truth.Skip(start).Take(slowTexts.Count), slowTexts);
    }

    [RabbitFact]
    public async Task Kis_refusals_reach_the_consumer_as_typed_errors()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync();
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker));
        await using var consumer = Consumer(broker, GatewayStart.Live, "refused");

        await using var notices = consumer.SubscribeFuturesOptionsNoticesAsync("wronguser").GetAsyncEnumerator();
        var e = await Assert.ThrowsAsync<KisSubscriptionException>(async () => await notices.MoveNextAsync());
        Assert.Equal(OpspCode.InvalidHtsId, e.Code);
        Assert.Equal("OPSP0017", e.MsgCd);

        sim.Faults.FailNextRequests(OpspCode.InvalidTrKey);
        await using var ticks = consumer.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        e = await Assert.ThrowsAsync<KisSubscriptionException>(async () => await ticks.MoveNextAsync());
        Assert.Equal(OpspCode.InvalidTrKey, e.Code);

        // Bad input is refused before anything is sent; a refused key is not held; the next request works.
        Assert.Throws<ArgumentException>(() => consumer.SubscribeIndexTicksAsync("KOSPI"));
        await using var bonds = consumer.SubscribeBondTradesAsync("KR103502GD31").GetAsyncEnumerator();
        Assert.True(await bonds.MoveNextAsync().AsTask().WaitAsync(Long));
        var status = await consumer.GetStatusAsync();
        Assert.Equal(["H0BJCNT0"], status.Registrations.Select(r => r.Tr));
    }

    [RabbitFact]
    public async Task Registrations_are_shared_counted_and_released_after_the_linger()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync();
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker));
        await using var one = Consumer(broker, GatewayStart.Live, "one");
        await using var two = Consumer(broker, GatewayStart.Live, "two");

        var first = one.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        var second = two.SubscribeIndexTicksAsync("0001").GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync().AsTask().WaitAsync(Long));
        Assert.True(await second.MoveNextAsync().AsTask().WaitAsync(Long));
        await SessionsAsync(sim, s => s.Sum(x => x.Subscriptions.Count) == 1); // one KIS registration for both
        var status = await one.GetStatusAsync();
        var registration = Assert.Single(status.Registrations);
        Assert.Equal(("H0UPCNT0", "0001", 2, "active"), (registration.Tr, registration.Key, registration.Consumers, registration.State));
        Assert.Equal(2, status.Consumers);
        Assert.True(status.BrokerConnected);
        Assert.Equal(KisConnectionState.Connected, Assert.Single(status.Sessions).State);

        // One leaves: still registered. The other leaves: released after the linger.
        await first.DisposeAsync();
        await UntilAsync(() => gateway.Status().Registrations is [{ Consumers: 1 }], "one claim left");
        Assert.Single(sim.Sessions.SelectMany(s => s.Subscriptions));
        await second.DisposeAsync();
        await SessionsAsync(sim, s => s.Sum(x => x.Subscriptions.Count) == 0);
        Assert.Empty(gateway.Status().Registrations);
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        Assert.Equal(0, gateway.Status().Overflowed);
    }

    [RabbitFact]
    public async Task A_consumer_started_late_replays_from_0900_of_the_simulated_day_or_from_any_time_without_a_gap_or_an_earlier_record()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker));
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        await UntilAsync(() => gateway.Status().Confirmed >= 250, "2.5 s of records in the stream");

        // The demo day began at KRX's open when the simulator started (one market second per second): that moment on the
        // wall clock. The open is 09:00, 10:00 on a late open (a CI run on Dec 31 has its demo on the year's first trading day).
        var market = sim.MarketTime;
        var open = MarketCalendar.KrxStocks.OpenOf(DateOnly.FromDateTime(market), TradingSessions.Regular).DateTime;
        var nine = DateTimeOffset.UtcNow - (market - open);
        Assert.InRange(market - open, TimeSpan.Zero, TimeSpan.FromHours(0.1));
        await using var fromNine = Consumer(broker, GatewayStart.FromTime(nine), "from-nine");
        var day = await TakeAsync(fromNine.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001"), 250);
        var stream = (await broker.ReadStreamAsync("H0UPCNT0", 250)).Select(r => System.Text.Encoding.UTF8.GetString(r.Body)).ToList();
        Assert.Equal(stream.Take(250), day.Select(Text)); // the whole day so far, from seq 1, in order

        // From a time inside a second (the broker finds places to the second): the first record received at or after it, then
        // every later one. Record times are each record's own, so the boundary is exact.
        var at = day[150].ReceivedAt - TimeSpan.FromTicks(5);
        var first = day.FindIndex(r => r.ReceivedAt >= at);
        Assert.InRange(first, 1, 150);
        await using var fromAt = Consumer(broker, GatewayStart.FromTime(at), "from-at");
        var later = await TakeAsync(fromAt.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001"), 100);
        Assert.Equal(day.Skip(first).Take(100).Select(Text), later.Select(Text));
        Assert.All(later, r => Assert.True(r.ReceivedAt >= at, $"{r.ReceivedAt:O} is before the start {at:O}"));
    }

    [RabbitFact]
    public async Task A_key_registered_again_after_its_release_continues_its_sequence_so_a_replay_loses_nothing_as_a_repeat()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker));

        // Wanted, left, released after the linger; wanted again later: two KIS registrations of one key in one run.
        for (var round = 0; round < 2; round++)
        {
            await using var live = Consumer(broker, GatewayStart.Live, $"round-{round}");
            await TakeAsync(live.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001"), 20);
            await live.DisposeAsync();
            await UntilAsync(() => gateway.Status().Registrations.Count == 0, "the registration released after its linger");
        }
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        var published = gateway.Status().Confirmed;

        // (run, key, seq) names each record: the second registration goes on from the first one's last seq.
        var stream = await broker.ReadStreamAsync("H0UPCNT0", (int)published);
        Assert.Equal(Enumerable.Range(1, stream.Count).Select(i => (long)i), stream.Select(r => r.Seq));
        // A replay reads both registrations' records, none taken for a repeat.
        await using var replay = Consumer(broker, GatewayStart.First, "replay");
        var replayed = await TakeAsync(replay.SubscribeRecordsAsync(KisTrs.IndexTicks, "0001"), stream.Count);
        Assert.Equal(stream.Select(r => System.Text.Encoding.UTF8.GetString(r.Body)), replayed.Select(Text));
        Assert.Equal(0, replay.DuplicatesDropped);
    }

    [RabbitFact]
    public async Task The_gateways_own_client_hands_records_on_from_the_sessions_receive_thread_without_a_wake_up_per_record()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        var sink = new ThreadRecordingSink();
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker) with { Sinks = [sink] });
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        // Records already waiting when the pump starts are taken on the thread it starts on; from the first record that
        // finds it waiting on, every record reaches the sink on one of the session's receive threads (kis-receive-0a/b,
        // which take turns): not a delivery thread (kis-delivery-N) or the thread pool, since the pumps only hand records
        // on and run inline.
        static bool OnReceiveThread(string thread) => thread.StartsWith("kis-receive-0", StringComparison.Ordinal);
        await UntilAsync(() => sink.Threads.Any(OnReceiveThread), "a record handed on by a receive thread");
        var from = sink.Threads.FindIndex(t => OnReceiveThread(t));
        await UntilAsync(() => sink.Threads.Count >= from + 30, "30 more records at the sink");
        Assert.All(sink.Threads.Skip(from), thread => Assert.True(OnReceiveThread(thread), thread));
        Assert.True(gateway.Client.Options.InlineDelivery);
    }

    [RabbitFact]
    public async Task A_sink_that_throws_loses_records_for_itself_counted_while_the_broker_and_other_sinks_get_every_one()
    {
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var sim = await StartSimAsync(o => o with { Pace = MarketPace.PerSecond(100) });
        var good = new ThreadRecordingSink();
        await using var gateway = await KisGateway.StartAsync(GatewayOptions(sim, broker) with { Sinks = [new ThrowingSink(), good] });
        await gateway.HoldAsync(KisTrs.IndexTicks, "0001");
        await UntilAsync(() => good.Threads.Count >= 30, "records at the sink after the one that throws");
        // Stop the feed first: while records flow, Received moves on between the confirm wait and the status read.
        await sim.Faults.Stall();
        Assert.True(await gateway.WaitForConfirmsAsync(Long));
        // A frame already on its way when the feed stalled may still arrive (even after this wait): every record received
        // ends up confirmed, so the figures are those of one status in which they agree, not of a later read.
        var status = gateway.Status();
        await UntilAsync(() => (status = gateway.Status()).Received == status.Confirmed, "every record received confirmed");
        Assert.True(status.SinkFailures >= 30, $"{status.SinkFailures} sink failures");
        Assert.True(status.Confirmed >= 30, $"{status.Confirmed} confirmed");
    }

    private sealed class ThrowingSink : IGatewayRecordSink
    {
        public string Name => "throws";
        public void Write(in GatewayRecord record) => throw new InvalidOperationException("a broken sink");
        public GatewaySinkStatus Status() => new(Name, 0, 0, 0, 0, 0);
    }

    private sealed class ThreadRecordingSink : IGatewayRecordSink
    {
        private readonly Lock _gate = new();
        private readonly List<string> _threads = [];

        public string Name => "threads";

        /// <summary>The thread of each record taken, in order.</summary>
        public List<string> Threads { get { lock (_gate) return [.. _threads]; } }

        public void Write(in GatewayRecord record)
        {
            lock (_gate) _threads.Add(Thread.CurrentThread.Name ?? "(unnamed)");
        }

        public GatewaySinkStatus Status()
        {
            lock (_gate) return new(Name, _threads.Count, _threads.Count, 0, 0, 0);
        }
    }
}
