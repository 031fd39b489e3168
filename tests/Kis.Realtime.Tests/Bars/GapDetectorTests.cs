
namespace Kis.Realtime.Tests.Bars;

public class GapDetectorTests
{
    [Fact]
    public void Every_injected_skip_is_found_with_its_exact_volume_and_no_other_gap()
    {
        var random = new Random(23);
        var s = new Trades();
        var monitor = GapMonitor.ForStockTrades();
        var gaps = new List<VolumeGap>();
        monitor.GapDetected += gaps.Add;
        var injected = new List<(long Volume, TimeOnly Before)>();
        TimeOnly last = default;
        var observed = 0;
        var observedSinceSkip = true;
        var time = new TimeOnly(9, 0, 0);
        for (var i = 0; i < 20_000; i++)
        {
            time = time.Add(TimeSpan.FromMilliseconds(random.Next(0, 2000)));
            var trade = s.At(time.ToString("HH:mm:ss"), 100 + random.Next(10), random.Next(1, 500));
            if (random.Next(50) == 0)
            {
                // Skip a run of one to three records: their volume counts in acml_vol but never arrives.
                var run = random.Next(1, 4);
                long missed = trade.Volume;
                for (var k = 1; k < run; k++) missed += s.At(time.ToString("HH:mm:ss"), 100, random.Next(1, 500)).Volume;
                // Nothing is known before the first trade (not a gap); back-to-back skips are one gap.
                if (observed == 0) continue;
                if (observedSinceSkip) injected.Add((missed, last));
                else injected[^1] = (injected[^1].Volume + missed, last);
                observedSinceSkip = false;
                continue;
            }
            monitor.Observe(trade, out _);
            last = trade.Time;
            observed++;
            observedSinceSkip = true;
        }

        Assert.True(injected.Count > 300);
        Assert.Equal(injected.Count, gaps.Count);
        for (var i = 0; i < gaps.Count; i++)
        {
            Assert.Equal(VolumeGapKind.Missing, gaps[i].Kind);
            Assert.Equal(injected[i].Volume, gaps[i].MissingVolume);
            Assert.Equal(injected[i].Before, TimeOnly.FromTimeSpan(gaps[i].From.TimeOfDay));
            Assert.Equal(("H0STCNT0", "005930", 1L), (gaps[i].TrId, gaps[i].Key, gaps[i].MissingTradesAtLeast));
        }
        Assert.Equal(injected.Sum(x => x.Volume), monitor.MissingVolume);
        Assert.Equal(0, monitor.Overlaps);
    }

    [Fact]
    public void A_gap_across_a_reconnect_is_found_and_marked()
    {
        var s = new Trades();
        var monitor = GapMonitor.ForStockTrades();
        Assert.False(monitor.Observe(s.At("10:00:00", 100, 5), out _));
        monitor.NoteReconnect(); // the connection dropped; trades went on meanwhile
        Assert.True(monitor.Observe(s.AfterSkip("10:00:09", 100, 1, missed: 40), out var gap));
        Assert.Equal((40L, true, Trades.Kst("10:00:00"), Trades.Kst("10:00:09")), (gap.MissingVolume, gap.AcrossReconnect, gap.From, gap.To));
        Assert.False(monitor.Observe(s.At("10:00:10", 100, 1), out _));
    }

    [Fact]
    public void Duplicates_are_overlaps_not_gaps_and_do_not_cause_a_false_gap_after_them()
    {
        var s = new Trades();
        var detector = new GapDetector("H0STCNT0", "005930");
        var a = s.At("10:00:00", 100, 5);
        var b = s.At("10:00:01", 100, 3);
        var c = s.At("10:00:02", 100, 2);
        Observe(detector, a, out _);
        Assert.False(Observe(detector, b, out _));
        Assert.True(Observe(detector, a, out var overlap)); // a stale record again
        Assert.Equal((VolumeGapKind.Overlap, -8L), (overlap.Kind, overlap.MissingVolume));
        Assert.False(Observe(detector, c, out _));
        Assert.Equal((0L, 1L), (detector.Gaps, detector.Overlaps));
    }

    [Fact]
    public void A_new_day_restarts_the_count_and_is_a_gap_only_when_its_first_trades_were_missed()
    {
        var detector = new GapDetector("H0STCNT0", "005930");
        var s = new Trades();
        Observe(detector, s.At("15:30:00", 100, 500), out _);
        var next = Trades.Day.AddDays(1);
        Assert.False(Observe(detector, s.Make("09:00:00", 100, 30, accumulated: 30, date: next), out _));
        Assert.Equal(1, detector.Resets);

        var other = new GapDetector("H0STCNT0", "005930");
        Observe(other, s.At("15:30:00", 100, 500), out _);
        Assert.True(Observe(other, s.Make("09:00:05", 100, 30, accumulated: 75, date: next), out var gap));
        Assert.Equal((45L, true), (gap.MissingVolume, gap.AfterReset));
    }

