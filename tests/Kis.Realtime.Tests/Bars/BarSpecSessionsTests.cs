using System.Globalization;
using Kis.Realtime.Cli.Commands;

namespace Kis.Realtime.Tests.Bars;

/// <summary>The spec says which sessions a bar covers: regular only, or the extended day (issue #33, item 3).</summary>
public class BarSpecSessionsTests
{
    [Fact]
    public void A_regular_only_spec_builds_the_regular_daily_bar_and_says_so()
    {
        var s = new Trades();
        StockTrade[] trades = [s.At("08:35:00", 90, 1), s.At("09:00:00", 100, 10), s.At("15:30:02", 104, 50), s.At("16:00:00", 105, 7, afterHours: true)];
        var spec = BarSpec.Day.RegularOnly();
        Assert.Equal(TradingSessions.Regular, spec.Sessions);
        Assert.Equal("1d", spec.ToString()); // the size only: output columns and table names do not change

        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(spec);
        foreach (var t in trades) aggregator.Add(t);
        aggregator.Complete();
        Assert.True(aggregator.TryTakeClosed(out var day));
        Assert.Equal((100m, 104m, 60L, 2L), (day.Open, day.Close, day.Volume, aggregator.SkippedTrades));

        // The default covers every session; BarOptions.Sessions still narrows (a trade must be in both).
        Assert.Equal(TradingSessions.All, BarSpec.Day.Sessions);
        Assert.Equal(BarSpec.Day, BarSpec.Day.Extended());
        var both = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Day.Extended(), new BarOptions { Sessions = TradingSessions.Regular });
        foreach (var t in trades) both.Add(t);
        Assert.Equal(2L, both.SkippedTrades);
        Assert.Throws<ArgumentOutOfRangeException>(() => BarSpec.Day.WithSessions(TradingSessions.None));
    }

    [Fact]
    public void Trades_left_out_by_the_sessions_are_not_missed_volume_on_the_next_day()
    {
        // NXT: Monday's regular and after-market, Tuesday's pre-market then regular: regular-only bars of both days.
        var s = new Trades(venue: StockVenue.Nxt);
        var tuesday = Trades.Day.AddDays(1);
        StockTrade[] trades = [s.At("10:00:00", 100, 10), s.At("17:00:00", 101, 5)];
        s.Accumulated = 0;
        trades = [.. trades, s.At("08:10:00", 102, 7, tuesday), s.At("09:01:00", 103, 3, tuesday)];
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Day.RegularOnly());
        foreach (var t in trades) aggregator.Add(t);
        Assert.Equal((0L, 0L, 2L), (aggregator.Gaps, aggregator.MissingVolume, aggregator.SkippedTrades));
    }

    [Fact]
    public void A_gap_revealed_by_a_trade_outside_the_sessions_flags_the_forming_bar_it_was_lost_in()
    {
        // NXT's last main-market trade before 15:20 is lost; the first after-market trade (15:30, outside a regular-only
        // bar) is the one whose cumulative volume reveals it. The regular bars must not look complete.
        var s = new Trades(venue: StockVenue.Nxt);
        StockTrade[] trades = [s.At("10:00:00", 100, 10), s.At("15:10:00", 101, 5), s.AfterSkip("15:30:00", 102, 7, missed: 4)];

        var daily = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Day.RegularOnly());
        var days = Feed(daily, trades);
        var day = Assert.Single(days);
        Assert.Equal((15L, 1L, 4L, 1L), (day.Volume, daily.Gaps, daily.MissingVolume, daily.SkippedTrades));
        Assert.True(day.HasGap, "the regular-only daily bar lost 4 shares");

        // Minute bars: the forming one (15:10) is flagged, the earlier closed one (10:00) is not.
        var minutes = Feed(new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1).RegularOnly()), trades);
        Assert.Equal([("10:00", false), ("15:10", true)],
            minutes.Select(b => (b.OpenTime.ToString("HH:mm", CultureInfo.InvariantCulture), b.HasGap)));
    }

    [Fact]
    public void A_gap_revealed_outside_the_sessions_with_no_bar_of_its_day_flags_the_next_bar()
    {
        // Disconnected through Monday's whole main market: the first trade after it is an after-market one, and no
        // regular bar of Monday exists to carry the gap, so the key's next bar (Tuesday's) does.
        var s = new Trades(venue: StockVenue.Nxt);
        var tuesday = Trades.Day.AddDays(1);
        StockTrade[] trades = [s.At("08:10:00", 99, 3), s.AfterSkip("16:00:00", 101, 5, missed: 40)];
        s.Accumulated = 0;
        trades = [.. trades, s.At("09:01:00", 103, 3, tuesday), s.At("10:00:00", 104, 2, tuesday)];

        var daily = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Day.RegularOnly());
        var day = Assert.Single(Feed(daily, trades));
        Assert.Equal((tuesday, 1L, 40L), (DateOnly.FromDateTime(day.OpenTime.DateTime), daily.Gaps, daily.MissingVolume));
        Assert.True(day.HasGap, "Monday's lost regular volume has no bar of its own: the next one says so");

        // Only the next bar: the pending flag is used once.
        var minutes = Feed(new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1).RegularOnly()), trades);
        Assert.Equal([true, false], minutes.Select(b => b.HasGap));
    }

    private static List<Bar> Feed(BarAggregator<StockTrade, StockTradeAccessor> aggregator, IEnumerable<StockTrade> trades)
    {
        var bars = new List<Bar>();
        foreach (var t in trades) aggregator.Add(t);
        aggregator.Complete();
        while (aggregator.TryTakeClosed(out var b)) bars.Add(b);
        return bars;
    }

    [Fact]
    public void Extended_bars_of_night_derivatives_hold_the_night_session()
    {
        long acml = 0;
        FuturesTrade F(string time, long volume) => new()
        {
            Market = DerivativesMarket.NightFutures, Code = "101W3000",
            Time = TimeOnly.Parse(time, CultureInfo.InvariantCulture), Price = 350, Volume = volume, CumulativeVolume = acml += volume,
        };
        FuturesTrade[] trades = [F("18:00:01", 2), F("23:59:59", 1), F("00:00:01", 3)];
        var extended = BarsCommand.ParseSessions("extended");
        Assert.True(extended.HasFlag(TradingSessions.Night), $"--sessions extended is {extended}");

        var day = Assert.Single(BarAggregatorTests.Build<FuturesTrade, FuturesTradeAccessor>(trades, BarSpec.Day.WithSessions(extended),
            new BarOptions { TradingDate = new DateOnly(2026, 3, 9) }));
        Assert.Equal(6L, day.Volume);
        Assert.Equal(TradingSessions.All, BarSpec.Day.Extended().Sessions);
    }
}
