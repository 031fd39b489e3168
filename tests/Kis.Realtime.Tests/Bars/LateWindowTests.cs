using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 46 item 3, the window a user sets (<see cref="BarOptions.LateWindow"/>, <c>kisrt bars --late-window</c>): a
/// time bar keeps taking its late trades until a trade stamped that long after its end arrives, and a late trade whose
/// bar never formed gets that bar while the window lasts. Outside the window the trade is late: in no bar, counted.
/// </summary>
public sealed class LateWindowTests
{
    // 10:05's trade arrives after 10:07:05's (recorded two minutes late): its bar never formed.
    private static string LateIntoABarThatNeverFormed() => Write(KisTrs.H0STCNT0, "005930",
        T("2026-11-23 10:04:10", 70000, 100, 100),
        T("2026-11-23 10:07:05", 70500, 100, 300),
        Late(T("2026-11-23 10:05:20", 69000, 100, 200), TimeSpan.FromMinutes(2)),
        T("2026-11-23 10:07:40", 70600, 100, 400));

    [Fact]
    public async Task Inside_the_window_a_late_trade_gets_its_own_bar_in_order_and_no_gap()
    {
        // The 10:05 bar ends at 10:06; a 2-minute window lasts until a trade stamped 10:08 arrives.
        var (minutes, summary) = await BarsAsync(LateIntoABarThatNeverFormed(), "stock:005930", "1m", lateWindow: TimeSpan.FromMinutes(2));
        Assert.Equal([("2026-11-23T10:04", 100L, 70000m), ("2026-11-23T10:04", 100L, 70000m), ("2026-11-23T10:05", 100L, 69000m),
            ("2026-11-23T10:07", 200L, 70600m)], minutes.Select(Brief));
        Assert.Equal(70500m, minutes[3].GetProperty("low").GetDecimal());
        // The 10:04 bar's window (to 10:07) had passed when the late trade filled the 100 shares 10:07:05 showed missing:
        // it was emitted flagged (they might have been its own), then revised without the flag once they were found
        // elsewhere. The 10:07 bar, still forming, loses its flag.
        Assert.Equal([["gap"], ["revised"], [], ["end_of_stream"]], minutes.Select(Flags));
        Assert.Contains("gaps 0 (missing volume 0)", summary);
        Assert.Contains("late trades 0", summary);
    }

    [Fact]
    public async Task Outside_the_window_a_late_trade_comes_as_a_revision_after_the_later_bars()
    {
        // A 1-minute window ends at 10:07: the 10:07:05 trade had passed it when the 10:05 trade came. Its hole flagged
        // the 10:04 bar (emitted) and the 10:07 one: 10:04 is revised without the flag, 10:05 comes late, flagged revised.
        var (minutes, summary) = await BarsAsync(LateIntoABarThatNeverFormed(), "stock:005930", "1m", lateWindow: TimeSpan.FromMinutes(1));
        Assert.Equal([("2026-11-23T10:04", 100L, 70000m), ("2026-11-23T10:04", 100L, 70000m), ("2026-11-23T10:05", 100L, 69000m),
            ("2026-11-23T10:07", 200L, 70600m)], minutes.Select(Brief));
        Assert.Equal([["gap"], ["revised"], ["revised"], ["end_of_stream"]], minutes.Select(Flags));
        Assert.Contains("gaps 0 (missing volume 0)", summary);
        Assert.Contains("late trades 0 (in no bar)", summary);
    }

    [Fact]
    public void A_closed_bar_takes_its_late_trade_while_the_window_lasts_and_not_after()
    {
        var trades = new Trades();
        var first = trades.Make("10:05:10", 70000, 100, 100);
        var next = trades.Make("10:06:05", 70500, 100, 300);
        var late = trades.Make("10:05:40", 69000, 100, 200);

        // Window 30 s: the 10:05 bar takes trades until one stamped 10:06:30 arrives.
        var held = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { LateWindow = TimeSpan.FromSeconds(30) });
        held.Add(first);
        Assert.False(held.Add(next)); // 10:06 began; 10:05 is held, not closed
        Assert.False(held.TryTakeClosed(out _));
        held.Add(late);
        Assert.True(held.Add(trades.Make("10:06:30", 70600, 100, 400))); // the window's end: 10:05 closes
        Assert.True(held.TryTakeClosed(out var bar));
        Assert.Equal((200L, 69000m, 69000m, 2), (bar.Volume, bar.Low, bar.Close, bar.TradeCount));
        Assert.Equal(BarFlags.None, bar.Flags);
        Assert.Equal((0L, 0L, 0L), (held.LateTrades, held.Gaps, held.MissingVolume));
        Assert.False(held.TryTakeClosed(out _));
        held.Complete();
        Assert.True(held.TryTakeClosed(out var last));
        Assert.Equal(200L, last.Volume);

        // The same trades after a trade stamped at the window's end: the bar was emitted flagged; the late trade revises it.
        var passed = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { LateWindow = TimeSpan.FromSeconds(30) });
        passed.Add(first);
        passed.Add(next);
        Assert.True(passed.Add(trades.Make("10:06:30", 70600, 100, 400)));
        Assert.True(passed.TryTakeClosed(out bar));
        Assert.Equal((100L, 70000m), (bar.Volume, bar.Low));
        Assert.True(bar.HasGap);
        Assert.True(passed.Add(late));
        Assert.True(passed.TryTakeClosed(out bar));
        Assert.Equal((200L, 69000m, BarFlags.Revised), (bar.Volume, bar.Low, bar.Flags));
        Assert.Equal(0, passed.LateTrades);
        // Without revisions the trade is in no bar and the emitted bar stays as it was.
        var unrevised = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1),
            new BarOptions { LateWindow = TimeSpan.FromSeconds(30), Revisions = false });
        unrevised.Add(first);
        unrevised.Add(next);
        unrevised.Add(trades.Make("10:06:30", 70600, 100, 400));
        Assert.False(unrevised.Add(late));
        Assert.Equal(1, unrevised.LateTrades);
    }

    [Fact]
    public void The_clock_closes_a_held_bar_at_its_window_s_end()
    {
        var trades = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { LateWindow = TimeSpan.FromSeconds(30) });
        aggregator.Add(trades.At("10:05:10", 70000, 100));
        aggregator.Add(trades.At("10:06:05", 70500, 100));
        Assert.False(aggregator.CloseThrough(Trades.Kst("10:06:29")));
        Assert.True(aggregator.CloseThrough(Trades.Kst("10:06:30")));
        Assert.True(aggregator.TryTakeClosed(out var bar));
        Assert.Equal(Trades.Kst("10:05:00"), bar.OpenTime);
        Assert.False(aggregator.TryTakeClosed(out _)); // 10:06 is still forming
    }

    [Fact]
    public void A_negative_window_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { LateWindow = TimeSpan.FromSeconds(-1) }));
        Assert.Contains("LateWindow", e.Message);
    }
}
