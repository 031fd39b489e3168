namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// The reorder buffer's runs (records that continue one another waiting as one entry) must change its cost only: fed the
/// same disordered streams (losses, shuffles inside and beyond the window, batches reversed, repeats, corrupt acml_vol,
/// trades adding no volume, a second TR), an aggregator with runs and one whose records each wait on their own give the
/// same bars, revisions and counts.
/// </summary>
public sealed class ReorderRunTests
{
    private static readonly DateTime Open = new(2026, 11, 23, 9, 0, 0);

    private static StockTrade Trade(StockVenue venue, int i, long accumulated, long volume, decimal price) => new()
    {
        StockCode = "005930", Venue = venue, BusinessDate = new DateOnly(2026, 11, 23),
        Time = TimeOnly.FromDateTime(Open.AddSeconds(i / 100)), // the wire's stamp: whole seconds
        Price = price, Volume = volume, CumulativeVolume = accumulated,
        MarketOperationCode = "20", SessionCode = "0", RandomEndCode = "",
    };

    // `count` trades at 100/s on one or two TRs, then disordered by `seed`: each received 10 ms after its time, save those
    // moved.
    private static List<(StockTrade Trade, DateTimeOffset Received)> Disordered(int seed, int count, bool twoTrs)
    {
        var random = new Random(seed);
        var accumulated = new long[2];
        var stream = new List<(StockTrade Trade, DateTimeOffset Received)>(count);
        for (var i = 0; i < count; i++)
        {
            var tr = twoTrs && random.Next(3) == 0 ? 1 : 0;
            var volume = random.Next(20) == 0 ? 0 : 1 + random.Next(300);
            accumulated[tr] += volume;
            var acml = accumulated[tr];
            if (random.Next(400) == 0) acml *= 10; // one corrupt digit
            var exact = new DateTimeOffset(Open.AddMilliseconds(i * 10L), TimeSpan.FromHours(9));
            stream.Add((Trade(tr == 0 ? StockVenue.Krx : StockVenue.Nxt, i, acml, volume, 70_000m + random.Next(-5, 6) * 100),
                exact.AddMilliseconds(10)));
        }
        var received = new List<(StockTrade Trade, DateTimeOffset Received)>(count);
        for (var i = 0; i < stream.Count; i++)
        {
            var roll = random.Next(1_000);
            if (roll < 3) continue; // lost
            if (roll < 6 && i + 50 < stream.Count) // a batch received in reverse
            {
                var batch = 5 + random.Next(45);
                for (var j = i + batch - 1; j >= i; j--) received.Add((stream[j].Trade, stream[i + batch - 1].Received));
                i += batch - 1;
                continue;
            }
            received.Add(stream[i]);
            if (roll < 9) received.Add(stream[i]); // a repeat
            else if (roll < 15) // late: within the window or beyond it
                received.Insert(Math.Max(0, received.Count - 1), (stream[i].Trade, stream[i].Received));
            else if (roll < 18 && received.Count > 300)
                received.Insert(received.Count - 1 - random.Next(300), stream[i]);
        }
        // Receive times never go back (a feed's clock): each is the latest so far.
        var latest = DateTimeOffset.MinValue;
        for (var i = 0; i < received.Count; i++)
        {
            latest = received[i].Received > latest ? received[i].Received : latest;
            received[i] = (received[i].Trade, latest);
        }
        return received;
    }

