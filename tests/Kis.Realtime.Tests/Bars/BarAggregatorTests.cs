
namespace Kis.Realtime.Tests.Bars;

public class BarAggregatorTests
{
    private static List<Bar> Build(IEnumerable<StockTrade> trades, BarSpec spec, BarOptions? options = null) =>
        Build<StockTrade, StockTradeAccessor>(trades, spec, options);

    /// <summary>Every bar of <paramref name="trades"/>, the forming one completed at the end.</summary>
    internal static List<Bar> Build<TTrade, TAccessor>(IEnumerable<TTrade> trades, BarSpec spec, BarOptions? options = null)
        where TTrade : struct where TAccessor : ITradeAccessor<TTrade>
        => Feed(new BarAggregator<TTrade, TAccessor>(spec, options), trades);

    /// <summary>Every bar <paramref name="aggregator"/> closes over <paramref name="trades"/>, then at their end.</summary>
    internal static List<Bar> Feed<TTrade, TAccessor>(BarAggregator<TTrade, TAccessor> aggregator, IEnumerable<TTrade> trades)
        where TTrade : struct where TAccessor : ITradeAccessor<TTrade>
    {
        var bars = new List<Bar>();
        foreach (var t in trades)
            if (aggregator.Add(t))
                while (aggregator.TryTakeClosed(out var b)) bars.Add(b);
        aggregator.Complete();
        while (aggregator.TryTakeClosed(out var b)) bars.Add(b);
        return bars;
    }

    [Fact]
    public void Minute_bars_have_exact_ohlcv_value_count_and_vwap_in_kst()
    {
        var s = new Trades();
        var bars = Build([
            s.At("09:00:00", 100, 10), // the opening auction print
            s.At("09:00:30", 103, 5),
            s.At("09:00:59", 99, 1),
            s.At("09:01:05", 101, 4),
            s.At("09:03:10", 102, 2),
        ], BarSpec.Minutes(1));

        Assert.Equal(3, bars.Count);
        var first = bars[0];
        Assert.Equal("005930", first.Key);
        Assert.Equal(Trades.Kst("09:00:00"), first.OpenTime);
        Assert.Equal(TimeSpan.FromHours(9), first.OpenTime.Offset);
        Assert.Equal(Trades.Kst("09:01:00"), first.CloseTime);
        Assert.Equal((100m, 103m, 99m, 99m), (first.Open, first.High, first.Low, first.Close));
        Assert.Equal(16, first.Volume);
        Assert.Equal(100m * 10 + 103m * 5 + 99m, first.Value);
        Assert.Equal(3, first.TradeCount);
        Assert.Equal(first.Value / 16, first.Vwap);
        Assert.Equal(BarFlags.None, first.Flags);

        Assert.Equal((Trades.Kst("09:01:00"), 101m, 101m, 4L, 1), (bars[1].OpenTime, bars[1].Open, bars[1].Close, bars[1].Volume, bars[1].TradeCount));
        Assert.Equal(Trades.Kst("09:03:00"), bars[2].OpenTime);
        Assert.Equal(BarFlags.EndOfStream, bars[2].Flags);
    }

    [Fact]
    public void Minutes_without_trades_are_skipped_by_default_and_emitted_flat_when_asked()
    {
        var s = new Trades();
        StockTrade[] trades = [s.At("09:00:10", 100, 1), s.At("09:03:00", 105, 2), s.At("09:03:30", 104, 1)];

        var skipped = Build(trades, BarSpec.Minutes(1));
        Assert.Equal([Trades.Kst("09:00:00"), Trades.Kst("09:03:00")], skipped.Select(b => b.OpenTime));

        var emitted = Build(trades, BarSpec.Minutes(1), new BarOptions { EmitEmptyBars = true });
        Assert.Equal(["09:00", "09:01", "09:02", "09:03"], emitted.Select(b => b.OpenTime.ToString("HH:mm")));
        foreach (var empty in emitted.Skip(1).Take(2))
        {
            Assert.Equal(BarFlags.Empty, empty.Flags);
            Assert.Equal((100m, 100m, 100m, 100m, 0L, 0), (empty.Open, empty.High, empty.Low, empty.Close, empty.Volume, empty.TradeCount));
        }
    }

