using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Tape;
using Kis.Realtime.Tests.Client;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The trades an unwatched stock's minute chart is caught up with (Stock.CatchUp) come from random sources of their own,
/// one per minute for their times and one per trade for its venue, side, volume and the book moves it makes, derived from
/// the seed, the stock and the time: so a minute's caught-up trades are the same whatever else drew from the stock's
/// book before (a trade feed's trades, the driver's for a resting order). They were drawn from the stock's one random
/// source, which the feeds and books also use, so one trade anywhere changed every caught-up trade after it.
/// </summary>
public sealed class ChartCatchUpDeterminismTests
{
    private const string Code = "000660";
    private static readonly DateTimeOffset Ten = new(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(9)); // a Wednesday

    /// <summary>A seed whose day has no VI of the stock before 10:40 (the feed trades at 10:10).</summary>
    private static readonly int Seed = Enumerable.Range(1, 1_000).First(s => new ViSchedule(s, Code, StockVenue.Krx) is var v
        && (v.Count == 0 || v.StartOf(0) > (int)new TimeSpan(10, 40, 0).TotalSeconds));

    private static SimulatedMarket Market() => new(SimulatorOptions.Default with
    {
        MarketStart = Ten, ClockSpeed = 1, TimeProvider = new FakeTimeProvider(Ten), Seed = Seed, RandomNotices = false,
    });

    /// <summary>A market whose hub says no trade feed is subscribed: every trade path catches the stock up first.</summary>
    private static SimulatedMarket Unwatched()
    {
        var market = Market();
        market.TradesWatched = _ => false;
        return market;
    }

    private static List<MinuteBar> Bars(SimulatedMarket market, StockVenue venue)
        => [.. market.StockBookForChart(Code, venue)!.MinuteBars(Ten.Date, TimeSpan.FromDays(1), 24 * 60).OrderBy(b => b.Minute)];

    [Fact]
    public void A_minutes_caught_up_trades_are_the_same_whether_or_not_a_feed_traded_the_stock_before()
    {
        var at = Ten.DateTime;
        var quiet = Market();
        var traded = Market();
        // Both appear at 10:00 with the same morning.
        quiet.StockBookForChart(Code, StockVenue.Krx);
        var book = traded.StockBookForChart(Code, StockVenue.Krx)!;
        // One of them is caught up to 10:10 and then its KRX feed makes three trades (drawing from the stock's book).
        Assert.True(book.CatchUp(at.AddMinutes(10)) > 0);
        var feed = traded.Get(KisTrs.H0STCNT0, Code);
        var writer = new RecordWriter(new byte[16 * 1024]);
        Assert.Equal(3, feed.WriteRecords(ref writer, 3, at.AddMinutes(10)));
        // Both asked at 10:30.
        Assert.True(quiet.StockBookForChart(Code, StockVenue.Krx)!.CatchUp(at.AddMinutes(30)) > 0);
        Assert.True(book.CatchUp(at.AddMinutes(30)) > 0);

        foreach (var venue in new[] { StockVenue.Krx, StockVenue.Nxt, StockVenue.Unified })
        {
            var a = Bars(quiet, venue);
            var b = Bars(traded, venue);
            Assert.Equal(a.Select(x => x.Minute), b.Select(x => x.Minute));
            var fromTen = a.Zip(b).Where(p => p.First.Minute >= at).ToList();
            Assert.True(fromTen.Count >= 29, $"{venue}: {fromTen.Count} minutes from 10:00");
            foreach (var (x, y) in fromTen)
            {
                // The feed's minute has its three trades more; every other minute's trades are the same (times, venue,
                // side, volume). Their prices follow the book, which the feed's trades may have moved a tick.
                if (x.Minute == at.AddMinutes(10) && venue != StockVenue.Nxt) Assert.True(y.Volume > x.Volume, $"{venue} {x.Minute:HH:mm}");
                else Assert.True(x.Volume == y.Volume, $"{venue} {x.Minute:HH:mm}: volume {x.Volume} without the feed's trades, {y.Volume} with");
            }
        }
    }

