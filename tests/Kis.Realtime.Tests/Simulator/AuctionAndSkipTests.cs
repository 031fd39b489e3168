using System.Text;
using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>KRX's opening and closing auction prints in the stock books, and the fault that skips records.</summary>
public sealed class AuctionAndSkipTests
{
    private static readonly DateTime Day = new(2026, 11, 23);

    private static DateTime At(int h, int m, int s = 0) => Day + new TimeSpan(h, m, s);

    private static StockBook Book(StockVenue venue, DateTime createdAt)
        => new(7, "005930", venue, new InstrumentMaster(7), createdAt);

    [Fact]
    public void KRX_opens_with_one_print_at_the_expected_price_and_quantity_and_closes_with_one_after_its_closing_auction()
    {
        // VIs come only between 09:10 and 15:18, so neither print is a VI's auction.
        var book = Book(StockVenue.Krx, At(8, 59, 50));
        var expected = book.Expected(Day + TimeSpan.FromSeconds(8 * 3600 + 3599));
        var open = book.Trade(At(9, 0, 0));
        Assert.Equal((expected.Price, expected.Volume), (open.Price, open.Volume));
        Assert.Equal(open.Price, open.Open);
        Assert.Equal(open.Volume, open.CumulativeVolume); // the day's first trade on KRX

        for (var s = 1; s < 600; s++)
            Assert.True(book.HasTradeAt(At(9, 0) + TimeSpan.FromSeconds(s * 37)) || book.IsInterrupted(At(9, 0) + TimeSpan.FromSeconds(s * 37)));
        var continuous = book.Trade(At(9, 0, 1));
        Assert.True(book.HasTradeAt(At(15, 19, 59)) || book.IsInterrupted(At(15, 19, 59)));
        // The closing auction: no trades 15:20–15:30, then one print at the expected price and quantity, then nothing.
        Assert.False(book.HasTradeAt(At(15, 20)));
        Assert.False(book.HasTradeAt(At(15, 29, 59)));
        Assert.True(book.HasTradeAt(At(15, 30)));
        var beforeClose = book.Expected(Day + TimeSpan.FromSeconds(15 * 3600 + 29 * 60 + 59));
        var close = book.Trade(At(15, 30, 0));
        Assert.Equal((beforeClose.Price, beforeClose.Volume), (close.Price, close.Volume));
        Assert.Equal(continuous.CumulativeVolume + close.Volume, close.CumulativeVolume);
        Assert.False(book.HasTradeAt(At(15, 30, 1)));
        Assert.False(book.HasTradeAt(At(15, 39, 59)));
        // The next (demo) day opens with its own print.
        Assert.True(book.HasTradeAt(At(9, 0).AddDays(1)));
        var nextExpected = book.Expected(At(9, 0).AddDays(1));
        var nextOpen = book.Trade(At(9, 0).AddDays(1));
        Assert.Equal((nextExpected.Price, nextExpected.Volume), (nextOpen.Price, nextOpen.Volume));

        // The minute chart has the day's minutes: 09:00 and 15:30 of the first day, then only the next day's.
        Assert.Equal([At(9, 0).AddDays(1)], book.MinuteBars(Day.AddDays(1), TimeSpan.FromHours(24), 30).Select(b => b.Minute));
    }

    [Fact]
    public void The_combined_book_trades_NXT_around_KRX_prints_and_NXT_alone_has_no_auction()
    {
        var unified = Book(StockVenue.Unified, At(8, 0, 5));
        var pre = unified.Trade(At(8, 0, 10));  // NXT's pre-market
        var expected = unified.Expected(Day + TimeSpan.FromSeconds(9 * 3600));
        var open = unified.Trade(At(9, 0, 2));
        Assert.Equal((expected.Price, expected.Volume), (open.Price, open.Volume));
        Assert.Equal(pre.Price, open.Open); // the combined day opened in NXT's pre-market
        Assert.False(unified.HasTradeAt(At(15, 25)));
        var beforeClose = unified.Expected(Day + TimeSpan.FromSeconds(15 * 3600 + 30 * 60));
        var close = unified.Trade(At(15, 30, 3));
        Assert.Equal((beforeClose.Price, beforeClose.Volume), (close.Price, close.Volume));
        Assert.True(unified.HasTradeAt(At(15, 31))); // NXT's after-market goes on

        var nxt = Book(StockVenue.Nxt, At(8, 59, 59));
        // NXT's feed follows NXT's own sessions (paused 15:20–15:30), with no closing print to wait for after them.
        Assert.False(nxt.HasTradeAt(At(15, 25)));
        Assert.True(nxt.HasTradeAt(At(15, 30)));
        Assert.False(nxt.HasAuctions);
    }

    private static StockTrade Decode(string record)
    {
        Assert.True(StockTrade.TryDecode(KisTrs.H0STCNT0, Encoding.UTF8.GetBytes(record), out var t, out var err), $"{err} in {record}");
        return t;
    }

    /// <summary>(index of the first trade after the gap, missing volume) from the trades' cumulative volume.</summary>
    private static List<(int Index, long Missing)> Gaps(IReadOnlyList<StockTrade> trades)
        => [.. Enumerable.Range(1, trades.Count - 1)
            .Select(i => (Index: i, Missing: trades[i].CumulativeVolume - trades[i - 1].CumulativeVolume - trades[i].Volume))
            .Where(g => g.Missing != 0)];