    [Fact]
    public void A_count_that_falls_under_a_later_stamp_is_a_new_day_not_hundreds_of_overlaps()
    {
        // An undated TR (index futures) whose source skipped from one day's morning to the next day's noon (a demo clock
        // stalled by a saturated machine): stepped dating sees no step back, so both days share a date. A repeated record
        // never carries a later stamp: the count started again, and the new day's trades before this one were missed.
        var detector = new GapDetector("H0IFCNT0", "101W12000");
        var day = new DateTimeOffset(2026, 12, 2, 0, 0, 0, KoreaTime.Offset);
        Assert.False(detector.Observe(day.AddHours(10).AddMinutes(44), 7, 147_292, out _));
        Assert.True(detector.Observe(day.AddHours(11).AddMinutes(53), 5, 951, out var gap));
        Assert.Equal((VolumeGapKind.Missing, 946L, true), (gap.Kind, gap.MissingVolume, gap.AfterReset));
        Assert.False(detector.Observe(day.AddHours(11).AddMinutes(53).AddSeconds(1), 9, 960, out _));
        Assert.False(detector.Observe(day.AddHours(11).AddMinutes(54), 10, 970, out _));
        Assert.Equal((1L, 0L, 1L), (detector.Gaps, detector.Overlaps, detector.Resets));
        // A repeat keeps its own (or an earlier) stamp: still an overlap, and the baseline stays.
        Assert.True(detector.Observe(day.AddHours(11).AddMinutes(53), 5, 951, out var repeat));
        Assert.Equal(VolumeGapKind.Overlap, repeat.Kind);
        Assert.False(detector.Observe(day.AddHours(11).AddMinutes(55), 4, 974, out _));
    }

    [Fact]
    public void A_late_batch_in_stamp_order_is_overlaps_not_a_new_day()
    {
        // Stale records arriving in their own order: each is later than the one before it, never than the baseline's.
        var detector = new GapDetector("H0IFCNT0", "101W12000");
        var day = new DateTimeOffset(2026, 12, 2, 10, 0, 0, KoreaTime.Offset);
        Assert.False(detector.Observe(day.AddSeconds(3), 10, 120, out _));
        Assert.True(detector.Observe(day.AddSeconds(1), 10, 100, out var first));
        Assert.True(detector.Observe(day.AddSeconds(2), 10, 110, out var second));
        Assert.Equal((VolumeGapKind.Overlap, VolumeGapKind.Overlap), (first.Kind, second.Kind));
        Assert.False(detector.Observe(day.AddSeconds(4), 10, 130, out _));
        Assert.Equal((0L, 2L, 0L), (detector.Gaps, detector.Overlaps, detector.Resets));
    }

    [Fact]
    public void Each_tr_keeps_its_own_count_so_krx_and_nxt_trades_of_one_stock_do_not_look_like_gaps()
    {
        var krx = new Trades(venue: StockVenue.Krx);
        var nxt = new Trades(venue: StockVenue.Nxt);
        var monitor = GapMonitor.ForStockTrades();
        for (var i = 0; i < 100; i++)
        {
            monitor.Observe(krx.At("10:00:00", 100, i + 1), out _);
            monitor.Observe(nxt.At("10:00:00", 100, 2 * i + 1), out _);
        }
        Assert.Equal(0, monitor.Gaps + monitor.Overlaps);
        Assert.Equal(["H0NXCNT0", "H0STCNT0"], monitor.Detectors.Select(d => d.TrId).Order());

        // Index ticks: acml_vol against pcas_vol; futures: acml_vol against last_cnqn.
        var index = GapMonitor.ForIndexTicks(Trades.Day);
        index.Observe(new IndexTick { IndexCode = "0001", Time = new(9, 0, 0), TickVolume = 10, CumulativeVolume = 100 }, out _);
        Assert.True(index.Observe(new IndexTick { IndexCode = "0001", Time = new(9, 0, 1), TickVolume = 10, CumulativeVolume = 125 }, out var indexGap));
        Assert.Equal(("H0UPCNT0", 15L), (indexGap.TrId, indexGap.MissingVolume));
        var futures = GapMonitor.ForFuturesTrades(Trades.Day);
        futures.Observe(new FuturesTrade { Code = "101W09", Time = new(9, 0, 0), Volume = 1, CumulativeVolume = 7 }, out _);
        Assert.False(futures.Observe(new FuturesTrade { Code = "101W09", Time = new(9, 0, 0), Volume = 2, CumulativeVolume = 9 }, out _));
        Assert.True(futures.Observe(new FuturesTrade { Code = "101W09", Time = new(9, 0, 1), Volume = 2, CumulativeVolume = 12 }, out _));
    }

    [Fact]
    public async Task The_stream_wrapper_passes_every_trade_through_and_counts_gaps()
    {
        var s = new Trades();
        var monitor = GapMonitor.ForStockTrades();
        var trades = new[] { s.At("10:00:00", 1, 1), s.AfterSkip("10:00:01", 1, 1, missed: 3), s.At("10:00:02", 1, 1) };
        var passed = new List<StockTrade>();
        await foreach (var t in ToAsync(trades).WithGapDetection(monitor)) passed.Add(t);
        Assert.Equal(trades, passed);
        Assert.Equal((1L, 3L), (monitor.Gaps, monitor.MissingVolume));
    }

    private static bool Observe(GapDetector detector, in StockTrade t, out VolumeGap gap) =>
        detector.Observe(new DateTimeOffset(t.BusinessDate!.Value.ToDateTime(t.Time), TimeSpan.FromHours(9)), t.Volume, t.CumulativeVolume, out gap);

    private static async IAsyncEnumerable<StockTrade> ToAsync(IEnumerable<StockTrade> trades)
    {
        foreach (var t in trades)
        {
            await Task.Yield();
            yield return t;
        }
    }
}