    [Fact]
    public void Asking_in_steps_makes_the_same_trades_as_asking_once_field_by_field()
    {
        var at = Ten.DateTime;
        var once = Market();
        var steps = Market();
        once.StockBookForChart(Code, StockVenue.Unified)!.CatchUp(at.AddMinutes(30));
        var book = steps.StockBookForChart(Code, StockVenue.Unified)!;
        foreach (var s in new[] { 7.5, 8, 19.25, 30 }) book.CatchUp(at.AddMinutes(s));
        foreach (var venue in new[] { StockVenue.Krx, StockVenue.Nxt, StockVenue.Unified })
            Assert.Equal(Bars(once, venue), Bars(steps, venue));
    }

    [Fact]
    public void A_book_feed_does_not_change_the_caught_up_trades_sides_and_volumes()
    {
        var at = Ten.DateTime;
        var quiet = Market();
        var booked = Market();
        quiet.StockBookForChart(Code, StockVenue.Krx);
        booked.StockBookForChart(Code, StockVenue.Krx);
        // One of them publishes a book record (H0STASP0) at 10:00: its touch is watched, so its trades stop moving it.
        var writer = new RecordWriter(new byte[16 * 1024]);
        Assert.Equal(1, booked.Get(KisTrs.H0STASP0, Code).WriteRecords(ref writer, 1, at));
        Assert.True(quiet.StockBookForChart(Code, StockVenue.Krx)!.CatchUp(at.AddMinutes(30)) > 0);
        Assert.True(booked.StockBookForChart(Code, StockVenue.Krx)!.CatchUp(at.AddMinutes(30)) > 0);

        // Same times, venues, sides and volumes: every minute's volume is the same (the prices follow each one's touch).
        foreach (var venue in new[] { StockVenue.Krx, StockVenue.Nxt, StockVenue.Unified })
        {
            var a = Bars(quiet, venue);
            var b = Bars(booked, venue);
            Assert.Equal(a.Select(x => x.Minute), b.Select(x => x.Minute));
            Assert.True(a.Count(x => x.Minute >= at) >= 29, $"{venue}: {a.Count(x => x.Minute >= at)} minutes from 10:00");
            foreach (var (x, y) in a.Zip(b).Where(p => p.First.Minute >= at))
                Assert.True(x.Volume == y.Volume, $"{venue} {x.Minute:HH:mm}: volume {x.Volume} without the book feed, {y.Volume} with");
        }
    }

    [Fact]
    public void A_trade_due_between_a_catch_up_and_a_paper_order_shortly_after_is_made_before_the_order()
    {
        var at = Ten.DateTime;
        // A caught-up trade's time s at 10:05 or after, found to within 100 ms: s in (due - 100 ms, due].
        var probe = Unwatched().StockBookForChart(Code, StockVenue.Unified)!;
        var due = at.AddMinutes(5);
        probe.CatchUp(due);
        for (var i = 0; i < 50 && probe.CatchUp(due = due.AddMilliseconds(100)) == 0; i++) { }
        Assert.True(due < at.AddMinutes(5).AddSeconds(5), "no trade time found after 10:05");
        // Asked at s - 100 ms or less (the trade before s is at least 500 ms earlier), a market order 300 ms later: at s or after.
        var asked = due.AddMilliseconds(-100);
        var ordered = asked.AddMilliseconds(300);

        var steps = Unwatched();
        var once = Unwatched();
        var taken = new LevelTake[StockBook.Levels];
        var stepsBook = steps.StockBookForChart(Code, StockVenue.Unified)!;
        stepsBook.CatchUp(asked);
        Assert.True(stepsBook.TakeDepth(buy: true, 1, 0, ordered, taken) > 0);
        var onceBook = once.StockBookForChart(Code, StockVenue.Unified)!;
        onceBook.CatchUp(ordered);
        Assert.True(onceBook.TakeDepth(buy: true, 1, 0, ordered, taken) > 0);
        // Both asked again at 10:30: the trade at s is in both days.
        stepsBook.CatchUp(at.AddMinutes(30));
        onceBook.CatchUp(at.AddMinutes(30));
        foreach (var venue in new[] { StockVenue.Krx, StockVenue.Nxt, StockVenue.Unified })
            Assert.Equal(Bars(once, venue), Bars(steps, venue));
    }
}
