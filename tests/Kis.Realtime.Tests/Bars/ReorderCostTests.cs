namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 74, finding 1: the reorder buffer (<see cref="BarOptions.ReorderWindow"/>) must cost per waiting record what it
/// costs with few waiting, not grow with how many wait (a lossy or reordered busy feed fell behind). Measured without a
/// clock: <c>ReorderSteps</c> counts the pending records the buffer visits or moves. The bars must equal those of the
/// same trades received in order.
/// </summary>
public sealed class ReorderCostTests
{
    private static readonly DateTime Open = new(2026, 11, 23, 9, 0, 0);

    private static StockTrade Trade(int i, int perSecond, long accumulated, long volume) => new()
    {
        StockCode = "005930", Venue = StockVenue.Krx, BusinessDate = new DateOnly(2026, 11, 23),
        Time = TimeOnly.FromDateTime(Open.AddSeconds(i / perSecond)), // the wire's stamp: whole seconds
        Price = 70_000m + i % 7 * 100, Volume = volume, CumulativeVolume = accumulated,
        MarketOperationCode = "20", SessionCode = "0", RandomEndCode = "",
    };

    /// <summary><paramref name="count"/> trades at <paramref name="perSecond"/>, each received 10 ms after its exact time.</summary>
    private static List<(StockTrade Trade, DateTimeOffset Received)> Stream(int count, int perSecond)
    {
        var stream = new List<(StockTrade, DateTimeOffset)>(count);
        long accumulated = 0;
        for (var i = 0; i < count; i++)
        {
            var volume = 1 + i * 37 % 200;
            accumulated += volume;
            var exact = new DateTimeOffset(Open.AddTicks(i * TimeSpan.TicksPerSecond / perSecond), TimeSpan.FromHours(9));
            stream.Add((Trade(i, perSecond, accumulated, volume), exact.AddMilliseconds(10)));
        }
        return stream;
    }

