using Kis.Realtime.Cli.Commands;

namespace Kis.Realtime.Tests.Bars;

/// <summary>The REST seed's values and its join to the live trades (issue #33).</summary>
public class BarSeedJoinTests
{
    // 11:00 and 11:01 (partial: read at 11:01:30) of a day that has traded since 09:00: acml_tr_pbmn is the day's value.
    private static readonly MinuteChartRow[] MidDayRows =
    [
        new("20261123", "110100", "65000", "64900", "65100", "64800", "40", "1526000000"),
        new("20261123", "110000", "64900", "64800", "65000", "64700", "100", "1523400000"),
    ];

    private static KisMinuteBar Minute(string hhmm, decimal low, decimal high, long volume, long accumulatedValue) =>
        new(Trades.Kst(hhmm + ":00"), low, high, low, high, volume, accumulatedValue);

    [Fact]
    public void A_seeded_first_bar_that_starts_after_the_day_s_first_minute_has_its_vwap_between_low_and_high()
    {
        var bars = MinuteChartRow.ToBars("005930", MidDayRows);

        Assert.All(bars, b => Assert.InRange(b.Vwap, b.Low, b.High));
        Assert.Equal(2_600_000m, bars[1].Value); // the second is the difference of the cumulative value: exact
    }

    [Fact]
    public void Rest_minutes_merged_into_longer_bars_keep_the_vwap_between_low_and_high()
    {
        // The rows start at 11:00 (the reading did not reach 09:00), and 11:03 follows a row the reading lost.
        KisMinuteBar[] minutes =
        [
            Minute("11:00", 64_700, 65_000, 100, 1_523_400_000),
            Minute("11:01", 64_800, 65_100, 40, 1_526_000_000),
            Minute("11:03", 64_900, 65_000, 10, 1_600_000_000),
        ];
        var bars = MinuteBars.Merge("005930", minutes, TimeSpan.FromMinutes(5));

        var bar = Assert.Single(bars);
        Assert.Equal((150L, 64_700m, 65_100m), (bar.Volume, bar.Low, bar.High));
        Assert.InRange(bar.Vwap, bar.Low, bar.High);
    }

    [Fact]
    public void The_join_keeps_the_partial_minute_it_knows_and_counts_the_volume_traded_after_the_reading_as_a_gap()
    {
        // 09:00 (10) and 09:01 (5) closed, 09:02 read with 3 shares; 2 more traded before the subscription's first trade.
        var s = new Trades { Accumulated = 10 + 5 + 3 + 2 };
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Seed(MinuteChartRow.ToBars("005930", SeedRows));
        aggregator.Add(s.At("09:02:40", 102, 4));
        aggregator.Add(s.At("09:03:05", 103, 1));

        Assert.Equal(new SeedResult { KeptBars = 2, DroppedBars = 0, JoinedFormingBar = true, MissingVolume = 2 }, aggregator.SeedResult);
        var closed = new List<Bar>();
        while (aggregator.TryTakeClosed(out var b)) closed.Add(b);
        Assert.Equal(["09:00 Seeded", "09:01 Seeded", "09:02 Gap, Seeded"], closed.Select(b => $"{b.OpenTime:HH:mm} {b.Flags}"));
        var joined = closed[2];
        Assert.Equal((100m, 102m, 100m, 102m, 3L + 4L), (joined.Open, joined.High, joined.Low, joined.Close, joined.Volume));
        Assert.Equal((1L, 2L), (aggregator.Gaps, aggregator.MissingVolume)); // the summary counts the gap at the join
    }

    [Fact]
    public void A_gap_between_the_seed_and_the_first_live_minute_flags_that_minute_and_is_counted()
    {
        // The seed ends with 09:02 (3 shares); 6 shares traded after the reading, the first live trade is at 09:04.
        var s = new Trades { Accumulated = 10 + 5 + 3 + 6 };
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Seed(MinuteChartRow.ToBars("005930", SeedRows));
        aggregator.Add(s.At("09:04:10", 104, 1));
        aggregator.Add(s.At("09:05:00", 105, 1));

        var closed = new List<Bar>();
        while (aggregator.TryTakeClosed(out var b)) closed.Add(b);
        Assert.Equal(["09:00 Seeded", "09:01 Seeded", "09:02 Seeded", "09:04 Gap"], closed.Select(b => $"{b.OpenTime:HH:mm} {b.Flags}"));
        Assert.Equal((1L, 6L), (aggregator.Gaps, aggregator.MissingVolume));
    }