    [Fact]
    public void Empty_minutes_follow_a_bar_closed_by_the_clock_and_a_seed()
    {
        var s = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { EmitEmptyBars = true });
        aggregator.Add(s.At("09:00:10", 100, 1));
        Assert.True(aggregator.CloseThrough(Trades.Kst("09:01:00")));
        Assert.True(aggregator.TryTakeClosed(out _));
        Assert.True(aggregator.Add(s.At("09:02:30", 101, 1)));
        Assert.True(aggregator.TryTakeClosed(out var empty));
        Assert.Equal((Trades.Kst("09:01:00"), BarFlags.Empty, 100m), (empty.OpenTime, empty.Flags, empty.Close));
        Assert.False(aggregator.TryTakeClosed(out _));

        var seeded = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { EmitEmptyBars = true });
        seeded.Seed([new Bar { Key = "005930", OpenTime = Trades.Kst("09:00:00"), CloseTime = Trades.Kst("09:01:00"), Open = 9, High = 9, Low = 9, Close = 9,
            Volume = 4 }]);
        seeded.Add(new Trades { Accumulated = 4 }.At("09:02:00", 10, 1));
        var bars = new List<Bar>();
        while (seeded.TryTakeClosed(out var b)) bars.Add(b);
        Assert.Equal([BarFlags.Seeded, BarFlags.Empty], bars.Select(b => b.Flags));
        Assert.Equal(9m, bars[1].Close);
    }

    [Fact]
    public void Auction_prints_fall_in_their_own_minutes_and_sessions_filter_trades()
    {
        var nxt = new Trades(venue: StockVenue.Nxt);
        var krx = new Trades();
        var pre = nxt.At("08:10:00", 99, 3);          // NXT pre-market
        var open = krx.At("09:00:00", 100, 50);       // KRX opening auction print
        var lastContinuous = krx.At("15:19:59", 101, 1);
        var close = krx.At("15:30:00", 102, 70);      // KRX closing auction print
        var after = nxt.At("15:45:00", 103, 2);       // NXT after-market
        var afterHours = krx.At("16:10:00", 104, 5, afterHours: true); // H0STOUP0

        var all = Build([pre, open, lastContinuous, close, after, afterHours], BarSpec.Minutes(1));
        Assert.Equal(["08:10", "09:00", "15:19", "15:30", "15:45", "16:10"], all.Select(b => b.OpenTime.ToString("HH:mm")));
        var closing = all[3];
        Assert.Equal((102m, 70L, 1), (closing.Close, closing.Volume, closing.TradeCount));

        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1), new BarOptions { Sessions = TradingSessions.Regular });
        foreach (var t in new[] { pre, open, lastContinuous, close, after, afterHours }) aggregator.Add(t);
        aggregator.Complete();
        var regular = new List<Bar>();
        while (aggregator.TryTakeClosed(out var b)) regular.Add(b);
        Assert.Equal(["09:00", "15:19", "15:30"], regular.Select(b => b.OpenTime.ToString("HH:mm")));
        Assert.Equal(3, aggregator.SkippedTrades);
    }

    [Fact]
    public void Tick_volume_and_value_bars_close_at_their_threshold()
    {
        var s = new Trades();
        StockTrade[] trades = [s.At("09:00:01", 10, 1), s.At("09:00:02", 11, 2), s.At("09:00:03", 12, 3), s.At("09:00:04", 13, 4), s.At("09:00:05", 14, 5)];

        var ticks = Build(trades, BarSpec.Ticks(2));
        Assert.Equal([3L, 7L, 5L], ticks.Select(b => b.Volume));
        Assert.Equal((Trades.Kst("09:00:01"), Trades.Kst("09:00:02")), (ticks[0].OpenTime, ticks[0].CloseTime));
        Assert.Equal(BarFlags.EndOfStream, ticks[2].Flags);

        var volume = Build(trades, BarSpec.Volume(5)); // 1+2+3 = 6 ≥ 5; 4+5 = 9
        Assert.Equal([6L, 9L], volume.Select(b => b.Volume));
        Assert.Equal(BarFlags.None, volume[1].Flags);

        var value = Build(trades, BarSpec.Value(40)); // 10+22+36 = 68; 52 ≥ 40; 70
        Assert.Equal([68m, 52m, 70m], value.Select(b => b.Value));
    }

    [Fact]
    public void Bars_built_across_a_gap_are_flagged_and_only_those()
    {
        var s = new Trades();
        var bars = Build([
            s.At("09:00:10", 100, 1),
            s.At("09:00:20", 100, 1),
            s.At("09:01:10", 100, 1),
            s.AfterSkip("09:02:10", 100, 1, missed: 7), // a record (or more) with 7 shares never arrived
            s.At("09:02:20", 100, 1),
            s.At("09:03:00", 100, 1),
        ], BarSpec.Minutes(1));

        Assert.Equal([BarFlags.None, BarFlags.Gap, BarFlags.Gap, BarFlags.EndOfStream], bars.Select(b => b.Flags));
    }

    [Fact]
    public void A_trade_older_than_the_forming_bar_goes_into_no_bar_and_is_counted()
    {
        // Issue 46 item 3: a later bar never takes an earlier interval's trade (its low and close would be bent).
        var s = new Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Add(s.At("09:01:00", 100, 1));
        Assert.False(aggregator.Add(s.At("09:00:59", 90, 1)));
        Assert.Equal(1, aggregator.LateTrades);
        Assert.True(aggregator.TryGetForming(out var forming));
        Assert.Equal((100m, 1L, BarFlags.Forming), (forming.Low, forming.Volume, forming.Flags));
    }

    [Fact]
    public void One_aggregator_refuses_another_key()
    {
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Add(new Trades("005930").At("09:00:00", 1, 1));
        var e = Assert.Throws<InvalidOperationException>(() => aggregator.Add(new Trades("000660").At("09:00:01", 1, 1)));
        Assert.Contains("000660", e.Message);
    }

    [Fact]
    public void Clock_closes_a_time_bar_at_its_end()
    {
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Add(new Trades().At("15:30:00", 100, 70));
        Assert.False(aggregator.CloseThrough(Trades.Kst("15:30:59")));
        Assert.True(aggregator.CloseThrough(Trades.Kst("15:31:00")));
        Assert.True(aggregator.TryTakeClosed(out var bar));
        Assert.Equal((Trades.Kst("15:30:00"), 70L, BarFlags.None), (bar.OpenTime, bar.Volume, bar.Flags));
        Assert.False(aggregator.TryGetForming(out _));
    }

    [Fact]
    public void Index_ticks_skip_expected_values_take_value_from_the_tick_and_roll_the_date()
    {
        var aggregator = new BarAggregator<IndexTick, IndexTickAccessor>(BarSpec.Day, new BarOptions { TradingDate = Trades.Day });
        IndexTick Tick(string time, decimal value, long volume, long accumulated, bool expected = false) => new()
        {
            IndexCode = "0001", Time = TimeOnly.Parse(time, System.Globalization.CultureInfo.InvariantCulture), Value = value,
            TickVolume = volume, CumulativeVolume = accumulated, TickTradeValue = volume * 3, IsExpected = expected,
        };
        aggregator.Add(Tick("08:59:00", 2500, 0, 0, expected: true));
        aggregator.Add(Tick("09:00:00", 2600, 10, 10));
        aggregator.Add(Tick("15:30:00", 2610, 5, 15));
        Assert.True(aggregator.Add(Tick("09:00:00", 2620, 4, 4))); // the next day: no date on the wire
        aggregator.Complete();
        Assert.True(aggregator.TryTakeClosed(out var day1));
        Assert.True(aggregator.TryTakeClosed(out var day2));
        Assert.Equal((Trades.Kst("00:00:00"), 15L, 45m, 2, BarFlags.None), (day1.OpenTime, day1.Volume, day1.Value, day1.TradeCount, day1.Flags));
        Assert.Equal(Trades.Kst("00:00:00", Trades.Day.AddDays(1)), day2.OpenTime);
        Assert.Equal(1, aggregator.SkippedTrades);
        Assert.Equal(0, aggregator.Gaps); // acml_vol restarted with the day: not a gap
    }

    [Theory]
    [InlineData("30s", BarKind.Time, 30)]
    [InlineData("1m", BarKind.Time, 60)]
    [InlineData("1h", BarKind.Time, 3600)]
    [InlineData("1d", BarKind.Day, 86400)]
    public void Parses_time_specs(string text, BarKind kind, int seconds)
    {
        var spec = BarSpec.Parse(text);
        Assert.Equal((kind, TimeSpan.FromSeconds(seconds)), (spec.Kind, spec.Interval));
        Assert.Equal(text, spec.ToString());
    }

    [Fact]
    public void Rejects_bad_specs_with_a_clear_error()
    {
        Assert.Equal(BarSpec.Ticks(100), BarSpec.Parse("100t"));
        Assert.Equal(BarSpec.Volume(10000), BarSpec.Parse("10000v"));
        Assert.Throws<FormatException>(() => BarSpec.Parse("7m")); // does not divide a day
        Assert.Throws<FormatException>(() => BarSpec.Parse("abc"));
        Assert.Throws<ArgumentOutOfRangeException>(() => BarSpec.Ticks(0));
    }
}
