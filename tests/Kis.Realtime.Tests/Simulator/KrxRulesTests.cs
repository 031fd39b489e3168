using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;
using Kis.Realtime.Simulator.Trading.Ledger;
using Kis.Realtime.Simulator.Trading.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// KRX's rule table (<see cref="KrxRules"/>) against KRX's published rules, band edge by band edge and for every on-tick
/// previous close from 1,000 to 600,000 KRW, and the paths that use it (the simulated market the paper venue quotes,
/// the backtest's <see cref="StockRules"/>) agreeing with it.
/// </summary>
public sealed class KrxRulesTests
{
    /// <summary>Each band's edges: the last price of a band and the first of the next (KRX, since 2023-01-25).</summary>
    public static TheoryData<long, long> BandEdges => new()
    {
        { 1, 1 }, { 1_999, 1 }, { 2_000, 5 }, { 4_995, 5 }, { 5_000, 10 }, { 19_990, 10 }, { 20_000, 50 }, { 49_950, 50 },
        { 50_000, 100 }, { 199_900, 100 }, { 200_000, 500 }, { 499_500, 500 }, { 500_000, 1_000 }, { 2_000_000, 1_000 },
    };

    [Theory]
    [MemberData(nameof(BandEdges))]
    public void A_band_edge_has_its_bands_tick_and_the_steps_across_it_land_on_the_grid(long price, long tick)
    {
        Assert.Equal(tick, KrxRules.StockTick(price));
        Assert.True(KrxRules.IsOnStockTick(price));
        Assert.Equal(price, KrxRules.RoundDownToStockTick(price + tick - 1));
        var up = KrxRules.StockTickUp(price);
        Assert.True(KrxRules.IsOnStockTick(up), $"{up} above {price}");
        Assert.Equal(price, KrxRules.StockTickDown(up));
        if (price > 1) Assert.Equal(price - KrxRules.StockTick(price - 1), KrxRules.StockTickDown(price));
    }

    [Fact]
    public void A_price_inside_a_band_but_off_its_tick_is_off_the_grid()
    {
        Assert.False(KrxRules.IsOnStockTick(2_001));
        Assert.False(KrxRules.IsOnStockTick(5_005));
        Assert.False(KrxRules.IsOnStockTick(20_010));
        Assert.False(KrxRules.IsOnStockTick(50_050));
        Assert.False(KrxRules.IsOnStockTick(200_100));
        Assert.False(KrxRules.IsOnStockTick(500_500));
        Assert.False(KrxRules.IsOnStockTick(0));
    }

    /// <summary>Issue 73, finding 7: an ETF is on KRX's 5-won grid at every price, a stock on its band; only a stock's
    /// sale pays the securities transaction tax. Every ETF the rules name is one the instrument master lists.</summary>
    [Fact]
    public void An_etf_is_on_the_5_won_grid_at_every_price_and_its_sale_pays_no_tax()
    {
        // Off the stock band at each (ticks 10, 50, 100, 1,000), on the ETF's 5 won.
        foreach (var price in new long[] { 5_005, 35_005, 99_995, 500_005 })
            Assert.Equal((true, false), (KrxRules.IsOnTick("069500", price), KrxRules.IsOnTick("005930", price)));
        Assert.False(KrxRules.IsOnTick("069500", 35_003));
        Assert.False(KrxRules.IsOnTick("069500", 0));
        Assert.True(KrxRules.IsOnTick("005930", 35_050));
        Assert.Equal((false, true), (KrxRules.PaysSellTax("069500"), KrxRules.PaysSellTax("005930")));
        foreach (var etf in new[] { "069500", "102110", "122630", "114800", "229200" })
            Assert.True(KrxRules.IsEtf(etf) && InstrumentMaster.IsListedStock(etf), etf);
        Assert.Equal(0m, TradingCosts.Default.OfStockFill("069500", buy: false, 10, 35_005).Tax);
        Assert.Equal(10m * 70_000 * KisTradingCosts.DefaultSellTaxRate, TradingCosts.Default.OfStockFill("005930", buy: false, 10, 70_000).Tax);
    }

    /// <summary>Worked by hand from KRX's three steps (width = 30 % cut to the base's tick; base ± width; the upper cut
    /// to its own band's tick). The first row is KRX's own published example.</summary>
    public static TheoryData<long, long, long> Limits => new()
    {
        { 9_980, 6_990, 12_970 },   // 2,994 → 2,990
        { 1_000, 700, 1_300 },
        { 1_001, 701, 1_301 },      // 300.3 → 300: the floor the market once put at 700
        { 1_999, 1_400, 2_595 },    // 599.7 → 599; 2,598 cut to the 5-won band
        { 2_005, 1_405, 2_605 },    // 601.5 → 600 on the base's 5-won tick (×0.7 rounded up would say 1,404)
        { 4_995, 3_500, 6_490 },    // 1,498.5 → 1,495
        { 15_390, 10_780, 20_000 }, // 4,617 → 4,610; the upper lands on the 50-won band's first price
        { 15_410, 10_790, 20_000 }, // 4,623 → 4,620; 20,030 cut to 20,000
        { 49_950, 35_000, 64_900 }, // 14,985 → 14,950; 64,900 on the 100-won band
        { 155_000, 108_500, 201_500 },
        { 199_900, 140_000, 259_500 }, // 59,970 → 59,900; 259,800 cut to 259,500
        { 600_000, 420_000, 780_000 },
    };

