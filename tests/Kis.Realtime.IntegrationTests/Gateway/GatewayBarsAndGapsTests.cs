using System.Collections.Concurrent;
using System.Globalization;
using Kis.Realtime.Gateway;
using Kis.Realtime.Simulator;
using Kis.Realtime.Tests.Bars;
using static Kis.Realtime.Tests.Client.ClientTestKit;

namespace Kis.Realtime.Tests.Gateway;

/// <summary>
/// Issue 23's "done when" on the gateway source: through a <see cref="KisGateway"/> on RabbitMQ, a
/// <see cref="KisGatewayClient"/> reports every record the simulator skipped as one gap of exactly its volume (and no
/// other), and a consumer started mid-day seeds today's bars from the stream's retained records (as <c>kisrt bars
/// --gateway</c> does: from KST midnight) and continues live with the same minutes as a consumer there from the open.
/// </summary>
public sealed class GatewayBarsAndGapsTests
{
    private const string Key = "005930";
    private static readonly TimeOnly ClosingPrint = new(15, 30);
    private static readonly TimeSpan DayTimeout = TimeSpan.FromSeconds(90);

    private static Task<KisGateway> StartGatewayAsync(KisSimulator sim, RabbitTestBroker broker) => KisGateway.StartAsync(KisGatewayOptions.Default with
    {
        // Nothing dropped between the simulator and the stream: every gap the consumer finds is the simulator's.
        // One KIS session all day: a reconnect loses real records (a real gap, not one the simulator skipped), so no
        // heartbeat or liveness deadline that a starved CI machine could miss (see Fast below).
        Client = Options(sim) with { FullMode = KisFullMode.Wait, SubscriptionCapacity = 100_000, LivenessTimeout = TimeSpan.FromMinutes(5) },
        Endpoint = broker.Endpoint,
        StreamMaxSegmentSizeBytes = 1024 * 1024,
        StreamMaxLengthBytes = 64L * 1024 * 1024,
    });

    /// <summary>A sped-up day with the PINGPONG interval of KIS (100 s), not the test kit's 2 s: a late echo must not close the session.</summary>
    private static Func<SimulatorOptions, SimulatorOptions> Fast(int clockSpeed, int perSecond, int seed, TimeProvider time) =>
        o => o with { ClockSpeed = clockSpeed, Pace = MarketPace.PerSecond(perSecond), Seed = seed, TimeProvider = time,
            PingInterval = TimeSpan.FromSeconds(100) };

    private static KisGatewayClient Consumer(RabbitTestBroker broker, string id, GatewayStart start) => new(KisGatewayClientOptions.Default with
    {
        Endpoint = broker.Endpoint,
        Start = start,
        ConsumerId = id,
        RequestTimeout = TimeSpan.FromSeconds(20),
    });

