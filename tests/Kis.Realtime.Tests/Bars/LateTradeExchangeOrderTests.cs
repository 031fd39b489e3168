namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// Issue 57 (left from item 1/3): a late trade (past the reorder window) of a tick, volume or value bar already emitted
/// went into the bar forming then — a later bar, its price bending that bar — uncounted, while the emitted bar kept a gap
/// flag the summary no longer counted. And a late trade joining a bar took its close, whatever its place in the tape.
/// The truth here is built apart from the aggregator: bars in exchange order (cumulative volume) of the trades in time.
/// </summary>
public sealed class LateTradeExchangeOrderTests
{
    private static List<Bar> Feed(BarAggregator<StockTrade, StockTradeAccessor> aggregator, IEnumerable<StockTrade> trades)
        => BarAggregatorTests.Feed(aggregator, trades);

    // Eight trades of one day, 100 shares each; the third arrives after the fifth, when its bar was emitted already.
    private static (StockTrade[] Exchange, StockTrade[] Arrival) Tape()
    {
        var trades = new Trades();
        decimal[] prices = [70000, 70100, 69000, 70300, 70400, 70500, 70600, 70700];
        var exchange = prices.Select((p, i) => trades.Make($"10:00:0{i + 1}", p, 100, 100L * (i + 1))).ToArray();
        StockTrade[] arrival = [exchange[0], exchange[1], exchange[3], exchange[4], exchange[2], exchange[5], exchange[6], exchange[7]];
        return (exchange, arrival);
    }

    // Threshold bars in exchange order over the trades given; the late trade of an emitted bar is in none (docs/bars.md).
    private static List<(decimal O, decimal H, decimal L, decimal C, long Volume, int Count)> ThresholdTruth(
        IEnumerable<StockTrade> trades, Func<List<StockTrade>, bool> full)
    {
        var bars = new List<(decimal, decimal, decimal, decimal, long, int)>();
        var bar = new List<StockTrade>();
        void Close()
        {
            if (bar.Count == 0) return;
            bars.Add((bar[0].Price, bar.Max(t => t.Price), bar.Min(t => t.Price), bar[^1].Price, bar.Sum(t => t.Volume), bar.Count));
            bar = [];
        }
        foreach (var t in trades.OrderBy(t => t.CumulativeVolume))
        {
            bar.Add(t);
            if (full(bar)) Close();
        }
        Close();
        return bars;
    }

    [Theory]
    [InlineData("tick")]
    [InlineData("volume")]
    [InlineData("value")]
    public void A_late_trade_of_an_emitted_threshold_bar_is_in_no_bar_counted_and_the_later_bars_are_the_exchange_order_s(string kind)
    {
        var (spec, full) = kind switch
        {
            "tick" => (BarSpec.Ticks(3), (Func<List<StockTrade>, bool>)(b => b.Count >= 3)),
            "volume" => (BarSpec.Volume(300), b => b.Sum(t => t.Volume) >= 300),
            _ => (BarSpec.Value(21_000_000m), b => b.Sum(t => t.Price * t.Volume) >= 21_000_000m),
        };
        var (exchange, arrival) = Tape();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(spec);
        var bars = Feed(aggregator, arrival);

        var late = exchange[2];
        Assert.Equal(ThresholdTruth(exchange.Where(t => t.CumulativeVolume != late.CumulativeVolume), full),
            bars.Select(b => (b.Open, b.High, b.Low, b.Close, b.Volume, b.TradeCount)).ToList());
        // Its bar is emitted missing the late trade's volume, and stays flagged: volume is missing from it at the end.
        Assert.True(bars[0].HasGap);
        Assert.All(bars.Skip(1), b => Assert.False(b.HasGap));
        Assert.Equal(1, aggregator.LateTrades);
        Assert.Equal(exchange.Sum(t => t.Volume), bars.Sum(b => b.Volume) + late.Volume);
    }

    [Theory]
    [InlineData("tick")]
    [InlineData("volume")]
    [InlineData("value")]
    public void A_late_trade_after_the_last_emitted_threshold_bar_joins_the_forming_one_in_its_exchange_place(string kind)
    {
        var spec = kind switch { "tick" => BarSpec.Ticks(4), "volume" => BarSpec.Volume(400), _ => BarSpec.Value(28_000_000m) };
        var trades = new Trades();
        var t1 = trades.Make("10:00:01", 70000, 100, 100);
        var t2 = trades.Make("10:00:02", 69000, 100, 200); // late: after t3 found the hole
        var t3 = trades.Make("10:00:03", 70300, 100, 300);
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(spec);
        var bar = Assert.Single(Feed(aggregator, [t1, t3, t2]));

        Assert.Equal((70000m, 70300m, 69000m, 70300m, 300L, 3), (bar.Open, bar.High, bar.Low, bar.Close, bar.Volume, bar.TradeCount));
        Assert.False(bar.HasGap);
        Assert.Equal((0L, 0L, 0L), (aggregator.LateTrades, aggregator.Gaps, aggregator.MissingVolume));
    }

    [Fact]
    public void A_late_trade_inside_the_forming_time_bar_does_not_take_its_close()
    {
        var trades = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        var bar = Assert.Single(Feed(aggregator,
        [
            trades.Make("10:05:10", 70000, 100, 100),
            trades.Make("10:05:50", 70500, 100, 300), // 100 missing
            trades.Make("10:05:30", 69000, 100, 200), // the missing trade, late, inside the bar
        ]));

        Assert.Equal((70000m, 70500m, 69000m, 70500m, 300L), (bar.Open, bar.High, bar.Low, bar.Close, bar.Volume));
        Assert.False(bar.HasGap);
    }

    [Fact]
    public void A_revision_by_a_trade_inside_the_emitted_bar_keeps_its_close()
    {
        var trades = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        var bars = Feed(aggregator,
        [
            trades.Make("10:05:10", 70000, 100, 100),
            trades.Make("10:05:50", 70500, 100, 300), // 100 missing
            trades.Make("10:06:05", 71000, 100, 400), // closes 10:05 flagged
            trades.Make("10:05:30", 69000, 100, 200), // late, inside the emitted bar
        ]);

        var revised = bars.Last(b => b.OpenTime == Trades.Kst("10:05:00"));
        Assert.True(revised.Flags.HasFlag(BarFlags.Revised));
        Assert.Equal((70000m, 70500m, 69000m, 70500m, 300L, 3), (revised.Open, revised.High, revised.Low, revised.Close, revised.Volume, revised.TradeCount));
    }
}