    [Theory]
    [MemberData(nameof(Limits))]
    public void Daily_limits_follow_KRXs_published_calculation(long previousClose, long lower, long upper)
        => Assert.Equal((lower, upper), KrxRules.StockDailyLimits(previousClose));

    [Fact]
    public void Every_on_tick_close_from_1000_to_600000_gets_KRXs_limits_on_the_grid_and_within_30_percent()
    {
        var closes = 0;
        for (var close = 1_000L; close <= 600_000; close += Tick(close))
        {
            var (lower, upper) = KrxRules.StockDailyLimits(close);
            Assert.Equal(Published(close), (lower, upper));
            Assert.True(KrxRules.IsOnStockTick(lower) && KrxRules.IsOnStockTick(upper), $"close {close}: {lower}..{upper}");
            Assert.True(lower * 10 >= close * 7 && upper * 10 <= close * 13, $"close {close}: {lower}..{upper} beyond 30 %");
            closes++;
        }
        Assert.Equal(5_901, closes);
    }

    /// <summary>KRX's published calculation, in decimals, written apart from the table it checks.</summary>
    private static (long Lower, long Upper) Published(long close)
    {
        var baseTick = (decimal)Tick(close);
        var width = decimal.Floor(close * 0.3m / baseTick) * baseTick;
        var upper = close + width;
        upper = decimal.Floor(upper / Tick((long)upper)) * Tick((long)upper);
        return ((long)(close - width), (long)upper);
    }

    private static long Tick(long p) => p switch { < 2_000 => 1, < 5_000 => 5, < 20_000 => 10, < 50_000 => 50, < 200_000 => 100, < 500_000 => 500, _ => 1_000 };

    /// <summary>The stocks the simulator prices low (where ticks of 1 and 5 KRW make the rounding matter), over many seeds:
    /// the market's limits (what the paper venue checks an order against) are the table's, as the backtest's are.</summary>
    [Fact]
    public void The_simulated_markets_limits_are_the_tables_for_every_stock_it_prices()
    {
        string[] lowPriced = ["308100", "023460", "158430", "462860", "114800", "006220", "005930"];
        var compared = 0;
        for (var seed = 1; seed <= 40; seed++)
        {
            var market = new SimulatedMarket(SimulatorOptions.Default with { Seed = seed });
            foreach (var code in lowPriced)
            {
                var book = market.StockBookForOrders(code);
                Assert.Equal(KrxRules.StockDailyLimits(book.PreviousClose), (book.LowerLimit, book.UpperLimit));
                Assert.True(KrxRules.IsOnStockTick(book.PreviousClose), $"seed {seed} {code}: close {book.PreviousClose}");
                compared++;
            }
        }
        Assert.Equal(280, compared);
    }

    public static TheoryData<string, long, long> DerivativeTicks => new()
    {
        { "101W9000", 35_000, 5 }, { "105W9000", 35_000, 2 }, { "106W9000", 1_300, 10 },
        { "201W9350", 999, 1 }, { "201W9350", 1_000, 5 },
        { "205W9350", 299, 1 }, { "205W9350", 300, 2 }, { "205W9350", 999, 2 }, { "205W9350", 1_000, 5 },
        { "111W9000", 7_000_000, 0 }, { "206W9350", 100, 0 }, { "1010000000", 35_000, 0 },
        // KRX's six-character futures codes (KIS's own futures order sample orders 101W09) are priced as the eight-character ones;
        // a form KRX does not list is not (a tail other than 000, a month KOSPI200 futures never expire in).
        { "101W09", 35_000, 5 }, { "105W01", 35_000, 2 }, { "106X12", 1_300, 10 },
        { "101W01", 35_000, 0 }, { "101W9999", 35_000, 0 }, { "101W1000", 35_000, 0 },
    };

    [Theory]
    [MemberData(nameof(DerivativeTicks))]
    public void Derivative_ticks_by_product_and_premium(string code, long hundredths, long tick)
        => Assert.Equal(tick, KrxRules.DerivativeTick(code, hundredths));

    [Fact]
    public void Multipliers_and_futures_limits()
    {
        Assert.Equal(250_000, KrxRules.Multiplier("101W9000"));
        Assert.Equal(250_000, KrxRules.Multiplier("201W9350"));
        Assert.Equal(50_000, KrxRules.Multiplier("105W9000"));
        Assert.Equal(10_000, KrxRules.Multiplier("106W9000"));
        Assert.Equal((28_000L, 42_000L), KrxRules.FuturesDailyLimits(35_000, 5));
        Assert.Equal((28_005L, 42_005L), KrxRules.FuturesDailyLimits(35_005, 5));
        Assert.Equal((28_004L, 42_002L), KrxRules.FuturesDailyLimits(35_003, 2));
    }
}