    [Fact]
    public void A_live_trade_the_seeded_partial_minute_already_holds_goes_into_no_bar_again()
    {
        // Issue 76: the seed was read after subscribing. Only 1 share traded before the first live trade, and the seed's
        // 09:02 holds 3: that trade (acml_vol 18, the seed's volume) is in it. Before: the partial minute was dropped and
        // rebuilt from the live trades, its first share flagged missing.
        var s = new Trades { Accumulated = 10 + 5 + 1 };
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1));
        aggregator.Seed(MinuteChartRow.ToBars("005930", SeedRows));
        aggregator.Add(s.At("09:02:40", 102, 2));
        aggregator.Add(s.At("09:02:50", 103, 1));

        Assert.Equal(new SeedResult { KeptBars = 2, DroppedBars = 0, JoinedFormingBar = true, MissingVolume = 0, CoveredTrades = 1 },
            aggregator.SeedResult);
        Assert.True(aggregator.TryGetForming(out var forming));
        Assert.Equal((100m, 103m, 103m, 4L, BarFlags.Seeded | BarFlags.Forming), (forming.Open, forming.High, forming.Close, forming.Volume, forming.Flags));
        Assert.Equal((0L, 0L, 0L), (aggregator.Gaps, aggregator.MissingVolume, aggregator.DuplicateTrades));
    }

    [Fact]
    public void Live_trades_read_into_the_seed_go_into_no_bar_and_the_first_beyond_it_continues_the_seeded_bar()
    {
        // The seed (18 shares to 09:02) was read while the subscription ran: the live trades up to acml_vol 18 are in it.
        // One of them comes again out of order, after the first trade beyond the seed (inside the reorder window): still
        // the seed's, not a corrupt acml_vol behind the tape. Before: a gap of 15 at 09:02, the partial minute rebuilt.
        var s = new Trades { Accumulated = 10 + 5 };
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1),
            new BarOptions { ReorderWindow = TimeSpan.FromSeconds(5) });
        aggregator.Seed(MinuteChartRow.ToBars("005930", SeedRows));
        var covered = new[] { s.At("09:02:10", 100, 1), s.At("09:02:20", 101, 1), s.At("09:02:30", 101, 1) };
        foreach (var trade in covered) aggregator.Add(trade);
        aggregator.Add(s.At("09:02:45", 104, 2));
        aggregator.Add(covered[1]);
        aggregator.Add(s.At("09:03:05", 105, 1));
        aggregator.Complete();

        var closed = new List<Bar>();
        while (aggregator.TryTakeClosed(out var b)) closed.Add(b);
        Assert.Equal(["09:00 Seeded", "09:01 Seeded", "09:02 Seeded", "09:03 EndOfStream"], closed.Select(b => $"{b.OpenTime:HH:mm} {b.Flags}"));
        Assert.Equal((100m, 104m, 104m, 3L + 2L), (closed[2].Open, closed[2].High, closed[2].Close, closed[2].Volume));
        Assert.Equal(new SeedResult { KeptBars = 2, DroppedBars = 0, JoinedFormingBar = true, MissingVolume = 0, CoveredTrades = 4 },
            aggregator.SeedResult);
        Assert.Equal((0L, 0L, 0L, 0L), (aggregator.Gaps, aggregator.MissingVolume, aggregator.CorruptTrades, aggregator.DuplicateTrades));
    }

    [Fact]
    public void A_second_venue_s_live_trades_are_never_taken_for_the_seed_s_own()
    {
        // The seed is KRX's (18 shares to 09:02). NXT's acml_vol counts NXT's own day, far below KRX's: its trades are
        // new, not trades the seed holds. Before: both NXT trades were dropped as "covered" (forming volume 1, not 13).
        var krx = new Trades { Accumulated = 10 + 5 + 3 };
        var nxt = new Trades(venue: StockVenue.Nxt);
        var aggregator = new BarAggregator<StockTrade, StockTradeAccessor>(BarSpec.Minutes(1),
            new BarOptions { ReorderWindow = TimeSpan.FromSeconds(5) });
        aggregator.Seed(MinuteChartRow.ToBars("005930", SeedRows));
        aggregator.Add(krx.At("09:02:40", 102, 1));
        aggregator.Add(nxt.At("09:02:45", 102, 5));
        aggregator.Add(nxt.At("09:02:50", 103, 7));
        aggregator.Complete();

        var closed = new List<Bar>();
        while (aggregator.TryTakeClosed(out var b)) closed.Add(b);
        Assert.Equal(["09:00 10 Seeded", "09:01 5 Seeded", "09:02 16 Seeded, EndOfStream"], closed.Select(b => $"{b.OpenTime:HH:mm} {b.Volume} {b.Flags}"));
        Assert.Equal(0L, aggregator.SeedResult.CoveredTrades);
    }

    private static readonly MinuteChartRow[] SeedRows =
    [
        new("20261123", "090200", "101", "100", "101", "100", "3", "1795"),
        new("20261123", "090100", "100", "99", "100", "98", "5", "1492"),
        new("20261123", "090000", "99", "100", "100", "99", "10", "995"),
    ];
}
