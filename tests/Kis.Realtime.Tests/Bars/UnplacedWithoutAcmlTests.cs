namespace Kis.Realtime.Tests.Bars;

/// <summary>
/// A trade without a cumulative volume (a view whose accessor carries none) cannot be placed by acml_vol: only its stamp
/// says where it belongs. One stamped in a bar already closed goes into no bar, and the figures a user reconciles against
/// the exchange's day volume (which counts it) must say so: late trades, gaps and missing volume, never "gaps 0 (missing
/// volume 0)" with its volume left out of the bars.
/// </summary>
public sealed class UnplacedWithoutAcmlTests
{
    private static readonly DateTime Day = new(2026, 11, 23, 9, 0, 0);

    /// <summary><see cref="StockTradeAccessor"/> with no cumulative volume (-1: "the view carries none").</summary>
    private readonly struct NoAcml : ITradeAccessor<StockTrade>
    {
        public static string Key(in StockTrade trade) => StockTradeAccessor.Key(trade);
        public static string TrId(in StockTrade trade) => StockTradeAccessor.TrId(trade);
        public static bool IsTrade(in StockTrade trade) => StockTradeAccessor.IsTrade(trade);
        public static DateOnly? Date(in StockTrade trade) => StockTradeAccessor.Date(trade);
        public static TimeOnly Time(in StockTrade trade) => StockTradeAccessor.Time(trade);
        public static decimal Price(in StockTrade trade) => StockTradeAccessor.Price(trade);
        public static long Volume(in StockTrade trade) => StockTradeAccessor.Volume(trade);
        public static long CumulativeVolume(in StockTrade trade) => -1;
        public static bool ValueIsPriceTimesVolume => StockTradeAccessor.ValueIsPriceTimesVolume;
        public static decimal Value(in StockTrade trade) => StockTradeAccessor.Value(trade);
        public static TradingSessions Session(in StockTrade trade) => StockTradeAccessor.Session(trade);
    }

    private static StockTrade T(int second, long volume) => new()
    {
        StockCode = "005930", Venue = StockVenue.Krx, BusinessDate = new DateOnly(2026, 11, 23),
        Time = TimeOnly.FromDateTime(Day.AddSeconds(second)), Price = 70_000m + second, Volume = volume,
        CumulativeVolume = 0, MarketOperationCode = "20", SessionCode = "0", RandomEndCode = "",
    };

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void A_trade_without_acml_stamped_in_a_closed_bar_is_late_and_missing(int reorderWindowSeconds)
    {
        var aggregator = new BarAggregator<StockTrade, NoAcml>(BarSpec.Minutes(1),
            new BarOptions { ReorderWindow = TimeSpan.FromSeconds(reorderWindowSeconds) });
        // 09:00:10 (100), 09:01:05 (20) closes the 09:00 bar, then 09:00:50 (50) comes: its bar is gone.
        var trades = new[] { T(10, 100), T(65, 20), T(50, 50), T(70, 0), T(90, 30) };
        var bars = new List<Bar>();
        var received = new DateTimeOffset(Day, TimeSpan.FromHours(9));
        foreach (var trade in trades)
        {
            received = received.AddSeconds(1);
            if (aggregator.Add(trade, received))
                while (aggregator.TryTakeClosed(out var bar)) bars.Add(bar);
        }
        aggregator.Complete();
        while (aggregator.TryTakeClosed(out var bar)) bars.Add(bar);

        Assert.Equal([100L, 50L], bars.Select(b => b.Volume));
        // In no bar and counted, its volume missing; a trade adding no volume (09:01:10) is in its bar and missing nothing.
        Assert.Equal((1L, 1L, 50L), (aggregator.LateTrades, aggregator.Gaps, aggregator.MissingVolume));
        Assert.Equal(trades.Sum(t => t.Volume), bars.Sum(b => b.Volume) + aggregator.MissingVolume);
    }

    [Fact]
    public void A_tick_bar_trade_without_acml_stamped_before_the_last_closed_bars_last_trade_is_late_and_missing()
    {
        // Two-trade bars: 09:00:10 and 09:00:20 make one. 09:00:20 again (the same second: after it, as far as stamps
        // tell) begins the next; 09:00:15 comes after: by its stamp it is the emitted bar's, so it goes into no bar and is
        // counted, as a time bar's would be. Before, it went into the forming bar uncounted.
        var aggregator = new BarAggregator<StockTrade, NoAcml>(BarSpec.Ticks(2));
        var trades = new[] { T(10, 100), T(20, 20), T(20, 7), T(15, 40), T(30, 30) };
        var bars = new List<Bar>();
        foreach (var trade in trades)
            if (aggregator.Add(trade))
                while (aggregator.TryTakeClosed(out var bar)) bars.Add(bar);
        aggregator.Complete();
        while (aggregator.TryTakeClosed(out var bar)) bars.Add(bar);

        Assert.Equal([120L, 37L], bars.Select(b => b.Volume));
        Assert.Equal((1L, 1L, 40L), (aggregator.LateTrades, aggregator.Gaps, aggregator.MissingVolume));
        Assert.Equal(trades.Sum(t => t.Volume), bars.Sum(b => b.Volume) + aggregator.MissingVolume);
    }
}
