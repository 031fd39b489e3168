namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 57 item 3: one rule for the gap flag: a bar is flagged exactly when volume is missing from it at the end. A late
/// trade (after the reorder and late windows) that fills a hole after its bar was emitted is reported as a revised bar
/// (<see cref="BarFlags.Revised"/>): the bar again, with the trade, its gap flag recomputed; the counts agree with it.
/// </summary>
public sealed class LateFillRevisionTests
{
    private static List<Bar> Feed(BarAggregator<StockTrade, StockTradeAccessor> aggregator, params StockTrade[] trades)
        => BarAggregatorTests.Feed(aggregator, trades);

    // The last revision of each interval: what a consumer keeps.
    private static List<Bar> Final(List<Bar> bars) =>
        [.. bars.GroupBy(b => b.OpenTime).Select(g => g.Last()).OrderBy(b => b.OpenTime)];

    [Fact]
    public void A_late_trade_of_an_emitted_flagged_bar_revises_it_and_the_flag_goes()
    {
        var trades = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        var bars = Feed(aggregator,
            trades.Make("10:05:10", 70000, 100, 100),
            trades.Make("10:06:05", 70500, 100, 300), // 100 missing: the 10:05 bar closes flagged
            trades.Make("10:05:40", 69000, 100, 200)); // the missing trade, after 10:05 was emitted

        Assert.Equal(3, bars.Count);
        Assert.Equal((100L, BarFlags.Gap), (bars[0].Volume, bars[0].Flags));
        var revised = bars[1];
        Assert.Equal(Trades.Kst("10:05:00"), revised.OpenTime);
        Assert.Equal((200L, 2, 70000m, 69000m, 69000m), (revised.Volume, revised.TradeCount, revised.Open, revised.Low, revised.Close));
        Assert.Equal(BarFlags.Revised, revised.Flags);
        Assert.Equal(BarFlags.EndOfStream, bars[2].Flags); // the 10:06 bar lost its flag while forming
        Assert.Equal((0L, 0L, 0L), (aggregator.Gaps, aggregator.MissingVolume, aggregator.LateTrades));
    }

    [Fact]
    public void A_bar_flagged_only_because_the_missing_trades_might_have_been_its_own_is_revised_without_the_flag()
    {
        var trades = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        var bars = Feed(aggregator,
            trades.Make("10:05:10", 70000, 100, 100),
            trades.Make("10:06:05", 70500, 100, 300),
            trades.Make("10:06:02", 69000, 100, 200)); // late, but the forming bar's own

        var final = Final(bars);
        Assert.Equal([false, false], final.Select(b => b.HasGap));
        Assert.Equal([100L, 200L], final.Select(b => b.Volume));
        Assert.Equal(BarFlags.Revised, final[0].Flags);
        Assert.Equal((0L, 0L), (aggregator.Gaps, aggregator.MissingVolume));
    }

    [Fact]
    public void A_late_trade_of_an_interval_that_had_no_bar_comes_as_a_revised_bar_of_its_own()
    {
        var trades = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        var bars = Feed(aggregator,
            trades.Make("10:04:10", 70000, 100, 100),
            trades.Make("10:07:05", 70500, 100, 300),
            trades.Make("10:07:40", 70600, 100, 400),
            trades.Make("10:05:20", 69000, 100, 200)); // arrives after 10:07's trades

        var final = Final(bars);
        Assert.Equal([Trades.Kst("10:04:00"), Trades.Kst("10:05:00"), Trades.Kst("10:07:00")], final.Select(b => b.OpenTime));
        Assert.Equal([100L, 100L, 200L], final.Select(b => b.Volume));
        Assert.All(final, b => Assert.False(b.HasGap));
        Assert.Equal(BarFlags.Revised, final[1].Flags);
        Assert.Equal((0L, 0L, 0L), (aggregator.Gaps, aggregator.MissingVolume, aggregator.LateTrades));
    }

    [Fact]
    public void A_hole_filled_in_part_leaves_the_bar_flagged_and_the_rest_counted()
    {
        var trades = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        var bars = Feed(aggregator,
            trades.Make("10:05:10", 70000, 100, 100),
            trades.Make("10:06:05", 70500, 100, 400), // 200 missing: two trades
            trades.Make("10:05:40", 69000, 100, 200)); // one of them comes late

        var final = Final(bars);
        Assert.Equal((200L, true), (final[0].Volume, final[0].HasGap));
        Assert.True(final[0].Flags.HasFlag(BarFlags.Revised));
        Assert.True(final[1].HasGap);
        Assert.Equal((1L, 100L), (aggregator.Gaps, aggregator.MissingVolume));
    }
}