    private static (List<Bar> Bars, string Counts, long Entered) Feed(List<(StockTrade Trade, DateTimeOffset Received)> stream,
        TimeSpan window, bool runs)
    {
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { ReorderWindow = window })
        {
            JoinRuns = runs,
        };
        var bars = ReceivedStream.Feed(aggregator, stream);
        var counts = $"gaps {aggregator.Gaps} missing {aggregator.MissingVolume} duplicates {aggregator.DuplicateTrades} " +
                     $"corrupt {aggregator.CorruptTrades}/{aggregator.SkippedCorrupt} late {aggregator.LateTrades} " +
                     string.Join(";", aggregator.CorruptRecords);
        return (bars, counts, aggregator.RecordsEntered);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 600)]
    [InlineData(true, 600)]
    public void Runs_give_the_bars_and_counts_of_records_waiting_each_on_its_own(bool twoTrs, int windowSeconds)
    {
        var window = TimeSpan.FromSeconds(windowSeconds);
        long entered = 0, waiting = 0;
        for (var seed = 1; seed <= 12; seed++)
        {
            var stream = Disordered(seed, 4_000, twoTrs);
            var (bars, counts, withRuns) = Feed(stream, window, runs: true);
            var (alone, aloneCounts, each) = Feed(stream, window, runs: false);
            Assert.Equal(aloneCounts, counts);
            Assert.Equal(alone, bars);
            (entered, waiting) = (entered + withRuns, waiting + each);
        }
        // The streams did make runs (else this would test nothing).
        Assert.True(entered < waiting, $"{entered} records entered with runs, {waiting} without");
    }

    /// <summary>
    /// <paramref name="count"/> trades at 100/s, every third on NXT (its own acml_vol), each received 10 ms after its time;
    /// "lost": KRX's trade at 20 % and NXT's just after it lost (both TRs behind a hole at once, a 1 s window: a second's
    /// trades of each wait); "krx-lost": KRX's alone; "reversed": the trades from 10 % to 60 % received last to first (a
    /// 10-minute window).
    /// </summary>
    private static (List<(StockTrade Trade, DateTimeOffset Received)> Stream, TimeSpan Window) TwoTrs(string disorder, int count, int perSecond = 100)
    {
        var accumulated = new long[2];
        var all = new List<(StockTrade Trade, DateTimeOffset Received)>(count);
        for (var i = 0; i < count; i++)
        {
            var tr = i % 3 == 2 ? 1 : 0;
            var volume = 1 + i * 37 % 200;
            accumulated[tr] += volume;
            var exact = new DateTimeOffset(Open.AddTicks(i * TimeSpan.TicksPerSecond / perSecond), TimeSpan.FromHours(9));
            var trade = Trade(tr == 0 ? StockVenue.Krx : StockVenue.Nxt, i, accumulated[tr], volume, 70_000m + i % 7 * 100) with
            {
                Time = TimeOnly.FromDateTime(Open.AddSeconds(i / perSecond)),
            };
            all.Add((trade, exact.AddMilliseconds(10)));
        }
        if (disorder is "lost" or "krx-lost")
        {
            var hole = count / 5 / 3 * 3; // a KRX trade; hole + 2 is NXT's next
            var nxtHole = disorder == "lost" ? hole + 2 : -1;
            return ([.. all.Where((_, i) => i != hole && i != nxtHole)], TimeSpan.FromSeconds(1));
        }
        var (from, batch) = (count / 10, count / 2);
        var reversed = all.Take(from).Concat(all.Skip(from).Take(batch).Reverse()).Concat(all.Skip(from + batch))
            .Select((t, i) => (t.Trade, Received: all[0].Received.AddMilliseconds(i))).ToList();
        return (reversed, TimeSpan.FromMinutes(10));
    }

    [Theory]
    [InlineData("lost")]
    [InlineData("reversed")]
    public void Two_TRs_waiting_together_give_the_bars_and_counts_of_records_waiting_each_on_their_own(string disorder)
    {
        var (stream, window) = TwoTrs(disorder, 3_000);
        var (bars, counts, withRuns) = Feed(stream, window, runs: true);
        var (alone, aloneCounts, each) = Feed(stream, window, runs: false);
        Assert.Equal(aloneCounts, counts);
        Assert.Equal(alone, bars);
        Assert.True(withRuns < each, $"{withRuns} records entered with runs, {each} without");
    }

    [Fact]
    public void Records_of_two_TRs_behind_holes_wait_as_one_run_per_TR_and_hole()
    {
        // Issue 74: KRX and NXT of one stock both behind a hole. Each TR's records wait as one run (one entry each);
        // before, every arrival of the other TR undid the runs, and every waiting record was entered on its own.
        var (stream, window) = TwoTrs("lost", 3_000);
        var (_, counts, entered) = Feed(stream, window, runs: true);
        Assert.StartsWith("gaps 2 ", counts, StringComparison.Ordinal);
        Assert.True(entered <= 4, $"{entered} records entered (the two TRs' runs: 2); {counts}");
    }

    [Fact]
    public void A_TRs_trades_in_order_go_on_at_once_while_another_TRs_wait_behind_a_hole()
    {
        // Issue 74: KRX behind a hole (a 1 s window: a second's KRX trades wait), NXT's trades continuing their tape. The
        // buffer would send each NXT trade on as it comes (KRX's waiting records wait on whatever NXT's tape does), so it
        // goes on at once. Before: each entered the buffer's orders and left them again, two thirds more CPU a trade on a
        // busy two-TR feed behind a hole every few seconds (reorder-cpu Lost200 2).
        var (stream, window) = TwoTrs("krx-lost", 3_000);
        var (bars, counts, entered) = Feed(stream, window, runs: true);
        Assert.StartsWith("gaps 1 ", counts, StringComparison.Ordinal);
        Assert.Equal(1L, entered); // KRX's run behind its hole; no NXT trade
        Assert.Equal(stream.Sum(t => t.Trade.Volume), bars.Sum(b => b.Volume)); // every trade received is in a bar
    }

    [Fact]
    public void Records_of_two_TRs_behind_holes_cost_the_same_steps_each_however_many_wait()
    {
        // A 1 s window: a second's trades of both TRs wait behind the holes. 16 times the rate, 16 times as many wait:
        // at most one step more each.
        static double PerWaiting(int perSecond)
        {
            var (stream, window) = TwoTrs("lost", 20 * perSecond, perSecond);
            var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { ReorderWindow = window });
            ReceivedStream.Feed(aggregator, stream);
            Assert.Equal(2L, aggregator.Gaps);
            return (double)aggregator.ReorderSteps / perSecond;
        }
        var few = PerWaiting(100);
        var many = PerWaiting(1_600);
        Assert.True(many <= few + 1, $"{few:0.00} steps per waiting record with 100 waiting, {many:0.00} with 1,600");
    }

    [Fact]
    public void Two_TRs_received_in_reverse_cost_the_same_steps_a_record_however_long_and_none_comes_late()
    {
        // Half the trades of both TRs received last to first: each TR's records wait for its batch's first, and one TR's
        // go on only as far as the other's lowest waiting bar (so none comes after its bar closed). 16 times as many
        // reversed: at most one step more a record (a run waiting on under a new head rewrites no record of it).
        static double PerRecord(int count)
        {
            var (stream, window) = TwoTrs("reversed", count);
            var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { ReorderWindow = window });
            var bars = ReceivedStream.Feed(aggregator, stream);
            Assert.Equal((0L, 0L), (aggregator.LateTrades, aggregator.Gaps));
            Assert.Equal(stream.Sum(t => t.Trade.Volume), bars.Sum(b => b.Volume));
            return (double)aggregator.ReorderSteps / count;
        }
        var few = PerRecord(2_000);
        var many = PerRecord(32_000);
        Assert.True(many <= few + 1, $"{few:0.00} steps a record with 2,000 trades, {many:0.00} with 32,000");
    }
}