    private static (List<Bar> Bars, long Steps, BarAggregator<StockTrade, StockTradeAccessor> Aggregator) Feed(
        IEnumerable<(StockTrade Trade, DateTimeOffset Received)> stream, TimeSpan window)
    {
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { ReorderWindow = window });
        var bars = ReceivedStream.Feed(aggregator, stream);
        return (bars, aggregator.ReorderSteps, aggregator);
    }

    /// <summary>
    /// 2,000 trades at 100/s fed twice: with trades 500 and 1,200 lost (a 1 s window: a second's trades wait behind each
    /// hole), and with trades 10–1,009 received last to first (a 10-minute window). Checks that the reversed feed gives the
    /// in-order bars and the lossy one every volume but the holes'; the two aggregators, for the counts under test.
    /// </summary>
    private static (BarAggregator<StockTrade, StockTradeAccessor> BehindHoles, BarAggregator<StockTrade, StockTradeAccessor> Backwards)
        BehindHolesAndReversed()
    {
        var all = Stream(2_000, 100);
        var lossy = all.Where((_, i) => i != 500 && i != 1_200).ToList();
        var (lossyBars, _, behindHoles) = Feed(lossy, TimeSpan.FromSeconds(1));
        var reversed = all.Take(10).Concat(all.Skip(10).Take(1_000).Reverse()).Concat(all.Skip(1_010))
            .Select((t, i) => (t.Trade, Received: all[0].Received.AddMilliseconds(i))).ToList();
        var (bars, _, backwards) = Feed(reversed, TimeSpan.FromMinutes(10));
        Assert.Equal(Feed(all, TimeSpan.FromMinutes(10)).Bars, bars);
        Assert.Equal(all.Sum(t => t.Trade.Volume) - behindHoles.MissingVolume, lossyBars.Sum(b => b.Volume));
        return (behindHoles, backwards);
    }

    /// <summary>Steps per record of a stream of 20 windows' trades with two lost, <paramref name="perWindow"/> trades a window.</summary>
    private static double LossySteps(int perWindow) => (double)LossyTotalSteps(perWindow) / (20 * perWindow - 2);

    private static long LossyTotalSteps(int perWindow)
    {
        var all = Stream(20 * perWindow, perWindow); // a 1 s window: perWindow trades wait behind each hole
        var lossy = all.Where((_, i) => i != 5 * perWindow && i != 12 * perWindow).ToList();
        var (bars, steps, aggregator) = Feed(lossy, TimeSpan.FromSeconds(1));
        Assert.Equal((2L, all[5 * perWindow].Trade.Volume + all[12 * perWindow].Trade.Volume), (aggregator.Gaps, aggregator.MissingVolume));
        Assert.Equal(all.Sum(t => t.Trade.Volume) - aggregator.MissingVolume, bars.Sum(b => b.Volume));
        return steps;
    }

    [Fact]
    public void Records_waiting_behind_lost_trades_cost_no_more_each_when_sixteen_times_as_many_wait()
    {
        var few = LossySteps(100);
        var many = LossySteps(1_600);
        // A scan of the waiting records on every arrival costs 16 times as much per record; an ordered structure, log n.
        Assert.True(many <= 2 * few + 4, $"{few:0.0} steps per record with 100 waiting, {many:0.0} with 1,600");
    }

    [Fact]
    public void Records_behind_a_hole_cost_the_same_steps_each_however_many_wait()
    {
        // Records behind a hole come in exchange order and go on in it: an order that takes them at its ends costs the same
        // per record at any depth; a heap sifts each through log n levels (100 → 1,600 waiting: about 8 steps more each).
        // Per waiting record: a window's trades wait behind each of the two holes (the others cost no step).
        var few = LossyTotalSteps(100) / 200.0;
        var many = LossyTotalSteps(1_600) / 3_200.0;
        Assert.True(many <= few + 1, $"{few:0.00} steps per waiting record with 100 waiting, {many:0.00} with 1,600");
    }

    [Fact]
    public void A_reversed_batch_costs_the_same_steps_a_record_however_long()
    {
        var small = ReversedSteps(100);
        var large = ReversedSteps(1_600);
        Assert.True(large <= small + 1, $"{small:0.00} steps per record reversing 100, {large:0.00} reversing 1,600");
    }

    /// <summary>Steps per record of a batch of <paramref name="batch"/> trades received in reverse inside the window.</summary>
    private static double ReversedSteps(int batch)
    {
        var inOrder = Stream(batch + 20, 100);
        // The first 10 in order, then the batch last to first (1 ms apart), then the rest: all inside a 10-minute window.
        var received = inOrder.Take(10).Concat(inOrder.Skip(10).Take(batch).Reverse()).Concat(inOrder.Skip(10 + batch))
            .Select((t, i) => (t.Trade, Received: inOrder[0].Received.AddMilliseconds(i))).ToList();
        var (bars, steps, aggregator) = Feed(received, TimeSpan.FromMinutes(10));
        var (truth, _, _) = Feed(inOrder, TimeSpan.FromMinutes(10));
        Assert.Equal(truth, bars);
        Assert.Equal((0L, 0L, 0L), (aggregator.Gaps, aggregator.CorruptTrades, aggregator.LateTrades));
        return (double)steps / received.Count;
    }

    [Fact]
    public void A_reversed_batch_costs_no_more_a_record_when_four_times_as_long_and_gives_the_in_order_bars()
    {
        var small = ReversedSteps(100);
        var large = ReversedSteps(400);
        Assert.True(large <= 2 * small + 4, $"{small:0.0} steps per record reversing 100, {large:0.0} reversing 400");
    }

    [Fact]
    public void Records_behind_a_hole_or_received_in_reverse_are_not_looked_up_as_repeats()
    {
        // Each comes above (behind a hole) or below (reversed) every record waiting: none can be its repeat, so no hash
        // lookup is spent on it. Before: one per waiting record, as many as the in-order stream has none of.
        var (behindHoles, backwards) = BehindHolesAndReversed();
        Assert.Equal((2L, 0L), (behindHoles.Gaps, behindHoles.RepeatLookups));
        Assert.Equal((0L, 0L), (backwards.Gaps, backwards.RepeatLookups));
    }

    [Fact]
    public void A_repeat_of_a_waiting_record_is_still_found_among_those_waiting()
    {
        // The control: a repeat inside the waiting records' range is looked up and counted, in no bar twice.
        var all = Stream(600, 100);
        var received = all.Where((_, i) => i != 100).ToList();
        received.Insert(300, (all[250].Trade, received[299].Received)); // trade 250 again while it waits behind the hole
        var (bars, _, aggregator) = Feed(received, TimeSpan.FromSeconds(5));
        Assert.Equal((1L, 1L), (aggregator.DuplicateTrades, aggregator.Gaps));
        Assert.Equal(all.Sum(t => t.Trade.Volume) - all[100].Trade.Volume, bars.Sum(b => b.Volume));
        Assert.True(aggregator.RepeatLookups > 0);
    }

    [Fact]
    public void Records_behind_a_hole_or_received_in_reverse_wait_in_the_tape_order_alone()
    {
        // They come at the tape order's ends, where neighbouring cumulative volumes lie side by side: the buffer's
        // questions about them (a repeat, a hole's neighbours) are answered there, so none enters the cumulative-volume
        // hash, whose scattered entries cost a cache miss on entry and on release. Before: every waiting record did.
        var (behindHoles, backwards) = BehindHolesAndReversed();
        Assert.Equal((2L, 0L), (behindHoles.Gaps, behindHoles.PointIndexed));
        Assert.Equal((0L, 0L), (backwards.Gaps, backwards.PointIndexed));
    }

    [Fact]
    public void A_record_received_between_two_waiting_is_indexed_and_its_repeat_found()
    {
        // The control: one that falls between two waiting records (not at an end of the order) is kept in the hash, and a
        // repeat of it, or of one in the tape order, is still found and counted.
        var all = Stream(600, 100);
        var received = all.Where((_, i) => i != 100 && i != 200).ToList(); // 100 lost; 200 comes late, inside the window
        received.Insert(300, (all[200].Trade, received[299].Received));
        received.Insert(320, (all[200].Trade, received[319].Received)); // 200 again while it waits
        received.Insert(340, (all[250].Trade, received[339].Received)); // 250 again while it waits
        var (bars, _, aggregator) = Feed(received, TimeSpan.FromSeconds(5));
        Assert.Equal((2L, 1L), (aggregator.DuplicateTrades, aggregator.Gaps));
        Assert.Equal(1L, aggregator.PointIndexed);
        Assert.Equal(all.Sum(t => t.Trade.Volume) - all[100].Trade.Volume, bars.Sum(b => b.Volume));
    }

    [Fact]
    public void Records_that_continue_one_another_wait_as_one_entry_a_run()
    {
        // Behind a hole each record continues the one before; in a batch received in reverse each is continued by the
        // lowest waiting. Such a run is one entry in the buffer's orders, its records side by side in the run store: a
        // record joining costs a copy, not an entry in two orders and the by-volume chain, whatever the disorder.
        // Before: every waiting record was entered (200 behind the holes, 1,000 reversed).
        var (behindHoles, backwards) = BehindHolesAndReversed();
        Assert.Equal((2L, 2L), (behindHoles.Gaps, behindHoles.RecordsEntered)); // one run behind each hole
        Assert.Equal((0L, 1L), (backwards.Gaps, backwards.RecordsEntered)); // the batch's first received holds the run
    }
}
