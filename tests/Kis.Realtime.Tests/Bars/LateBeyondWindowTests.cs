using System.Globalization;
using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 74 finding 2: trades that fit the tape (their acml_vol consistent with a neighbour's and their own volume) but
/// arrive beyond the reorder window are late, not corrupt: placed in their bars (revised as docs/bars.md says), or, when
/// their bar is beyond recall, counted as late and left in the gap figures. Through `kisrt bars --replay` (5 s window).
/// </summary>
public sealed class LateBeyondWindowTests
{
    // Five trades A–E of one minute: acml_vol 10/30/60/100/150.
    private static readonly Trade A = T("2026-11-23 10:00:10", 70000, 10, 10);
    private static readonly Trade B = T("2026-11-23 10:00:11", 70100, 20, 30);
    private static readonly Trade C = T("2026-11-23 10:00:12", 70200, 30, 60);
    private static readonly Trade D = T("2026-11-23 10:00:13", 70300, 40, 100);
    private static readonly Trade E = T("2026-11-23 10:00:14", 70400, 50, 150);

    /// <summary>The trades received in the order given, <paramref name="apart"/> apart from the first one's stamp.</summary>
    private static Trade[] Received(TimeSpan apart, params Trade[] trades)
    {
        var first = trades[0].Kst;
        return [.. trades.Select((t, i) => Late(t, first - t.Kst + apart * i))];
    }

    private static (decimal Open, decimal Close, long Volume, int Count) Ohlc(System.Text.Json.JsonElement bar) =>
        (bar.GetProperty("open").GetDecimal(), bar.GetProperty("close").GetDecimal(), bar.GetProperty("volume").GetInt64(),
            bar.GetProperty("trade_count").GetInt32());

    [Fact]
    public async Task Five_trades_received_e_d_c_b_a_ten_seconds_apart_make_one_bar_of_all_five()
    {
        var dir = Write(KisTrs.H0STCNT0, "005930", Received(TimeSpan.FromSeconds(10), E, D, C, B, A));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        var bar = Assert.Single(minutes);
        Assert.Equal((70000m, 70400m, 150L, 5), Ohlc(bar));
        Assert.Equal(["end_of_stream"], Flags(bar)); // no gap, and no partial: the trades before E came
        Assert.Contains("gaps 0 (missing volume 0), duplicates 0 (in no bar), late trades 0 (in no bar)", summary);
        Assert.DoesNotContain("corrupt", summary);
    }

    [Fact]
    public async Task The_days_first_trade_received_last_is_late_not_corrupt()
    {
        // B, C, D, E, A two seconds apart: A's acml_vol equals its own volume and B's acml_vol less B's volume.
        var dir = Write(KisTrs.H0STCNT0, "005930", Received(TimeSpan.FromSeconds(2), B, C, D, E, A));
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        Assert.Equal((70000m, 70400m, 150L, 5), Ohlc(Assert.Single(minutes)));
        Assert.Contains("gaps 0 (missing volume 0), duplicates 0 (in no bar), late trades 0 (in no bar)", summary);
        Assert.DoesNotContain("corrupt", summary);
    }

    [Fact]
    public async Task A_day_received_in_reverse_at_the_days_pace_is_every_trade_in_its_bar()
    {
        // 600 trades over the day; the last one received first, each next one as long after as it was traded before.
        var random = new Random(74);
        var day = new List<Trade>();
        long accumulated = 0;
        var price = 70000m;
        var start = new DateTime(2026, 11, 23, 9, 0, 0);
        for (var i = 0; i < 600; i++)
        {
            var volume = random.Next(1, 200);
            accumulated += volume;
            price += random.Next(-2, 3) * 100;
            day.Add(new Trade(start.AddSeconds(i * 37), price, volume, accumulated));
        }
        var last = day[^1].Kst;
        var dir = Write(KisTrs.H0STCNT0, "005930", [.. Enumerable.Reverse(day).Select(t => Late(t, 2 * (last - t.Kst)))]);
        var (minutes, summary) = await BarsAsync(dir, "stock:005930", "1m");
        // Bars of earlier minutes come as revisions: the last row per open time is the bar.
        var final = minutes.GroupBy(b => b.GetProperty("open_time").GetString()).Select(g => g.Last())
            .OrderBy(b => b.GetProperty("open_time").GetString(), StringComparer.Ordinal).ToList();
        var truth = day.GroupBy(t => t.Kst.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture)).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.First().Price, g.Last().Price, g.Sum(t => t.Volume), g.Count())).ToList();
        Assert.Equal(truth, final.Select(b => (b.GetProperty("open_time").GetString()![..16], b.GetProperty("open").GetDecimal(),
            b.GetProperty("close").GetDecimal(), b.GetProperty("volume").GetInt64(), b.GetProperty("trade_count").GetInt32())));
        Assert.All(final, b => Assert.DoesNotContain("gap", Flags(b)));
        Assert.All(final, b => Assert.DoesNotContain("partial", Flags(b)));
        Assert.Contains("gaps 0 (missing volume 0), duplicates 0 (in no bar), late trades 0 (in no bar)", summary);
        Assert.DoesNotContain("corrupt", summary);
    }

    [Fact]
    public async Task Late_trades_whose_bar_is_beyond_recall_stay_in_the_gap_figures()
    {
        // Two-tick bars: E and F make the first bar; D, C, B, A come after it was cut, before its first trade in exchange
        // order. They are late (in no bar), not corrupt, and the 100 shares they hold are still missing from the bars.
        var f = T("2026-11-23 10:00:15", 70500, 10, 160);
        var dir = Write(KisTrs.H0STCNT0, "005930", Received(TimeSpan.FromSeconds(10), E, f, D, C, B, A));
        var (bars, summary) = await BarsAsync(dir, "stock:005930", "2t");
        Assert.Equal((70400m, 70500m, 60L, 2), Ohlc(bars[0]));
        Assert.Contains("gaps 1 (missing volume 100), duplicates 0 (in no bar), late trades 4 (in no bar)", summary);
        Assert.DoesNotContain("corrupt", summary);
    }

    [Fact]
    public void The_volume_before_the_first_trade_is_a_gap_until_its_trades_come()
    {
        var trades = new Trades();
        var minutes = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        minutes.Add(trades.Make("10:00:14", 70400, 50, 150));
        Assert.Equal((1L, 100L), (minutes.Gaps, minutes.MissingVolume));
        minutes.Add(trades.Make("10:00:13", 70300, 40, 100));
        minutes.Add(trades.Make("10:00:12", 70200, 30, 60));
        Assert.Equal((1L, 30L), (minutes.Gaps, minutes.MissingVolume));
        minutes.Add(trades.Make("10:00:11", 70100, 20, 30));
        minutes.Add(trades.Make("10:00:10", 70000, 10, 10));
        Assert.Equal((0L, 0L, 0L, 0L), (minutes.Gaps, minutes.MissingVolume, minutes.CorruptTrades, minutes.LateTrades));
        Assert.True(minutes.TryGetForming(out var bar));
        Assert.Equal((70000m, 70400m, 150L, 5, BarFlags.Forming), (bar.Open, bar.Close, bar.Volume, bar.TradeCount, bar.Flags));
    }

    [Fact]
    public void A_record_no_placement_explains_is_corrupt_and_says_why()
    {
        // After A–E in order, a record claiming acml_vol 40 with 25 shares overlaps trades already on the tape: no hole holds it.
        var trades = new Trades();
        var minutes = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        foreach (var (time, price, volume) in new[] { ("10:00:10", 70000m, 10L), ("10:00:11", 70100m, 20L), ("10:00:12", 70200m, 30L) })
            minutes.Add(trades.At(time, price, volume));
        minutes.Add(trades.Make("10:00:13", 70300, 25, 40));
        var corrupt = Assert.Single(minutes.CorruptRecords);
        Assert.Equal((40L, 25L, 60L, null, false),
            (corrupt.CumulativeVolume, corrupt.Volume, corrupt.TapeCumulativeVolume, corrupt.ExpectedCumulativeVolume, corrupt.InBar));
    }
}