    [RabbitFact]
    public async Task Through_the_gateway_every_skipped_run_is_one_gap_of_its_volume_and_no_other_gap_is_reported()
    {
        // A market hour a real second: 09:00 to KRX's closing print in about 6.5 s.
        var time = new HeldMarketTime();
        await using var sim = await StartSimAsync(Fast(3600, 250, 11, time));
        sim.Faults.SkipRecords("H0STCNT0", Key, 0.05, seed: 3);
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var gateway = await StartGatewayAsync(sim, broker);
        await using var consumer = Consumer(broker, "gw-gaps", GatewayStart.First);
        var found = new ConcurrentQueue<VolumeGap>();
        consumer.GapDetected += found.Enqueue;
        using var timeout = new CancellationTokenSource(DayTimeout);
        await consumer.ConnectAsync(timeout.Token);

        long firstBefore = -1, last = 0; // acml_vol before the first received trade, and of the last
        var skipping = true;
        var confirmed = sim.Counters.Replies("OPSP0000");
        await using (var trades = consumer.SubscribeStockTradesAsync(Key, cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token))
        {
            var next = trades.MoveNextAsync(); // subscribes through the gateway; completes at the first trade, after Run
            await UntilAsync(() => sim.Counters.Replies("OPSP0000") > confirmed, "the gateway's subscription confirmed");
            time.Run();
            while (await next)
            {
                var trade = trades.Current;
                if (firstBefore < 0) firstBefore = trade.CumulativeVolume - trade.Volume;
                last = trade.CumulativeVolume;
                // Skips end at 15:00 (market time): the day's last records are all seen, so every skip lies between two.
                if (skipping && sim.MarketTime.TimeOfDay >= TimeSpan.FromHours(15)) { sim.Faults.StopSkipping(); skipping = false; }
                if (trade.Time >= ClosingPrint) break;
                next = trades.MoveNextAsync();
            }
        }
        Assert.False(skipping, "the day ended before 15:00");

        // The simulator's account: runs of consecutive skipped records between the first and last trade seen.
        var expected = new List<long>();
        long previous = -2;
        foreach (var s in sim.Faults.SkippedRecords.Where(s => s.TrId == "H0STCNT0" && s.Key == Key).OrderBy(s => s.Sequence))
        {
            Assert.True(StockTrade.TryDecode(KisTrs.H0STCNT0, System.Text.Encoding.UTF8.GetBytes(s.Record), out var skipped, out _));
            if (skipped.CumulativeVolume <= firstBefore || skipped.CumulativeVolume >= last) continue;
            if (s.Sequence == previous + 1) expected[^1] += skipped.Volume;
            else expected.Add(skipped.Volume);
            previous = s.Sequence;
        }
        var stats = consumer.Statistics;
        await UntilAsync(() => found.Count == stats.Gaps + stats.Overlaps, "every gap event raised"); // raised off the read path
        Assert.True(sim.Counters.SessionsAccepted == 1, $"the gateway's KIS session was replaced ({sim.Counters.SessionsAccepted} sessions, " +
                                                         $"{sim.Counters.ClosesForMissedPing} closed for a missed PINGPONG): its reconnect lost records");
        Assert.True(expected.Count >= 5, $"only {expected.Count} skips injected");
        // Skipping stops when this loop first sees the simulator past 15:00, so a consumer that lags (a loaded machine)
        // lets it go on into after-hours trades, which reach the client's detector after the loop's last trade: those
        // gaps are real but lie past `last`, where the simulator's list above is not read.
        var upToLast = found.Where(g => g.CumulativeVolumeAfter <= last).ToList();
        static string Volumes(IEnumerable<long> v) => string.Join(", ", v);
        Assert.True(expected.SequenceEqual(upToLast.Select(g => g.MissingVolume)),
            $"skipped runs of volume [{Volumes(expected)}] between acml_vol {firstBefore} and {last}, but gaps of " +
            $"[{Volumes(upToLast.Select(g => g.MissingVolume))}] up to {last} (all gaps: " +
            $"{string.Join("; ", found.Select(g => $"{g.CumulativeVolumeBefore}->{g.CumulativeVolumeAfter} missing {g.MissingVolume}"))}; " +
            $"consumer {consumer.Statistics}, duplicates dropped {consumer.DuplicatesDropped}, gateway {gateway.Status()})");
        Assert.All(found, g => Assert.Equal(("H0STCNT0", Key, VolumeGapKind.Missing), (g.TrId, g.Key, g.Kind)));
        Assert.True(stats.Gaps >= upToLast.Count, $"{stats.Gaps} gaps counted, {upToLast.Count} raised");
        Assert.True(stats.MissingVolume >= expected.Sum(), $"{stats.MissingVolume} volume counted missing, {expected.Sum()} skipped");
        Assert.Equal(0, stats.Overlaps);
        Assert.Equal(0, consumer.RunGaps); // one gateway run throughout: nothing lost between gateway and consumer
    }

    /// <summary>What must agree: the minute (KST), OHLCV, value and trade count.</summary>
    private sealed record Minute(string Time, decimal Open, decimal High, decimal Low, decimal Close, long Volume, decimal Value, int Trades);

    private static Minute Of(Bar b) =>
        new(b.OpenTime.ToString("HH:mm", CultureInfo.InvariantCulture), b.Open, b.High, b.Low, b.Close, b.Volume, b.Value, b.TradeCount);

