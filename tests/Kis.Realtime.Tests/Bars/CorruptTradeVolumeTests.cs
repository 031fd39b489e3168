using static Kis.Realtime.Tests.Replay.RecordedDays;

namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 74, finding 4: a trade's own volume (cntg_vol) checked against the step of the cumulative volume, as acml_vol
/// is checked against the trades. A cntg_vol ×10 with acml_vol intact must not make the bars' volume exceed the day's
/// acml_vol: it is counted and located, and its bar takes the step.
/// </summary>
public sealed class CorruptTradeVolumeTests
{
    [Theory]
    [InlineData(0)] // arrival order
    [InlineData(5)] // the reorder window kisrt bars uses
    public void A_cntg_vol_ten_times_too_large_is_counted_and_its_bar_takes_the_cumulative_step(int windowSeconds)
    {
        var trades = new Trades();
        var first = trades.At("10:00:00", 70000, 100);
        var corrupt = trades.At("10:00:10", 70100, 50) with { Volume = 500 }; // acml_vol 150 intact
        var rest = new[] { trades.At("10:00:20", 70200, 100), trades.At("10:01:10", 70300, 10) };
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1),
            new BarOptions { ReorderWindow = TimeSpan.FromSeconds(windowSeconds) });
        var bars = new List<Bar>();
        foreach (var t in new[] { first, corrupt }.Concat(rest))
            if (aggregator.Add(t, Trades.Kst(t.Time.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))))
                while (aggregator.TryTakeClosed(out var bar)) bars.Add(bar);
        aggregator.Complete();
        while (aggregator.TryTakeClosed(out var bar)) bars.Add(bar);

        Assert.Equal([250L, 10L], bars.Select(b => b.Volume));
        Assert.Equal(trades.Accumulated, bars.Sum(b => b.Volume) + aggregator.MissingVolume);
        Assert.Equal((0L, 0L), (aggregator.Gaps, aggregator.CorruptTrades));
        Assert.Equal(1, aggregator.CorruptVolumes);
        var located = Assert.Single(aggregator.CorruptVolumeRecords);
        Assert.Equal((500L, 150L, 50L), (located.Volume, located.CumulativeVolume, located.Step));
        Assert.Equal(Trades.Kst("10:00:10"), located.Time);
    }

    [Fact]
    public async Task Kisrt_bars_says_which_trade_s_volume_was_corrupt_and_the_day_bar_equals_the_last_acml_vol()
    {
        var dir = Write(KisTrs.H0STCNT0, "005930", T("2026-11-23 10:00:00", 70000, 100, 100), T("2026-11-23 10:00:10", 70100, 500, 150),
            T("2026-11-23 10:00:20", 70200, 100, 250), T("2026-11-23 10:01:10", 70300, 10, 260));
        var (days, summary) = await BarsAsync(dir, "stock:005930", "1d");
        Assert.Equal(260L, Assert.Single(days).GetProperty("volume").GetInt64());
        Assert.Contains("gaps 0 (missing volume 0)", summary);
        Assert.Contains("corrupt trade volumes 1 (first at 2026-11-23 10:00:10: cntg_vol 500, the acml_vol step 50)", summary);
    }
}