    [Fact]
    public async Task A_clock_that_jumps_past_the_closing_window_still_gets_KRX_s_close_stamped_15_30()
    {
        // A sped-up demo day on a busy machine: the send loop first runs again after 15:40, when KRX's trade hours are
        // over. The day opened, so its closing print is still owed (failed before: nothing came, the day never closed).
        var time = new Kis.Realtime.Tests.Bars.HeldMarketTime(); // held at 09:00 until subscribed
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.PerSecond(200), ClockSpeed = 3600, TimeProvider = time });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync("H0STCNT0", "005930");
        using var session = new SessionRecords();
        // The opening print and the morning's first trades, the clock held: moved on by three and a half records' worth of
        // pace (63 market seconds), never run. Run and held again, a loaded machine's test could be seconds (hours of
        // market time at 3,600x) late to hold it.
        await session.ReadUntilAsync(c, r => r.Replies >= 1);
        time.Advance(TimeSpan.FromSeconds(3.5 / 200));
        await session.ReadUntilAsync(c, r => r.Count("H0STCNT0") >= 3);

        var market = sim.MarketTime;
        Assert.True(market.TimeOfDay < new TimeSpan(15, 0, 0), $"the morning took until {market:HH:mm:ss}");
        time.Advance((market.Date + new TimeSpan(15, 45, 0) - market) / 3600);
        Assert.Equal(new TimeSpan(15, 45, 0), sim.MarketTime.TimeOfDay);
        await session.ReadUntilAsync(c, r => r.Of("H0STCNT0").Any(t => Decode(t).Time >= new TimeOnly(15, 0)));

        var close = Assert.Single(session.Of("H0STCNT0").Select(Decode), t => t.Time >= new TimeOnly(15, 0));
        Assert.Equal(new TimeOnly(15, 30), close.Time);
        Assert.Null(sim.Hub.Market.Get(KisTrs.H0STCNT0, "005930").OwedAt(sim.MarketTime)); // owed once only
    }

    [Fact]
    public async Task Skipped_trades_stay_in_the_cumulative_volume_and_are_listed_exactly()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.PerSecond(400), Seed = 21 });
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync("H0STCNT0", "005930");
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Count("H0STCNT0") >= 20);
        sim.Faults.SkipRecords("H0STCNT0", "005930", 3);
        await session.ReadUntilAsync(c, r => r.Count("H0STCNT0") >= 60);
        var trades = session.Of("H0STCNT0").Select(Decode).ToList();

        var skipped = sim.Faults.SkippedRecords;
        Assert.Equal(3, skipped.Count);
        Assert.Equal(3, sim.Counters.RecordsSkipped);
        Assert.Equal([skipped[0].Sequence, skipped[0].Sequence + 1, skipped[0].Sequence + 2], skipped.Select(s => s.Sequence));
        var missing = skipped.Select(s => Decode(s.Record)).ToList();
        // Exactly one gap, where the three were, missing exactly their volume; none anywhere else.
        var gap = Assert.Single(Gaps(trades));
        Assert.Equal(missing.Sum(t => t.Volume), gap.Missing);
        Assert.Equal(missing[^1].CumulativeVolume, trades[gap.Index].CumulativeVolume - trades[gap.Index].Volume);
        Assert.Equal(missing[0].CumulativeVolume - missing[0].Volume, trades[gap.Index - 1].CumulativeVolume);
    }

    [Fact]
    public async Task Skips_with_a_probability_are_seeded_and_each_run_of_them_is_one_gap_of_their_volume()
    {
        await using var sim = await Sim.StartAsync(o => o with { Pace = MarketPace.FlatOut, MaxRecordsPerFrame = 20, Seed = 21 });
        sim.Faults.SkipRecords("H0STCNT0", "005930", 0.05, seed: 4);
        await using var c = await Sim.ClientAsync(sim);
        await c.SubscribeAsync("H0STCNT0", "005930");
        using var session = new SessionRecords();
        await session.ReadUntilAsync(c, r => r.Count("H0STCNT0") >= 2_000);
        var trades = session.Of("H0STCNT0").Select(Decode).ToList();
        var last = trades[^1].CumulativeVolume;
        // The skips before the last trade received (later ones cannot be seen yet), grouped into runs of consecutive records.
        var skipped = sim.Faults.SkippedRecords.Select(s => (s.Sequence, Trade: Decode(s.Record))).Where(s => s.Trade.CumulativeVolume < last).ToList();
        Assert.InRange(skipped.Count, 40, 200); // ~5 % of ~2,000
        var runs = new List<long>();
        for (var i = 0; i < skipped.Count; i++)
        {
            if (i > 0 && skipped[i].Sequence == skipped[i - 1].Sequence + 1) runs[^1] += skipped[i].Trade.Volume;
            else runs.Add(skipped[i].Trade.Volume);
        }
        // The first records before any sent one cannot show as a gap inside the session (nothing before them was seen).
        var gaps = Gaps(trades);
        var firstSeen = trades[0].CumulativeVolume - trades[0].Volume;
        var visibleRuns = runs.Skip(skipped.Count > 0 && skipped[0].Trade.CumulativeVolume <= firstSeen ? 1 : 0).ToList();
        Assert.Equal(visibleRuns, gaps.Select(g => g.Missing));
    }
}
