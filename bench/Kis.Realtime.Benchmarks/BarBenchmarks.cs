using BenchmarkDotNet.Attributes;

namespace Kis.Realtime.Benchmarks;

/// <summary>
/// Bars and live instrument state from pre-decoded typed values (decode is measured by DecodeBenchmarks): ns per trade
/// (trades/s = 1e9 / ns) and bytes allocated per trade. One op = one trade (OperationsPerInvoke). A day of 8,192 trades
/// (one every ~3 s from 09:00, so a 1-minute bar closes about every 20 trades), fed again from a reset aggregator.
/// </summary>
[MemoryDiagnoser]
public class BarBenchmarks
{
    private const int Count = 8192;
    internal const int TradesPerPass = Count;
    private StockTrade[] _trades = null!;
    private IndexTick[] _ticks = null!;
    private OverseasStockTrade[] _usTrades = null!;
    private BarAggregator<OverseasStockTrade, OverseasStockTradeAccessor> _usMinutes = null!;
    private StockOrderBook[] _books = null!;
    private BarAggregator<StockTrade, StockTradeAccessor> _minutes = null!;
    private BarAggregator<StockTrade, StockTradeAccessor> _tickBars = null!;
    private BarAggregator<IndexTick, IndexTickAccessor> _indexMinutes = null!;
    private GapDetector _detector = null!;
    private InstrumentState _state = null!;
    private int _pass;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        _trades = new StockTrade[Count];
        _ticks = new IndexTick[Count];
        _books = new StockOrderBook[Count];
        _usTrades = new OverseasStockTrade[Count];
        var usOpen = new DateTime(2026, 3, 9, 22, 30, 0); // KST: the first New York summer-time session, across KST midnight
        long accumulated = 0;
        var price = 70_000m;
        for (var i = 0; i < Count; i++)
        {
            var time = new TimeOnly(9, 0, 0).Add(TimeSpan.FromSeconds(i * 23_400L / Count));
            price += random.Next(-2, 3) * 100;
            var volume = random.Next(1, 500);
            accumulated += volume;
            _trades[i] = new StockTrade
            {
                StockCode = "005930", Venue = StockVenue.Krx, Time = time, BusinessDate = new DateOnly(2026, 11, 23), Price = price,
                Volume = volume, CumulativeVolume = accumulated, CumulativeTradeValue = accumulated * 70_000, Open = 70_000m,
                High = price + 500, Low = price - 500, BestBid = price - 100, BestAsk = price, BestBidQuantity = 10, BestAskQuantity = 12,
                MarketOperationCode = "20", SessionCode = "0", RandomEndCode = "", OpenTime = new(9, 0, 0),
            };
            var us = usOpen.AddSeconds(i * 23_400L / Count);
            _usTrades[i] = new OverseasStockTrade
            {
                Symbol = "DNASAAPL", Ticker = "AAPL", SessionCode = "", KoreaDate = DateOnly.FromDateTime(us), KoreaTime = TimeOnly.FromDateTime(us),
                Price = price / 300, Volume = volume, CumulativeVolume = accumulated,
            };
            _ticks[i] = new IndexTick { IndexCode = "0001", Time = time, Value = 2600m + i % 100, TickVolume = volume, CumulativeVolume = accumulated,
                TickTradeValue = volume * 3 };
            OrderBookLevels bids = default, asks = default;
            bids[0] = new OrderBookLevel(price - 100, 10);
            asks[0] = new OrderBookLevel(price, 12);
            _books[i] = new StockOrderBook { StockCode = "005930", Venue = StockVenue.Krx, Time = time, Bids = bids, Asks = asks, SessionCode = "0",
                DealTypeCode = "" };
        }
        var options = new BarOptions { TradingDate = new DateOnly(2026, 11, 23) };
        _minutes = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), options);
        _tickBars = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Ticks(100), options);
        _indexMinutes = new BarAggregator<IndexTick, IndexTickAccessor>(BarSpec.Minutes(1), options);
        _usMinutes = new BarAggregator<OverseasStockTrade, OverseasStockTradeAccessor>(BarSpec.Minutes(1), options);
        _detector = new GapDetector("H0STCNT0", "005930");
        _state = new InstrumentState("005930");
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public decimal StockTrade_MinuteBars() => Feed(_minutes, _trades);

    [Benchmark(OperationsPerInvoke = Count)]
    public decimal StockTrade_TickBars100() => Feed(_tickBars, _trades);

    /// <summary>A US stock: New York time with summer time, a session across KST midnight.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public decimal OverseasTrade_MinuteBars() => Feed(_usMinutes, _usTrades);

    [Benchmark(OperationsPerInvoke = Count)]
    public decimal IndexTick_MinuteBars() => Feed(_indexMinutes, _ticks);

    [Benchmark(OperationsPerInvoke = Count)]
    public long StockTrade_GapDetector()
    {
        var detector = _detector;
        var trades = _trades;
        long found = 0;
        // Each pass is a new day for the detector (acml_vol starts again), as a reset costs nothing to allocate.
        var time = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(9)).AddDays(_pass++);
        for (var i = 0; i < trades.Length; i++)
            if (detector.Observe(time, trades[i].Volume, trades[i].CumulativeVolume, out _)) found++;
        return found;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public long InstrumentState_ApplyTrade()
    {
        var state = _state;
        var trades = _trades;
        for (var i = 0; i < trades.Length; i++) state.Apply(trades[i]);
        return state.Version;
    }

    [Benchmark(OperationsPerInvoke = Count)]
    public long InstrumentState_ApplyBook()
    {
        var state = _state;
        var books = _books;
        for (var i = 0; i < books.Length; i++) state.Apply(books[i]);
        return state.Version;
    }

    private static decimal Feed<TTrade, TAccessor>(BarAggregator<TTrade, TAccessor> aggregator, TTrade[] trades)
        where TTrade : struct where TAccessor : ITradeAccessor<TTrade>
    {
        aggregator.Reset();
        decimal sum = 0;
        for (var i = 0; i < trades.Length; i++)
            if (aggregator.Add(trades[i]))
                while (aggregator.TryTakeClosed(out var bar)) sum += bar.Close;
        return sum;
    }
}
