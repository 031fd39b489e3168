using Kis.Realtime.Simulator;
using Kis.Realtime.Simulator.Market;
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
}