    [RabbitFact]
    public async Task A_consumer_started_mid_day_reads_todays_bars_from_the_stream_and_continues_live_with_the_same_minutes()
    {
        // The start of the KST day, taken before anything is published (a run across KST midnight still reads it all).
        var kstNow = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));
        var startOfDay = new DateTimeOffset(kstNow.Date, kstNow.Offset);
        // A market hour in two real seconds, ~10 trades a minute; the clock held at 09:00 until the gateway subscribed.
        var time = new HeldMarketTime();
        await using var sim = await StartSimAsync(Fast(1800, 300, 23, time));
        await using var broker = await RabbitTestBroker.CreateAsync();
        await using var gateway = await StartGatewayAsync(sim, broker);
        using var timeout = new CancellationTokenSource(DayTimeout);

        // The consumer there from the first record: the reference.
        await using var early = Consumer(broker, "gw-bars-early", GatewayStart.First);
        await early.ConnectAsync(timeout.Token);
        var fromOpen = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        var confirmed = sim.Counters.Replies("OPSP0000");
        var earlyTrades = early.SubscribeStockTradesAsync(Key, cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);
        var lateStarted = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstTrade = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var earlyRead = Task.Run(async () =>
        {
            await using var trades = earlyTrades;
            while (await trades.MoveNextAsync())
            {
                firstTrade.TrySetResult();
                fromOpen.Add(trades.Current);
                if (trades.Current.Time >= new TimeOnly(11, 0)) lateStarted.TrySetResult(sim.MarketTime);
                if (trades.Current.Time >= ClosingPrint) break;
            }
        });
        await UntilAsync(() => sim.Counters.Replies("OPSP0000") > confirmed || earlyRead.IsCompleted, "the gateway's subscription confirmed");
        // The opening print is sent at 09:00 only if the market waits for it: run at once, a sender woken 30 ms late (a
        // loaded machine) stamps it 09:01. So the clock moves a few records' worth and waits for the first trade to arrive.
        time.Advance(TimeSpan.FromSeconds(2.0 / 300));
        await Task.WhenAny(firstTrade.Task, earlyRead).WaitAsync(DayTimeout);
        time.Run();

        // At 11:00 another consumer starts as kisrt bars --gateway does: from KST midnight (wall clock) of the stream.
        var startedAt = await lateStarted.Task.WaitAsync(DayTimeout);
        await using var late = Consumer(broker, "gw-bars-late", GatewayStart.FromTime(startOfDay));
        await late.ConnectAsync(timeout.Token);
        var seeded = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        var lateTrades = 0;
        await foreach (var trade in late.SubscribeStockTradesAsync(Key, cancellationToken: timeout.Token))
        {
            seeded.Add(trade);
            lateTrades++;
            if (trade.Time >= ClosingPrint) break;
        }
        var liveAfterJoin = sim.MarketTime;
        await earlyRead.WaitAsync(DayTimeout);

        // A bar built across a gap names the consumer's figures: which side lost records, and whether KIS's session was replaced.
        var reference = Closed(fromOpen, $"early consumer {early.Statistics}, run gaps {early.RunGaps}, KIS sessions {sim.Counters.SessionsAccepted}");
        var fromStream = Closed(seeded, $"late consumer {late.Statistics}, run gaps {late.RunGaps}, gateway {gateway.Status()}");
        Assert.True(startedAt.TimeOfDay >= TimeSpan.FromHours(11), $"the late consumer started at {startedAt:HH:mm:ss}");
        Assert.True(liveAfterJoin.TimeOfDay >= TimeSpan.FromHours(15.5), "the late consumer never reached the closing print");
        // Minutes without a trade make no bar, and a loaded machine's stalls leave many (at 1,800x a 33 ms stall is a minute):
        // a floor that says the day ran; the open and the close are checked below.
        Assert.True(reference.Count >= 100, $"{reference.Count} minutes from the open");
        Assert.Equal(Kis.Realtime.Tests.Bars.SimulatedClose.OpeningPrintMinute(liveAfterJoin), reference[0].Time);
        Assert.True(Kis.Realtime.Tests.Bars.SimulatedClose.IsClosingPrintMinute(reference[^1].Time), $"the day's last minute is {reference[^1].Time}");
        Assert.Equal(reference, fromStream); // minute by minute: nothing missing before 11:00, nothing twice after
        Assert.Equal(reference.Sum(m => m.Trades), lateTrades);
        Assert.Equal(0, late.Statistics.Gaps);
        Assert.Equal(0, late.Statistics.Overlaps);
    }

    private static List<Minute> Closed(BarAggregator<StockTrade, StockTradeAccessor> aggregator, string source)
    {
        aggregator.Complete();
        var minutes = new List<Minute>();
        while (aggregator.TryTakeClosed(out var bar))
        {
            Assert.False(bar.HasGap, $"{bar.OpenTime:HH:mm}: built across a gap ({source})");
            minutes.Add(Of(bar));
        }
        return minutes;
    }
}
