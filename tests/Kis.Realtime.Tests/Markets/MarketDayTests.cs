using System.Globalization;

namespace Kis.Realtime.Tests.Markets;

/// <summary>
/// The trading day and session of every market KIS serves, seen through gap detection and bars: a US session crossing
/// KST midnight (and a summer-time change), the night derivatives session, NXT's after-market, KRX's closing print.
/// Each case reported a false gap or overlap, or cut a bar at KST midnight, with the KST-date rule.
/// </summary>
public class MarketDayTests
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    /// <summary>HDFSCNT0 trades of DNASAAPL stamped in KST (kymd/khms) with tvol advancing by each trade's volume.</summary>
    internal sealed class UsTrades
    {
        public long Tvol;
        public OverseasStockTrade At(string kstDateTime, decimal price, long volume, long skipped = 0)
        {
            Tvol += skipped + volume;
            var kst = DateTime.ParseExact(kstDateTime, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            return new OverseasStockTrade
            {
                Symbol = "DNASAAPL", Ticker = "AAPL", SessionCode = "",
                KoreaDate = DateOnly.FromDateTime(kst), KoreaTime = TimeOnly.FromDateTime(kst),
                Price = price, Volume = volume, CumulativeVolume = Tvol,
            };
        }

        /// <summary>The next US trading day: tvol starts again.</summary>
        public void NewDay() => Tvol = 0;
    }

    private static (List<VolumeGap> Gaps, GapDetector Detector) Detect(string trId, string key,
        IEnumerable<(DateTimeOffset At, long Volume, long Accumulated)> trades)
    {
        var detector = new GapDetector(trId, key);
        var gaps = new List<VolumeGap>();
        foreach (var (at, volume, accumulated) in trades)
            if (detector.Observe(at, volume, accumulated, out var gap)) gaps.Add(gap);
        return (gaps, detector);
    }

    private static DateTimeOffset KstAt(string dateTime) =>
        new(DateTime.ParseExact(dateTime, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Kst);

    [Fact]
    public void A_US_session_across_KST_midnight_and_the_next_open_on_the_same_KST_date_report_no_false_gap_or_overlap()
    {
        // Friday 2026-03-06 (New York standard time: the open is 23:30 KST), then Monday 2026-03-09, the first day of
        // summer time (the open is 22:30 KST): the reporter's sequence, whose KST dates made a gap at 00:01 and overlaps
        // at the next open.
        var us = new UsTrades();
        var trades = new List<OverseasStockTrade>
        {
            us.At("2026-03-06 23:30:00", 100, 1000),
            us.At("2026-03-06 23:59:59", 101, 500),
            us.At("2026-03-07 00:01:00", 102, 1500),
            us.At("2026-03-07 05:59:00", 103, 200),
        };
        us.NewDay();
        trades.Add(us.At("2026-03-09 22:30:00", 104, 300));
        trades.Add(us.At("2026-03-09 23:31:00", 105, 100));
        trades.Add(us.At("2026-03-10 00:01:00", 106, 300));

        var (gaps, detector) = Detect("HDFSCNT0", "DNASAAPL", trades.Select(t =>
            (new DateTimeOffset(t.KoreaDate!.Value.ToDateTime(t.KoreaTime), Kst), t.Volume, t.CumulativeVolume)));

        Assert.Empty(gaps);
        Assert.Equal(1, detector.Resets);
        Assert.Equal(trades.Count, detector.Checked);
    }

    [Fact]
    public void Trades_skipped_in_a_US_session_after_KST_midnight_are_reported_with_their_exact_volume()
    {
        var us = new UsTrades();
        OverseasStockTrade[] trades =
        [
            us.At("2026-03-09 23:59:00", 100, 10),
            us.At("2026-03-10 00:00:30", 100, 20, skipped: 345),
        ];
        var (gaps, _) = Detect("HDFSCNT0", "DNASAAPL", trades.Select(t =>
            (new DateTimeOffset(t.KoreaDate!.Value.ToDateTime(t.KoreaTime), Kst), t.Volume, t.CumulativeVolume)));

        var gap = Assert.Single(gaps);
        Assert.Equal((VolumeGapKind.Missing, 345L, false), (gap.Kind, gap.MissingVolume, gap.AfterReset));
    }

    [Fact]
    public void The_night_derivatives_session_is_one_trading_day_across_midnight()
    {
        (DateTimeOffset, long, long)[] trades =
        [
            (KstAt("2026-03-09 18:00:00"), 5, 5),
            (KstAt("2026-03-09 23:59:59"), 5, 10),
            (KstAt("2026-03-10 00:00:01"), 5, 15),
            (KstAt("2026-03-10 05:59:00"), 5, 27), // 7 skipped
            (KstAt("2026-03-10 18:00:00"), 3, 3),  // the next night session: a new day, not an overlap
        ];
        var (gaps, detector) = Detect("H0MFCNT0", "101W3000", trades);

        var gap = Assert.Single(gaps);
        Assert.Equal((VolumeGapKind.Missing, 7L), (gap.Kind, gap.MissingVolume));
        Assert.Equal(1, detector.Resets);
        Assert.Equal(new DateOnly(2026, 3, 9), MarketCalendar.KrxNightDerivatives.TradingDayOf(KstAt("2026-03-10 05:59:00")));
    }

    [Fact]
    public void New_York_time_follows_summer_time_and_the_US_session_opens_at_its_KST_hour()
    {
        var us = MarketCalendar.UsStocks;
        Assert.Equal(KstAt("2026-03-06 23:30:00"), us.OpenOf(new DateOnly(2026, 3, 6), TradingSessions.Regular));
        Assert.Equal(KstAt("2026-03-09 22:30:00"), us.OpenOf(new DateOnly(2026, 3, 9), TradingSessions.Regular));
        Assert.Equal(KstAt("2026-10-30 22:30:00"), us.OpenOf(new DateOnly(2026, 10, 30), TradingSessions.Regular));
        Assert.Equal(KstAt("2026-11-02 23:30:00"), us.OpenOf(new DateOnly(2026, 11, 2), TradingSessions.Regular)); // after 11-01
        Assert.Equal(TimeSpan.FromHours(-4), us.ToMarketTime(KstAt("2026-03-10 00:01:00")).Offset);
        Assert.Equal(TradingSessions.Regular, us.SessionOf(KstAt("2026-03-10 00:01:00")));
        Assert.Equal(TradingSessions.AfterMarket, us.SessionOf(KstAt("2026-03-10 05:30:00")));
        Assert.Equal(TradingSessions.PreMarket, us.SessionOf(KstAt("2026-03-09 22:00:00")));
        Assert.False(us.IsOpen(KstAt("2026-03-07 23:30:00"))); // Saturday in New York
    }

    [Fact]
    public void US_minute_bars_are_on_New_York_time_and_the_daily_bar_is_the_whole_session_across_KST_midnight()
    {
        var us = new UsTrades();
        OverseasStockTrade[] trades =
        [
            us.At("2026-03-09 22:30:05", 100, 10),
            us.At("2026-03-09 23:59:59", 103, 5),
            us.At("2026-03-10 00:00:00", 99, 7),
            us.At("2026-03-10 04:59:59", 101, 1),
        ];
        var minutes = Build<OverseasStockTrade, OverseasStockTradeAccessor>(trades, BarSpec.Minutes(1));
        Assert.Equal(["2026-03-09T09:30:00-04:00", "2026-03-09T10:59:00-04:00", "2026-03-09T11:00:00-04:00", "2026-03-09T15:59:00-04:00"],
            minutes.Select(b => b.OpenTime.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture)));
        Assert.All(minutes, b => Assert.False(b.Flags.HasFlag(BarFlags.Gap)));

        var day = Assert.Single(Build<OverseasStockTrade, OverseasStockTradeAccessor>(trades, BarSpec.Day));
        Assert.Equal((100m, 103m, 99m, 101m, 23L), (day.Open, day.High, day.Low, day.Close, day.Volume));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 0, 0, 0, TimeSpan.FromHours(-4)), day.OpenTime);
    }

    [Fact]
    public void The_night_session_daily_bar_runs_from_18_00_to_06_00_without_a_cut_at_midnight()
    {
        long acml = 0;
        FuturesTrade F(string time, decimal price, long volume) => new()
        {
            Market = DerivativesMarket.NightFutures, Code = "101W3000",
            Time = TimeOnly.Parse(time, CultureInfo.InvariantCulture), Price = price, Volume = volume, CumulativeVolume = acml += volume,
        };
        FuturesTrade[] trades = [F("18:00:01", 350, 2), F("23:59:59", 352, 1), F("00:00:01", 349, 3), F("05:59:00", 351, 4)];
        var options = new BarOptions { TradingDate = new DateOnly(2026, 3, 9) };

        var day = Assert.Single(Build<FuturesTrade, FuturesTradeAccessor>(trades, BarSpec.Day, options));
        Assert.Equal((350m, 352m, 349m, 351m, 10L), (day.Open, day.High, day.Low, day.Close, day.Volume));
        Assert.Equal(KstAt("2026-03-09 12:00:00"), day.OpenTime);
        Assert.False(day.Flags.HasFlag(BarFlags.Gap));

        // Night trades are their own session: a regular-only bar skips them.
        var regular = new BarAggregator<FuturesTrade, FuturesTradeAccessor>(BarSpec.Day, options with { Sessions = TradingSessions.Regular });
        foreach (var t in trades) regular.Add(t);
        Assert.Equal(trades.Length, regular.SkippedTrades);
    }

    [Fact]
    public void A_closing_print_stamped_after_15_30_is_the_regular_daily_bar_close()
    {
        var s = new Bars.Trades();
        StockTrade[] trades = [s.At("09:00:00", 100, 10), s.At("15:19:59", 101, 5), s.At("15:30:02", 104, 50), s.At("15:40:00", 105, 1, afterHours: true)];
        var regular = Build<StockTrade, StockTradeAccessor>(trades, BarSpec.Day, new BarOptions { Sessions = TradingSessions.Regular });
        var day = Assert.Single(regular);
        Assert.Equal((104m, 65L), (day.Close, day.Volume));
    }

    [Theory]
    [InlineData("H0STCNT0", "15:30:02", TradingSessions.Regular)]     // KRX's closing print, late by the random end
    [InlineData("H0STCNT0", "15:39:59", TradingSessions.Regular)]     // nothing else trades on KRX before 15:40
    [InlineData("H0NXCNT0", "15:19:59", TradingSessions.Regular)]
    [InlineData("H0NXCNT0", "15:30:00", TradingSessions.AfterMarket)] // NXT has no closing auction: after-market
    [InlineData("H0NXCNT0", "15:30:02", TradingSessions.AfterMarket)]
    [InlineData("H0UNCNT0", "15:30:59", TradingSessions.Regular)]     // may be KRX's closing print
    [InlineData("H0UNCNT0", "15:31:00", TradingSessions.AfterMarket)]
    public void A_trade_after_15_30_is_regular_only_where_it_may_be_KRX_s_closing_print(string trId, string time, TradingSessions session)
    {
        Assert.Equal(session, MarketCalendar.For(trId).SessionOf(Bars.Trades.Kst(time)));
        var venue = trId switch { "H0NXCNT0" => StockVenue.Nxt, "H0UNCNT0" => StockVenue.Unified, _ => StockVenue.Krx };
        Assert.Equal(session, StockTradeAccessor.Session(new Bars.Trades(venue: venue).At(time, 100, 1)));
    }

    [Fact]
    public void NXT_after_market_trades_are_after_market_and_one_trading_day_with_its_pre_market()
    {
        var s = new Bars.Trades(venue: StockVenue.Nxt);
        StockTrade[] trades = [s.At("08:00:01", 100, 3), s.At("09:00:30", 101, 5), s.At("15:45:00", 102, 7), s.At("19:59:59", 103, 2)];
        Assert.Equal([TradingSessions.PreMarket, TradingSessions.Regular, TradingSessions.AfterMarket, TradingSessions.AfterMarket],
            trades.Select(t => StockTradeAccessor.Session(t)));
        var day = Assert.Single(Build<StockTrade, StockTradeAccessor>(trades, BarSpec.Day));
        Assert.Equal((100m, 103m, 17L), (day.Open, day.Close, day.Volume));
        var regular = Assert.Single(Build<StockTrade, StockTradeAccessor>(trades, BarSpec.Day, new BarOptions { Sessions = TradingSessions.Regular }));
        Assert.Equal(5L, regular.Volume);
    }

    [Fact]
    public void The_last_bar_closes_by_the_clock_without_a_later_trade()
    {
        var s = new Bars.Trades();
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Add(s.At("15:30:02", 104, 50));
        Assert.Equal(Bars.Trades.Kst("15:31:00"), aggregator.FormingBarEnd);
        Assert.False(aggregator.CloseThrough(Bars.Trades.Kst("15:30:59")));
        Assert.True(aggregator.CloseThrough(Bars.Trades.Kst("15:31:00").ToUniversalTime()));
        Assert.True(aggregator.TryTakeClosed(out var bar));
        Assert.Equal((Bars.Trades.Kst("15:30:00"), 104m, BarFlags.None), (bar.OpenTime, bar.Close, bar.Flags));

        // A late print of the closed minute goes into no bar, counted: the closed one never reopens, and the next
        // interval's bar must not take it (issue 46 item 3).
        aggregator.Add(s.At("15:30:40", 104, 1));
        Assert.Equal(1, aggregator.LateTrades);
        Assert.False(aggregator.TryGetForming(out _));
    }

    [Theory]
    [InlineData("H0STCNT0", null, "KRX stocks")]
    [InlineData("H0NXCNT0", null, "NXT (Nextrade)")]
    [InlineData("H0UNCNT0", null, "KRX+NXT unified")]
    [InlineData("H0MFCNT0", null, "KRX derivatives (night)")]
    [InlineData("H0IFCNT0", null, "KRX derivatives (day)")]
    [InlineData("HDFSCNT0", "DNASAAPL", "US stocks")]
    [InlineData("HDFSCNT0", "DTSE7203", "Tokyo stocks")]
    [InlineData("HDFSCNT0", "DHKS00700", "Hong Kong stocks")]
    public void Every_TR_has_its_market(string trId, string? key, string market) =>
        Assert.Equal(market, MarketCalendar.For(trId, key).Name);

    private static List<Bar> Build<TTrade, TAccessor>(IEnumerable<TTrade> trades, BarSpec spec, BarOptions? options = null)
        where TTrade : struct where TAccessor : ITradeAccessor<TTrade> =>
        Bars.BarAggregatorTests.Build<TTrade, TAccessor>(trades, spec, options);
}
