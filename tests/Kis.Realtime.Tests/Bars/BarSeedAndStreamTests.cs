
namespace Kis.Realtime.Tests.Bars;

public class BarSeedAndStreamTests
{
    private static async IAsyncEnumerable<T> Stream<T>(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }

    private static async Task<List<Bar>> Collect(IAsyncEnumerable<Bar> bars)
    {
        var list = new List<Bar>();
        await foreach (var b in bars) list.Add(b);
        return list;
    }

    // The day so far, as KIS's REST minute chart sends it (newest first): 09:00, 09:01 and the forming 09:02.
    private static readonly MinuteChartRow[] Rows =
    [
        new("20261123", "090200", "101", "100", "101", "100", "3", "1795"),   // acml_tr_pbmn: the day's value after the minute
        new("20261123", "090100", "100", "99", "100", "98", "5", "1492"),
        new("20261123", "090000", "99", "100", "100", "99", "10", "995"),
    ];

    [Fact]
    public void A_row_binds_from_kis_json_by_kis_field_names()
    {
        const string json = """
            [{"stck_bsop_date":"20261123","stck_cntg_hour":"090200","stck_prpr":"101","stck_oprc":"100","stck_hgpr":"101",
              "stck_lwpr":"100","cntg_vol":"3","acml_tr_pbmn":"1795"}]
            """;
        var rows = System.Text.Json.JsonSerializer.Deserialize<MinuteChartRow[]>(json);
        Assert.Equal([Rows[0]], rows!);
    }

    [Fact]
    public void Rest_rows_become_minute_bars_in_time_order_with_value_from_the_cumulative_value()
    {
        var bars = MinuteChartRow.ToBars("005930", Rows);
        Assert.Equal(["09:00", "09:01", "09:02"], bars.Select(b => b.OpenTime.ToString("HH:mm")));
        Assert.Equal((100m, 100m, 99m, 99m, 10L, 995m, BarFlags.Seeded),
            (bars[0].Open, bars[0].High, bars[0].Low, bars[0].Close, bars[0].Volume, bars[0].Value, bars[0].Flags));
        Assert.Equal(497m, bars[1].Value);
        Assert.Equal(Trades.Kst("09:03:00"), bars[2].CloseTime);
        var e = Assert.Throws<FormatException>(() => MinuteChartRow.ToBars("005930", [Rows[0] with { Volume = "x" }]));
        Assert.Contains("cntg_vol", e.Message);
    }

    [Fact]
    public async Task Live_bars_continue_the_seed_without_gap_or_overlap_when_cumulative_volume_agrees()
    {
        // Before the first live trade the day traded 10 + 5 + 3 = 18 shares: exactly what the seed holds.
        var s = new Trades { Accumulated = 18 };
        var options = new BarOptions { SeedBars = MinuteChartRow.ToBars("005930", Rows) };
        var bars = await Collect(Stream([s.At("09:02:40", 102, 2), s.At("09:03:05", 103, 1)]).ToBarsAsync(BarSpec.Minutes(1), options));

        Assert.Equal(["09:00", "09:01", "09:02", "09:03"], bars.Select(b => b.OpenTime.ToString("HH:mm")));
        Assert.All(bars.Take(2), b => Assert.Equal(BarFlags.Seeded, b.Flags));
        var joined = bars[2];
        Assert.Equal((100m, 102m, 100m, 102m, 5L), (joined.Open, joined.High, joined.Low, joined.Close, joined.Volume));
        Assert.Equal(BarFlags.Seeded, joined.Flags); // begun by the seed, continued live, closed by the 09:03 trade
        Assert.Equal(18 + 3, bars.Sum(b => b.Volume));
    }

    [Fact]
    public void Seeding_after_the_first_trade_or_with_bars_of_another_length_is_refused()
    {
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(5));
        Assert.Throws<ArgumentException>(() => aggregator.Seed(MinuteChartRow.ToBars("005930", Rows)));
        aggregator.Add(new Trades().At("09:00:00", 1, 1));
        Assert.Throws<InvalidOperationException>(() => aggregator.Seed([]));
    }

    [Fact]
    public async Task Streams_route_by_key_and_give_forming_updates_when_asked()
    {
        var a = new Trades("005930");
        var b = new Trades("000660");
        StockTrade[] trades = [a.At("09:00:01", 10, 1), b.At("09:00:02", 20, 2), a.At("09:00:03", 11, 1), a.At("09:01:00", 12, 1), b.At("09:01:30", 21, 1)];

        var closed = await Collect(Stream(trades).ToBarsAsync(BarSpec.Minutes(1)));
        Assert.Equal(["005930 09:00 2", "000660 09:00 2", "005930 09:01 1", "000660 09:01 1"],
            closed.Select(x => $"{x.Key} {x.OpenTime:HH:mm} {x.Volume}"));

        var updates = await Collect(Stream(trades).ToBarsAsync(BarSpec.Minutes(1), new BarOptions { FormingUpdates = true, FlushAtEnd = false }));
        Assert.Equal(["005930 09:00 1 F", "000660 09:00 2 F", "005930 09:00 2 F", "005930 09:00 2 C", "005930 09:01 1 F", "000660 09:00 2 C",
            "000660 09:01 1 F"],
            updates.Select(x => $"{x.Key} {x.OpenTime:HH:mm} {x.Volume} {(x.IsForming ? "F" : "C")}"));
    }

    [Fact]
    public async Task Every_trade_view_has_bars()
    {
        var futures = await Collect(Stream(new[]
        {
            new FuturesTrade { Code = "101W09", Market = DerivativesMarket.IndexFutures, Time = new(9, 0, 0), Price = 350.05m, Volume = 2,
                CumulativeVolume = 2 },
            new FuturesTrade { Code = "101W09", Market = DerivativesMarket.IndexFutures, Time = new(9, 0, 30), Price = 350.10m, Volume = 1,
                CumulativeVolume = 3 },
        }).ToBarsAsync(BarSpec.Minutes(1), new BarOptions { TradingDate = Trades.Day }));
        Assert.Equal((3L, 350.10m, 700.10m + 350.10m), (futures.Single().Volume, futures.Single().Close, futures.Single().Value));

        var options = await Collect(Stream(new[]
        {
            new OptionsTrade { Code = "201W08427", Market = DerivativesMarket.IndexOptions, Time = new(9, 0, 0), Price = 1.5m, Volume = 4,
                CumulativeVolume = 4 },
        }).ToBarsAsync(BarSpec.Seconds(30), new BarOptions { TradingDate = Trades.Day }));
        Assert.Equal(Trades.Kst("09:00:30"), options.Single().CloseTime);

        var overseas = await Collect(Stream(new[]
        {
            new OverseasStockTrade { Symbol = "DNASAAPL", KoreaDate = Trades.Day, KoreaTime = new(23, 30, 5), Price = 230.5m, Volume = 100,
                CumulativeVolume = 100 },
        }).ToBarsAsync(BarSpec.Hours(1)));
        Assert.Equal(Trades.Kst("23:00:00"), overseas.Single().OpenTime);
    }
}
